"""Reads of notifications: a dossier's messages, a user's own in-app inbox, the dossier an
inbound SMS asks about, failed messages, the templates administrators may edit, a person's
choice of channels, and what each officer's daily digest tells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Role, User
from motcua.accounts.selectors import is_staff_user, user_has_role
from motcua.core.calendar import VIETNAM, WorkingCalendar
from motcua.core.errors import InvalidInput, NotFound, TooManyRequests
from motcua.dossiers.models import Dossier
from motcua.dossiers.tracking import (
    MAX_CODE_LENGTH,
    DossierLookup,
    dossier_lookup,
    lookup_code_clean,
)
from motcua.dossiers.workspace import RUNNING_STATUSES, inbox_list, staff_holdings
from motcua.notifications.models import (
    LANGUAGE_CHOICES,
    Notification,
    NotificationPreference,
    NotificationTemplate,
)
from motcua.notifications.templating import (
    LANGUAGES,
    Source,
    event_channels,
    event_label,
    event_names,
    wording_for,
)

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


# --- Templates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateSlot:
    """One message an administrator may word: an event on a channel in a language."""

    event: str
    channel: str
    language: str
    override: NotificationTemplate | None = None

    @property
    def event_label(self) -> str:
        return event_label(self.event)

    @property
    def channel_label(self) -> str:
        return str(Notification.Channel(self.channel).label)

    @property
    def language_label(self) -> str:
        return dict(LANGUAGE_CHOICES)[self.language]


def notification_template_slots(*, user) -> list[TemplateSlot]:
    """Every (event, channel, language) that has a message, with the administrator's wording
    when there is one; for notification operators only (nothing for anyone else). One query."""
    if not is_notification_operator(user):
        return []
    overrides = {
        (row.event, row.channel, row.language): row
        for row in NotificationTemplate.objects.select_related("updated_by")
    }
    return [
        TemplateSlot(event, channel, language, overrides.get((event, channel, language)))
        for event in event_names()
        for channel in event_channels(event)
        for language in LANGUAGES
    ]


@dataclass(frozen=True)
class TemplateEditing:
    """What the edit page shows: the slot, its current wording and the shipped one."""

    slot: TemplateSlot
    current: Source
    shipped: Source

    @property
    def version(self) -> int:
        """The version the editor read (0: no override yet)."""
        return self.slot.override.version if self.slot.override else 0


def notification_template_editing(
    *, user, event: str, channel: str, language: str
) -> TemplateEditing:
    """One slot to edit; NotFound for an unknown one or a user who may not edit templates."""
    known = event in event_names() and channel in event_channels(event) and language in LANGUAGES
    if not (known and is_notification_operator(user)):
        raise NotFound(_("Không có mẫu thông báo này."), field="template")
    wording = wording_for(event)
    override = wording.overrides.get((channel, language))
    return TemplateEditing(
        slot=TemplateSlot(event, channel, language, override),
        current=wording.source(channel, language),
        shipped=wording.shipped(channel, language),
    )


# --- Applicants' choices ---------------------------------------------------------------------


def zalo_offered() -> bool:
    """Zalo is offered once an Official Account is configured."""
    return bool(settings.ZALO_OA_API_URL)


def notification_preference_of(*, user) -> NotificationPreference:
    """The user's choices; the defaults (SMS and e-mail, in the account's language), unsaved,
    when they never chose."""
    preference = NotificationPreference.objects.filter(user=user).first()
    if preference is None:
        language = user.preferred_language if user.preferred_language in LANGUAGES else "vi"
        preference = NotificationPreference(user=user, language=language)
    return preference


# --- Staff daily digest ----------------------------------------------------------------------

# How many dossiers of each kind a digest lists by code; the rest are counted.
DIGEST_LIST_LIMIT = 20


@dataclass(frozen=True)
class StaffDigest:
    """What one officer holds that is late or nearly so, as the daily digest tells it."""

    overdue: list[Dossier]
    due_soon: list[Dossier]  # due before the end of the next working day, not yet overdue
    overdue_count: int
    due_soon_count: int
    until: date  # the next working day

    def __bool__(self) -> bool:
        return bool(self.overdue_count or self.due_soon_count)


def staff_digest_recipients() -> QuerySet[User]:
    """Active staff who hold a role in an active unit (those who can hold dossiers)."""
    return (
        User.objects.filter(is_active=True, kind=User.Kind.STAFF, staff_roles__unit__is_active=True)
        .distinct()
        .order_by("pk")
    )


def staff_digest_for(*, user, now: datetime, calendar: WorkingCalendar) -> StaffDigest:
    """The dossiers `user` holds (their inbox: assigned to them, or unassigned at a unit and
    role they hold) whose current step is overdue or due before the end of the next working
    day, most urgent first; a stopped clock (supplement, financial obligation) is left out.
    Two queries: the user's roles and the dossiers."""
    until = calendar.next_working_day(timezone.localtime(now, VIETNAM).date())
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=VIETNAM)
    urgent = list(
        inbox_list(holdings=staff_holdings(user=user)).filter(
            status__in=RUNNING_STATUSES, paused_at__isnull=True, step_due_at__lt=end
        )
    )
    overdue = [dossier for dossier in urgent if dossier.step_due_at < now]
    due_soon = [dossier for dossier in urgent if dossier.step_due_at >= now]
    return StaffDigest(
        overdue=overdue[:DIGEST_LIST_LIMIT],
        due_soon=due_soon[:DIGEST_LIST_LIMIT],
        overdue_count=len(overdue),
        due_soon_count=len(due_soon),
        until=until,
    )


def staff_digested_since(*, since: datetime) -> set[int]:
    """The users who already got a digest since `since` (one a day)."""
    return set(
        Notification.objects.filter(
            event="staff_digest", channel=Notification.Channel.IN_APP, created_at__gte=since
        ).values_list("user_id", flat=True)
    )
