"""The notifications outbox: record messages in the caller's transaction, deliver them later."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import Context, Template, TemplateDoesNotExist, engines
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.accounts.identifiers import normalise_phone
from motcua.accounts.models import User
from motcua.accounts.sms import without_diacritics
from motcua.core.audit import audit_record
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.ratelimit import Rate, ratelimit_enforce
from motcua.notifications.channels import (
    ChannelNotConfigured,
    PermanentFailure,
    TemporaryFailure,
    get_channel,
)
from motcua.notifications.models import Notification, NotificationAttempt
from motcua.notifications.selectors import FAILED, is_notification_operator, sms_lookup

logger = logging.getLogger(__name__)

Channel = Notification.Channel
Status = Notification.Status
LANGUAGES = ("vi", "en")
# Statuses from which a delivery may (still) be tried; "sending" means another worker holds it.
SENDABLE = (Status.CREATED, Status.TEMPORARY_FAILURE)
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")
# Event names are template folder names: keep them plain.
_EVENT_NAME = re.compile(r"[a-z][a-z_]*")


@dataclass(frozen=True)
class Recipient:
    """Who is told, and where: each address present opens its channel."""

    name: str = ""
    phone: str = ""  # 0xxxxxxxxx, may be ""
    email: str = ""  # may be ""
    user_id: int | None = None  # an account (staff or applicant), may be None
    language: str = "vi"  # "vi" or "en"

    def address(self, channel: str) -> str | None:
        """The address for `channel`, "" for in_app (it goes to the account), None if none."""
        if channel == Channel.SMS:
            return self.phone.strip() or None
        if channel == Channel.EMAIL:
            return self.email.strip() or None
        if channel == Channel.IN_APP:
            return "" if self.user_id else None
        return None


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _template(event: str, channel: str, language: str) -> Template | None:
    # The engine's own Template (not the backend wrapper), so that it renders without HTML
    # escaping: these are plain-text messages.
    name = f"notifications/{event}/{channel}.{language}.txt"
    try:
        return engines["django"].engine.get_template(name)
    except TemplateDoesNotExist:
        return None


def _for_text(value: Any) -> Any:
    """Dates and times as Vietnamese write them (23/11/2026 14:30), in local time."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dict):
        return {key: _for_text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_for_text(item) for item in value]
    return value


def notification_render(*, event: str, channel: str, language: str, data: dict) -> Rendered:
    """The message of `event` for `channel` in `language` (Vietnamese if there is no
    translation), with dates in local time and numbers in the language's style. Templates
    also see `site_name` and `agency_name`; notify() adds `recipient_name`."""
    template = _template(event, channel, language) or _template(event, channel, "vi")
    if template is None:
        raise InvalidInput(
            _("Không có mẫu thông báo cho sự kiện {event} qua kênh {channel}.").format(
                event=event, channel=channel
            ),
            field="channels",
        )
    with translation.override(language):
        context = {
            "site_name": _(settings.SITE_NAME),
            "agency_name": _(settings.SITE_AGENCY_NAME),
            **_for_text(data),
        }
        text = template.render(Context(context, autoescape=False))
    if channel == Channel.EMAIL:
        first, _newline, rest = text.strip().partition("\n")
        subject = _SPACES.sub(" ", first.removeprefix("Subject:")).strip()
        body = "\n".join(line.rstrip() for line in rest.strip().splitlines())
        return Rendered(subject=subject[:255], body=_BLANK_LINES.sub("\n\n", body))
    body = _SPACES.sub(" ", text).strip()
    if channel == Channel.SMS:
        # Brand-name SMS gateways split or reject Unicode texts.
        body = without_diacritics(body)
    return Rendered(subject="", body=body)


def _channels_for(*, event: str, recipient: Recipient, channels: Iterable[str] | None) -> list[str]:
    """The channels to use: those the event has messages for (staff events are in_app only),
    or the ones asked for, kept to those the recipient has an address on."""
    known = []
    if _EVENT_NAME.fullmatch(event):
        known = [channel for channel in Channel.values if _template(event, channel, "vi")]
    if not known:
        raise InvalidInput(
            _("Sự kiện thông báo không tồn tại: {event}.").format(event=event), field="event"
        )
    wanted = known if channels is None else list(dict.fromkeys(channels))
    for channel in wanted:
        if channel not in known:
            raise InvalidInput(
                _("Không có mẫu thông báo cho sự kiện {event} qua kênh {channel}.").format(
                    event=event, channel=channel
                ),
                field="channels",
            )
    return [channel for channel in wanted if recipient.address(channel) is not None]


