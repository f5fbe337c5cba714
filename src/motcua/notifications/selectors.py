"""Reads of notifications: a dossier's messages, a user's own in-app inbox, the dossier an
inbound SMS asks about."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from motcua.accounts.models import Role
from motcua.accounts.selectors import is_staff_user, user_has_role
from motcua.core.errors import InvalidInput, NotFound, TooManyRequests
from motcua.dossiers.tracking import (
    MAX_CODE_LENGTH,
    DossierLookup,
    dossier_lookup,
    lookup_code_clean,
)
from motcua.notifications.models import Notification

# The first word of a lookup text ("tra cứu").
SMS_LOOKUP_KEYWORD = "TC"


def notification_list_for_dossier(*, code: str) -> QuerySet[Notification]:
    """Every message sent about a dossier, oldest first. For staff who may see the dossier:
    the caller checks that before asking."""
    return Notification.objects.filter(dossier_code=code).order_by("created_at", "pk")


def inbox_notifications(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own in_app notifications, newest first."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    notifications = Notification.objects.filter(user=user, channel=Notification.Channel.IN_APP)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-pk")


def unread_count(*, user) -> int:
    return inbox_notifications(user=user, unread_only=True).count()


@dataclass(frozen=True)
class SmsLookup:
    """What an inbound "TC <code>" text asks, and what may be answered to its sender."""

    code: str  # as typed, cleaned when it could be; "" when the text holds no code
    dossier: DossierLookup | None  # None: not found, or not this sender's dossier


def sms_lookup(*, text: str, phone: str) -> SmsLookup:
    """The dossier a text like "TC H56.14-251123-0007" (any case, dots or spaces) asks about,
    when `phone` is the one registered on it. The public lookup's own checks apply (same
    answer for an unknown code and a wrong phone, failures counted per code)."""
    words = (text or "").split()
    if words and words[0].upper() == SMS_LOOKUP_KEYWORD:
        words = words[1:]
    typed = "".join(words)
    if not typed:
        return SmsLookup(code="", dossier=None)
    try:
        code = lookup_code_clean(typed)
    except InvalidInput:
        return SmsLookup(code=typed[:MAX_CODE_LENGTH], dossier=None)
    try:
        dossier = dossier_lookup(code=code, phone=phone, client=f"sms:{phone}")
    except (InvalidInput, NotFound, TooManyRequests):
        return SmsLookup(code=code, dossier=None)
    return SmsLookup(code=code, dossier=dossier)


FAILED = (
    Notification.Status.TEMPORARY_FAILURE,
    Notification.Status.PERMANENT_FAILURE,
    Notification.Status.TECHNICAL_FAILURE,
)


def is_notification_operator(user) -> bool:
    """Administrators (and superusers) run the outbox: messages are not owned by one agency."""
    return is_staff_user(user) and (user.is_superuser or user_has_role(user, Role.ADMINISTRATOR))


def notification_failures_visible_to(
    *, user, status: str = "", channel: str = "", event: str = "", search: str = ""
) -> QuerySet[Notification]:
    """Messages that failed (temporarily, permanently, technically), newest first, with their
    attempts; for notification operators only (nothing for anyone else)."""
    if not is_notification_operator(user):
        return Notification.objects.none()
    failures = Notification.objects.filter(status__in=FAILED)
    if status in FAILED:
        failures = failures.filter(status=status)
    if channel:
        failures = failures.filter(channel=channel)
    if event:
        failures = failures.filter(event=event)
    search = search.strip()[:100]
    if search:
        failures = failures.filter(
            Q(dossier_code__icontains=search) | Q(recipient_address__icontains=search)
        )
    return failures.prefetch_related("delivery_attempts").order_by("-created_at", "-pk")


def notification_failed_events() -> list[str]:
    """The events that have failed messages, for the filter's choices."""
    return list(
        Notification.objects.filter(status__in=FAILED)
        .order_by("event")
        .values_list("event", flat=True)
        .distinct()
    )
