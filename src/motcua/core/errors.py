"""Domain errors: a machine code, a Vietnamese message and the field at fault.

Services raise these; the API (config/api.py) and the web middleware (core/middleware.py) turn
them into HTTP 400/403/404/409 in one place. Anything else that escapes is a bug (500).
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(DomainError):
    status = 400
    default_code = "invalid"


class Unauthenticated(DomainError):
    """No valid credentials (API: missing, expired or wrong bearer token or password)."""

    status = 401
    default_code = "unauthenticated"


class PermissionDenied(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The object changed since the caller read it (optimistic locking) or the state forbids it."""

    status = 409
    default_code = "conflict"


class TooManyRequests(DomainError):
    """A rate limit or a login lock-out; `retry_after` seconds, when known, go in Retry-After."""

    status = 429
    default_code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