def notify(
    *,
    event: str,
    recipient: Recipient,
    data: dict[str, Any],
    dossier_code: str = "",
    channels: Iterable[str] | None = None,
) -> list[Notification]:
    """Record one Notification per channel the recipient can be reached on (sms if phone,
    email if email, in_app if user_id; or only `channels` if given), rendering the message NOW
    from the template of (event, channel, language) with `data`, and enqueue delivery with
    the Django Tasks API (`notification_deliver.enqueue(pk)`) INSIDE the caller's transaction
    (django-tasks-db stores the task row in the same transaction: a rolled-back change sends
    nothing, a committed change always sends)."""
    language = recipient.language if recipient.language in LANGUAGES else "vi"
    created = []
    with transaction.atomic():
        for channel in _channels_for(event=event, recipient=recipient, channels=channels):
            rendered = notification_render(
                event=event,
                channel=channel,
                language=language,
                data={"recipient_name": recipient.name, **data},
            )
            notification = Notification(
                event=event,
                channel=channel,
                recipient_name=recipient.name[:255],
                recipient_address=recipient.address(channel),
                user_id=recipient.user_id,
                language=language,
                subject=rendered.subject,
                body=rendered.body,
                dossier_code=dossier_code,
            )
            if channel == Channel.IN_APP:
                # Shown on the site: nothing to send, it is there once it is saved.
                now = timezone.now()
                notification.status = Status.DELIVERED
                notification.sent_at = notification.delivered_at = now
            notification.save()
            audit_record(
                actor=None,
                action="notification_create",
                obj=notification,
                changes={"event": event, "channel": channel, "dossier_code": dossier_code},
            )
            if channel != Channel.IN_APP:
                _enqueue_delivery(notification.pk)
            created.append(notification)
    return created


def _enqueue_delivery(notification_id: int, *, delay: timedelta | None = None) -> None:
    # Imported here: the task module calls back into this one.
    from motcua.notifications.tasks import notification_deliver

    task = notification_deliver
    if delay is not None:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(notification_id)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the `attempts`-th failed try: base, 2×base, 4×base..."""
    return timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def notification_send(*, notification_id: int) -> Notification | None:
    """Try to deliver one notification through its channel, at most once.

    The row is claimed (status "sending") and the attempt recorded in a first transaction, the
    gateway is called outside any transaction (a slow gateway must not hold database locks),
    and the outcome is written in a second one. A delivered or abandoned notification, or one
    another worker is sending, is left alone. A temporary failure is retried with exponential
    back-off up to NOTIFICATION_MAX_ATTEMPTS tries, then becomes permanent."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status not in SENDABLE:
            return notification
        started_at = timezone.now()
        notification.status = Status.SENDING
        notification.attempts += 1
        notification.sent_at = notification.sent_at or started_at
        notification.save(update_fields=["status", "attempts", "sent_at"])
        attempt = NotificationAttempt.objects.create(
            notification=notification, started_at=started_at
        )

    outcome, error = _hand_to_channel(notification)

    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        finished_at = timezone.now()
        attempt.finished_at = finished_at
        attempt.outcome = outcome
        attempt.error = error
        attempt.save(update_fields=["finished_at", "outcome", "error"])
        notification.last_error = error
        if outcome == NotificationAttempt.Outcome.DELIVERED:
            notification.status = Status.DELIVERED
            notification.delivered_at = finished_at
        elif outcome != NotificationAttempt.Outcome.TEMPORARY_FAILURE:
            notification.status = Status(outcome)
        elif notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            notification.status = Status.PERMANENT_FAILURE
        else:
            notification.status = Status.TEMPORARY_FAILURE
            _schedule_retry(notification)
        notification.save(update_fields=["status", "delivered_at", "last_error"])
    return notification


def _hand_to_channel(notification: Notification) -> tuple[str, str]:
    Outcome = NotificationAttempt.Outcome
    try:
        get_channel(notification.channel).send(notification)
    except TemporaryFailure as error:
        return Outcome.TEMPORARY_FAILURE, str(error) or type(error).__name__
    except PermanentFailure as error:
        return Outcome.PERMANENT_FAILURE, str(error) or type(error).__name__
    except ChannelNotConfigured as error:
        logger.error("notification %s: %s", notification.pk, error)
        return Outcome.TECHNICAL_FAILURE, str(error)
    except Exception as error:
        # A bug in a channel: keep the message for an operator instead of retrying blindly.
        logger.exception(
            "notification %s: channel %s failed", notification.pk, notification.channel
        )
        return Outcome.TECHNICAL_FAILURE, f"{type(error).__name__}: {error}"
    return Outcome.DELIVERED, ""


def _schedule_retry(notification: Notification) -> None:
    from motcua.notifications.tasks import notification_deliver

    if not notification_deliver.get_backend().supports_defer:
        # A backend without run_after (the immediate one some tests use) would retry at once,
        # in a loop: leave the message in temporary failure for an operator instead.
        logger.warning("notification %s: task backend cannot delay a retry", notification.pk)
        return
    _enqueue_delivery(notification.pk, delay=retry_delay(notification.attempts))


