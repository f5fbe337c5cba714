"""API schemas shared by every router: the one error shape, so each endpoint can document it."""

from ninja import Schema


class ErrorSchema(Schema):
    """Every API error: a machine code, a Vietnamese message and the field at fault (if any)."""

    code: str
    message: str
    field: str | None = None
