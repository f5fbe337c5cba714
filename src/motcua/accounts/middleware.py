"""Two-factor enforcement: a staff user who turned two-factor on must enter the code after the
password before any page (the admin included) opens."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Set at login (accounts/signals.py) so that pages do not query the devices on every request.
OTP_REQUIRED_SESSION_KEY = "motcua_otp_required"


def two_factor_pending(request: HttpRequest) -> bool:
    """True while the logged-in user owes the second factor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not request.session.get(OTP_REQUIRED_SESSION_KEY):
        return False
    # Right after login() the request holds the plain user, without OTPMiddleware's accessor.
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified is not None and is_verified())


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if two_factor_pending(request) and not self._exempt(request.path_info):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:two-factor-verify')}?{query}")
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        # The API answers 401 itself (accounts/auth.py); static files and the language switch
        # are harmless.
        exempt = (
            reverse("accounts:two-factor-verify"),
            reverse("accounts:logout"),
            reverse("set_language"),
            settings.STATIC_URL,
            "/api/",
            "/healthz",
        )
        return path.startswith(exempt)
