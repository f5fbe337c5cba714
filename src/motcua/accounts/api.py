"""API of accounts: bearer tokens for programs."""

from ninja import Router

router = Router(tags=["accounts"])
