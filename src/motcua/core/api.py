"""API of the shared kernel: working calendar, administrative units."""

from ninja import Router

router = Router(tags=["core"])