def notification_recover_stalled(*, now: datetime | None = None) -> list[int]:
    """Send again the messages whose worker died mid-send: still "sending" after
    NOTIFICATION_SENDING_TIMEOUT_SECONDS. The unfinished attempt is closed as a temporary
    failure and the message queued again with the same idempotency key, so a gateway that got
    it the first time does not deliver it twice. Returns the ids queued again."""
    now = now or timezone.now()
    stalled_before = now - timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    recovered = []
    with transaction.atomic():
        stalled = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING)
            .exclude(delivery_attempts__started_at__gte=stalled_before)
        )
        for notification in stalled:
            NotificationAttempt.objects.filter(
                notification=notification, finished_at__isnull=True
            ).update(
                finished_at=now,
                outcome=NotificationAttempt.Outcome.TEMPORARY_FAILURE,
                error=_("Tiến trình gửi bị dừng giữa chừng; gửi lại."),
            )
            exhausted = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
            notification.status = (
                Status.PERMANENT_FAILURE if exhausted else Status.TEMPORARY_FAILURE
            )
            notification.last_error = _("Tiến trình gửi bị dừng giữa chừng.")
            notification.save(update_fields=["status", "last_error"])
            audit_record(
                actor=None,
                action="notification_recover",
                obj=notification,
                changes={"status": notification.status, "attempts": notification.attempts},
            )
            if not exhausted:
                _enqueue_delivery(notification.pk)
                recovered.append(notification.pk)
    return recovered


SMS_SINGLE_PART = 160


def sms_inbound_answer(*, sender: str, text: str) -> Notification:
    """Answer a text sent to the service number (the gateway's callback) by SMS to its sender:
    "TC <code>" gets the dossier's status, current unit and appointment date when `sender` is
    the phone registered on it, and a polite "không tìm thấy" otherwise; anything else gets
    how to ask. One SMS part (160 unaccented characters) at most. Limited per sender
    (SMS_INBOUND_RATES): past the limit TooManyRequests, and no answer is sent."""
    phone = normalise_phone(sender, field="from")
    ratelimit_enforce(
        scope="sms:inbound",
        key=phone,
        rates=[Rate.parse(rate) for rate in settings.SMS_INBOUND_RATES],
        message=_("Số điện thoại này đã gửi quá nhiều tin tra cứu. Vui lòng thử lại sau."),
    )
    found = sms_lookup(text=text, phone=phone)
    data: dict[str, Any] = {"code": found.code, "found": found.dossier is not None}
    if found.dossier is not None:
        dossier = found.dossier
        data |= {
            "code": dossier.code,
            "status": dossier.status_label,
            "unit": dossier.current_unit or "",
            "appointment_at": dossier.appointment_at,
        }
        data["unit"] = _unit_that_fits(data)
    with transaction.atomic():
        [answer] = notify(
            event="sms_lookup",
            recipient=Recipient(phone=phone),
            data=data,
            dossier_code=data["code"] if data["found"] else "",
            channels=[Channel.SMS],
        )
    return answer


def _unit_that_fits(data: dict[str, Any]) -> str:
    """The unit's name, shortened so that the answer stays one SMS part."""
    unit = data["unit"]
    while unit:
        body = notification_render(
            event="sms_lookup", channel=Channel.SMS, language="vi", data={**data, "unit": unit}
        ).body
        overflow = len(body) - SMS_SINGLE_PART
        if overflow <= 0:
            return unit
        unit = unit[: max(0, len(unit) - overflow)].rstrip()
    return unit


def notification_retry(*, notification_id: int, actor: User) -> Notification:
    """An operator sends a failed message again (after fixing a number, a gateway's settings):
    its tries count from zero again, its key stays the same. Only failed messages, and only
    for notification operators."""
    if not is_notification_operator(actor):
        raise PermissionDenied(_("Chỉ quản trị hệ thống được gửi lại thông báo."))
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            raise NotFound(_("Không tìm thấy thông báo."), field="notification")
        if notification.status not in FAILED:
            raise Conflict(
                _(
                    "Chỉ gửi lại được thông báo bị lỗi; thông báo này đang ở trạng thái {status}."
                ).format(status=notification.get_status_display()),
                field="notification",
            )
        previous = notification.status
        notification.status = Status.CREATED
        notification.attempts = 0
        notification.save(update_fields=["status", "attempts"])
        audit_record(
            actor=actor,
            action="notification_retry",
            obj=notification,
            changes={"status": [previous, Status.CREATED]},
        )
        _enqueue_delivery(notification.pk)
    return notification


def notification_mark_read(*, notification_id: int, user: User) -> Notification:
    """Mark one of the user's own in_app notifications as read (again: no change)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, user=user, channel=Channel.IN_APP)
            .first()
        )
        if notification is None:
            raise NotFound(_("Không tìm thấy thông báo."), field="notification")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            audit_record(actor=user, action="notification_read", obj=notification)
    return notification
