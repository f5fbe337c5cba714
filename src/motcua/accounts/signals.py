"""Reactions of accounts to Django's login events."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from motcua.accounts.middleware import OTP_REQUIRED_SESSION_KEY
from motcua.accounts.selectors import is_staff_user, user_has_two_factor


@receiver(user_logged_in, dispatch_uid="motcua.accounts.remember_two_factor")
def remember_two_factor(sender, request, user, **kwargs) -> None:
    """Remember in the session whether this login still owes a second factor."""
    if request is not None and hasattr(request, "session"):
        request.session[OTP_REQUIRED_SESSION_KEY] = is_staff_user(user) and user_has_two_factor(
            user
        )
