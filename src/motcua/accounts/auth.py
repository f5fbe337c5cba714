"""Authentication for the API: bearer tokens for programs, the session (with CSRF) for the
browser. Other apps' routers use `BearerToken()` or `session_or_token`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from motcua.accounts.middleware import two_factor_pending
from motcua.accounts.selectors import api_token_active
from motcua.accounts.services import api_token_touch
from motcua.core.errors import PermissionDenied


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` from POST /api/v1/auth/token. Sets request.user and
    request.api_token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_active(raw=token.strip())
        if api_token is None:
            return None
        api_token_touch(token=api_token)
        request.api_token = api_token
        request.user = api_token.user
        return api_token.user


class VerifiedSession(SessionAuth):
    """The browser's login session. Unsafe methods need the CSRF token; a staff user who still
    owes the two-factor code is not let in."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is nothing to protect: let the next method (or the
        # 401 answer) speak instead of a CSRF error.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        try:
            return super()._get_key(request)
        except HttpError as exc:
            raise PermissionDenied(
                _("Yêu cầu bị từ chối: thiếu mã chống giả mạo (CSRF). Vui lòng tải lại trang."),
                code="csrf_failed",
            ) from exc

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None or two_factor_pending(request):
            return None
        return super().authenticate(request, key)


session_or_token = [BearerToken(), VerifiedSession(csrf=True)]
