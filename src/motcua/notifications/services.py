"""The notifications outbox: record messages in the caller's transaction and deliver them later,
in batches; administrators' wording of the messages, people's choice of channels, and the
staff's daily digest."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from time import monotonic
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, TextField, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.identifiers import normalise_phone
from motcua.accounts.models import User
from motcua.core.audit import apply_changes, audit_record
from motcua.core.calendar import VIETNAM, WorkingCalendar
from motcua.core.concurrency import STALE_MESSAGE, save_versioned
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.ratelimit import Rate, ratelimit_enforce
from motcua.core.text import nfc
from motcua.notifications.channels import (
    ChannelNotConfigured,
    PermanentFailure,
    TemporaryFailure,
    get_channel,
)
from motcua.notifications.models import (
    Notification,
    NotificationAttempt,
    NotificationPreference,
    NotificationTemplate,
)
from motcua.notifications.selectors import (
    FAILED,
    is_notification_operator,
    notification_preference_of,
    sms_lookup,
    staff_digest_for,
    staff_digest_recipients,
    staff_digested_since,
    zalo_offered,
)
from motcua.notifications.templating import (
    EVENT_NAME,
    LANGUAGES,
    MAX_BODY_LENGTH,
    SMS_MAX_PARTS,
    SMS_SINGLE_PART,
    Rendered,
    SmsLength,
    Wording,
    event_channels,
    event_names,
    render,
    template_preview,
    wording_for,
)

logger = logging.getLogger(__name__)

Channel = Notification.Channel
Status = Notification.Status
# Statuses from which a delivery may (still) be tried; "sending" means another worker holds it.
SENDABLE = (Status.CREATED, Status.TEMPORARY_FAILURE)
# The priority of urgent messages (one-time codes), and of the delivery task that sends them.
URGENT_PRIORITY = 10


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
        if channel in (Channel.SMS, Channel.ZALO):
            return self.phone.strip() or None
        if channel == Channel.EMAIL:
            return self.email.strip() or None
        if channel == Channel.IN_APP:
            return "" if self.user_id else None
        return None


def notification_render(*, event: str, channel: str, language: str, data: dict) -> Rendered:
    """The message of `event` for `channel` in `language` (Vietnamese if there is no
    translation; an administrator's wording over the shipped one), with dates in local time
    and numbers in the language's style. Templates also see `site_name` and `agency_name`;
    notify() adds `recipient_name`."""
    return _render(wording_for(event), channel=channel, language=language, data=data)


def _render(wording: Wording, *, channel: str, language: str, data: dict) -> Rendered:
    source = wording.source(channel, language)
    if source is None:
        raise InvalidInput(
            _("Không có mẫu thông báo cho sự kiện {event} qua kênh {channel}.").format(
                event=wording.event, channel=channel
            ),
            field="channels",
        )
    return render(source, channel=channel, language=language, data=data)


def _channels_for(
    *,
    event: str,
    recipient: Recipient,
    channels: Iterable[str] | None,
    preference: NotificationPreference | None,
) -> list[str]:
    """The channels to use: those the event has messages for (staff events are in_app only)
    that the recipient's preference allows (without one: all but Zalo); or exactly the ones
    asked for; kept to those the recipient has an address on."""
    known = event_channels(event) if EVENT_NAME.fullmatch(event) else []
    if not known:
        raise InvalidInput(
            _("Sự kiện thông báo không tồn tại: {event}.").format(event=event), field="event"
        )
    if channels is not None:
        wanted = list(dict.fromkeys(channels))
    elif preference is not None:
        wanted = [channel for channel in known if preference.wants(channel)]
    else:
        wanted = [channel for channel in known if channel != Channel.ZALO]
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
    sensitive: bool = False,
    urgent: bool = False,
) -> list[Notification]:
    """Record one Notification per channel the recipient can be reached on (sms and zalo if
    phone, email if email, in_app if user_id) and wants (their NotificationPreference: the
    channels, and the language over `recipient.language`); or on exactly `channels` when the
    caller knows better (a verification code, an answer to a text, staff messages). The
    message is rendered NOW from the template of (event, channel, language) with `data`, and
    its delivery enqueued with the Django Tasks API INSIDE the caller's transaction
    (django-tasks-db stores the task row in the same transaction: a rolled-back change sends
    nothing, a committed change always sends). A `sensitive` message (a one-time code) is
    shown to no operator and its text wiped once it is delivered or given up; an `urgent` one
    overtakes the messages already waiting."""
    preference = None
    if recipient.user_id is not None:
        preference = NotificationPreference.objects.filter(user_id=recipient.user_id).first()
    language = preference.language if preference is not None else recipient.language
    language = language if language in LANGUAGES else "vi"
    created = []
    with transaction.atomic():
        wanted = _channels_for(
            event=event, recipient=recipient, channels=channels, preference=preference
        )
        wording = wording_for(event) if wanted else None
        for channel in wanted:
            rendered = _render(
                wording,
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
                sensitive=sensitive,
                priority=URGENT_PRIORITY if urgent else 0,
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
            created.append(notification)
        if any(notification.channel != Channel.IN_APP for notification in created):
            _enqueue_delivery(urgent=urgent)
    return created


def _delivery_enqueued() -> None:
    """Marks, among the transaction's on-commit callbacks, that a delivery task is enqueued."""


def _urgent_delivery_enqueued() -> None:
    """The same for an urgent delivery task."""


def _enqueue_delivery(*, urgent: bool = False, run_after: datetime | None = None) -> None:
    """Enqueue a `notifications_deliver` task, in the caller's transaction: one per transaction
    is enough, as it sends every message due when it runs (a marker among the transaction's
    on-commit callbacks remembers it; it goes away with a rolled-back savepoint, and so does
    the task row). A backend that runs tasks at once (immediate) is asked every time."""
    # Imported here: the task module calls back into this one.
    from motcua.notifications.tasks import notifications_deliver

    task = notifications_deliver
    if urgent:
        task = task.using(priority=URGENT_PRIORITY)
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # The immediate backend would retry at once, in a loop: the message waits in
            # temporary failure for the next delivery or an operator instead.
            logger.warning("notifications: the task backend cannot delay a retry")
            return
        task.using(run_after=run_after).enqueue()
        return
    marker = _urgent_delivery_enqueued if urgent else _delivery_enqueued
    connection = transaction.get_connection()
    deduplicate = task.get_backend().supports_defer and connection.in_atomic_block
    if deduplicate:
        if any(callback is marker for _ids, callback, _robust in connection.run_on_commit):
            return
        transaction.on_commit(marker)
    task.enqueue()


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the `attempts`-th failed try: base, 2×base, 4×base..."""
    return timedelta(seconds=settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


@dataclass
class _Claimed:
    """A message taken by this worker (status "sending"), with its open attempt."""

    notification: Notification
    attempt: NotificationAttempt
    status_before: str
    sent_at_before: datetime | None
    outcome: str = ""
    error: str = ""
    finished_at: datetime | None = None


def _claim(*, size: int, ids: Iterable[int] | None = None) -> list[_Claimed]:
    """Take up to `size` due messages (or those of `ids`, due or not) that no other worker
    holds, most urgent first, then oldest first (one person's messages keep the order of their
    events even after a retry): mark them "sending", count the try and open its attempt, in one
    short transaction. Rows another worker has locked are skipped, not waited for."""
    with transaction.atomic():
        due = Notification.objects.select_for_update(skip_locked=True).filter(status__in=SENDABLE)
        if ids is None:
            due = due.filter(next_attempt_at__lte=timezone.now())
        else:
            due = due.filter(pk__in=list(ids))
        rows = list(due.order_by("-priority", "pk")[:size])
        if not rows:
            return []
        started_at = timezone.now()
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            sent_at=Coalesce("sent_at", Value(started_at)),
        )
        attempts = NotificationAttempt.objects.bulk_create(
            [NotificationAttempt(notification=row, started_at=started_at) for row in rows]
        )
        claimed = [
            _Claimed(row, attempt, row.status, row.sent_at)
            for row, attempt in zip(rows, attempts, strict=True)
        ]
        for row in rows:
            row.status = Status.SENDING
            row.attempts += 1
            row.sent_at = row.sent_at or started_at
    return claimed


def _send_claimed(claimed: list[_Claimed]) -> None:
    """Hand each message to its channel, outside any transaction (a slow gateway must not hold
    database locks), over one channel object per batch (its kept-alive connection). Stops
    trying a channel after NOTIFICATION_BREAKER_FAILURES temporary failures in a row (the
    gateway is down: the rest wait, untried), and stops the batch before half the sending
    timeout, so that the recovery job never takes a message this worker still holds."""
    deadline = monotonic() + settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS / 2
    channels: dict = {}
    failures_in_a_row: dict[str, int] = {}
    for item in claimed:
        name = item.notification.channel
        if monotonic() > deadline:
            break
        if failures_in_a_row.get(name, 0) >= settings.NOTIFICATION_BREAKER_FAILURES:
            continue
        item.outcome, item.error = _hand_to_channel(item.notification, channels)
        item.finished_at = timezone.now()
        temporary = item.outcome == NotificationAttempt.Outcome.TEMPORARY_FAILURE
        failures_in_a_row[name] = failures_in_a_row.get(name, 0) + 1 if temporary else 0


def _hand_to_channel(notification: Notification, channels: dict) -> tuple[str, str]:
    Outcome = NotificationAttempt.Outcome
    try:
        channel = channels.get(notification.channel)
        if channel is None:
            channel = channels[notification.channel] = get_channel(notification.channel)
        channel.send(notification)
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


def _record(claimed: list[_Claimed]) -> None:
    """Write each outcome in one transaction: delivered; given up (permanent and technical
    failures, and temporary ones past NOTIFICATION_MAX_ATTEMPTS); due again after the back-off
    (one delayed delivery task for them all); or, for messages the batch did not reach, back
    to their state before the claim, their try not counted. A message no longer "sending"
    (the recovery job took it) keeps what the recovery wrote.

    The delivered ones, nearly all of a batch, are written together, with the moment the batch
    is recorded as their finish; the others one by one, with their own."""
    Outcome = NotificationAttempt.Outcome
    now = timezone.now()
    with transaction.atomic():
        ours = set(
            Notification.objects.select_for_update()
            .filter(pk__in=[item.notification.pk for item in claimed], status=Status.SENDING)
            .values_list("pk", flat=True)
        )
        delivered = [item for item in claimed if item.outcome == Outcome.DELIVERED]
        NotificationAttempt.objects.filter(pk__in=[item.attempt.pk for item in delivered]).update(
            finished_at=now, outcome=Outcome.DELIVERED, error=""
        )
        delivered_ids = [item.notification.pk for item in delivered if item.notification.pk in ours]
        Notification.objects.filter(pk__in=delivered_ids).update(
            status=Status.DELIVERED,
            delivered_at=now,
            last_error="",
            body=Case(
                When(sensitive=True, then=Value("")), default=F("body"), output_field=TextField()
            ),
        )
        untried = [item for item in claimed if not item.outcome]
        NotificationAttempt.objects.filter(pk__in=[item.attempt.pk for item in untried]).delete()
        retry_at = None
        for item in claimed:
            if item.outcome == Outcome.DELIVERED:
                continue
            if item.outcome:
                item.attempt.finished_at = item.finished_at
                item.attempt.outcome = item.outcome
                item.attempt.error = item.error
                item.attempt.save(update_fields=["finished_at", "outcome", "error"])
            notification = item.notification
            if notification.pk not in ours:
                continue
            if not item.outcome:
                notification.status = item.status_before
                notification.attempts -= 1
                notification.sent_at = item.sent_at_before
                notification.next_attempt_at = now + retry_delay(1)
                notification.save(
                    update_fields=["status", "attempts", "sent_at", "next_attempt_at"]
                )
                continue
            notification.last_error = item.error
            if item.outcome != Outcome.TEMPORARY_FAILURE:
                notification.status = Status(item.outcome)
            elif notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                notification.status = Status.PERMANENT_FAILURE
            else:
                notification.status = Status.TEMPORARY_FAILURE
                notification.next_attempt_at = now + retry_delay(notification.attempts)
                retry_at = min(
                    retry_at or notification.next_attempt_at, notification.next_attempt_at
                )
            _wipe_if_settled(notification)
            notification.save(update_fields=["status", "last_error", "next_attempt_at", "body"])
        if retry_at is not None:
            _enqueue_delivery(run_after=retry_at)
        if untried:
            _enqueue_delivery(run_after=now + retry_delay(1))


def _wipe_if_settled(notification: Notification) -> None:
    """A one-time code's text is kept only while it may still be sent."""
    if notification.sensitive and notification.status not in (*SENDABLE, Status.SENDING):
        notification.body = ""


def notifications_send_due(*, seconds: float | None = None) -> int:
    """Deliver the due messages, NOTIFICATION_BATCH_SIZE at a time, until none is due or
    `seconds` (NOTIFICATION_DRAIN_SECONDS) have passed; then another delivery task is
    enqueued for the rest, so that one worker does not hold the queue. Several workers share
    the work (each claims rows the others have not locked). At most once: a message is
    claimed before it is sent and recorded after; if the worker dies in between, the
    recovery job sends it again with the same idempotency key. Returns how many were tried."""
    budget = settings.NOTIFICATION_DRAIN_SECONDS if seconds is None else seconds
    stop_at = monotonic() + budget
    tried = 0
    while True:
        claimed = _claim(size=settings.NOTIFICATION_BATCH_SIZE)
        if not claimed:
            return tried
        _send_claimed(claimed)
        _record(claimed)
        tried += sum(1 for item in claimed if item.outcome)
        if monotonic() > stop_at:
            with transaction.atomic():
                _enqueue_delivery()
            return tried


def notification_send(*, notification_id: int) -> Notification | None:
    """Try to deliver one message now, due or not (an operator's retry, a test): at most once,
    as notifications_send_due does. A delivered or abandoned message, or one another worker
    is sending, is left alone."""
    claimed = _claim(size=1, ids=[notification_id])
    if claimed:
        _send_claimed(claimed)
        _record(claimed)
    return Notification.objects.filter(pk=notification_id).first()


def notification_recover_stalled(*, now: datetime | None = None) -> list[int]:
    """Send again the messages whose worker died mid-send: still "sending" after
    NOTIFICATION_SENDING_TIMEOUT_SECONDS. The unfinished attempt is closed as a temporary
    failure and the message is due again at once, with the same idempotency key, so a
    gateway that got it the first time does not deliver it twice. Returns the ids due again."""
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
            notification.next_attempt_at = now
            _wipe_if_settled(notification)
            notification.save(update_fields=["status", "last_error", "next_attempt_at", "body"])
            audit_record(
                actor=None,
                action="notification_recover",
                obj=notification,
                changes={"status": notification.status, "attempts": notification.attempts},
            )
            if not exhausted:
                recovered.append(notification.pk)
        if (
            recovered
            or Notification.objects.filter(status__in=SENDABLE, next_attempt_at__lte=now).exists()
        ):
            # Also a safety net: due messages whose delivery task was lost (a crashed run).
            _enqueue_delivery()
    return recovered


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
        if notification.sensitive and not notification.body:
            raise Conflict(
                _("Mã dùng một lần đã bị xóa sau khi gửi lỗi; người dùng cần yêu cầu mã mới."),
                field="notification",
            )
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
        notification.next_attempt_at = timezone.now()
        notification.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="notification_retry",
            obj=notification,
            changes={"status": [previous, Status.CREATED]},
        )
        _enqueue_delivery()
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


# --- Administrators' wording -----------------------------------------------------------------


def _check_template_slot(*, event: str, channel: str, language: str) -> None:
    if event not in event_names() or channel not in event_channels(event):
        raise NotFound(_("Không có mẫu thông báo này."), field="template")
    if language not in LANGUAGES:
        raise NotFound(_("Ngôn ngữ không được hỗ trợ."), field="language")


def _check_template_editor(actor: User) -> None:
    if not is_notification_operator(actor):
        raise PermissionDenied(_("Chỉ quản trị hệ thống được sửa mẫu thông báo."))


def _clean_template_text(value: str) -> str:
    return nfc(value or "").replace("\r\n", "\n").strip()


def notification_template_save(
    *,
    actor: User,
    event: str,
    channel: str,
    language: str,
    subject: str,
    body: str,
    expected_version: int,
    accept_long: bool = False,
) -> NotificationTemplate:
    """An administrator's wording of (event, channel, language), replacing the shipped one.

    Checked on the sample data first: the template must compile with the allowed tags only;
    an e-mail needs a subject; an SMS longer than one part (160 unaccented characters, 70 if
    anything stays Unicode) is refused with a warning until `accept_long` is given, and one
    longer than SMS_MAX_PARTS always. `expected_version` is the version read (0: there was no
    override yet); a stale one raises Conflict."""
    _check_template_editor(actor)
    _check_template_slot(event=event, channel=channel, language=language)
    subject = _clean_template_text(subject) if channel == Channel.EMAIL else ""
    body = _clean_template_text(body)
    if not body:
        raise InvalidInput(_("Nội dung mẫu không được để trống."), field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidInput(
            _("Nội dung mẫu dài quá {limit} ký tự.").format(limit=MAX_BODY_LENGTH), field="body"
        )
    if channel == Channel.EMAIL and not subject:
        raise InvalidInput(_("Thư điện tử cần có tiêu đề."), field="subject")
    preview = template_preview(channel=channel, language=language, subject=subject, body=body)
    if preview.rendered is None:
        raise InvalidInput(preview.error, code="template", field=preview.error_field)
    _check_sms_length(preview.sms, accept_long=accept_long)
    with transaction.atomic():
        template = (
            NotificationTemplate.objects.select_for_update()
            .filter(event=event, channel=channel, language=language)
            .first()
        )
        if template is None:
            if expected_version != 0:
                raise Conflict(STALE_MESSAGE, code="stale_version", field="version")
            template = NotificationTemplate(
                event=event,
                channel=channel,
                language=language,
                subject=subject,
                body=body,
                updated_by=actor,
            )
            try:
                with transaction.atomic():
                    template.save(force_insert=True)
            except IntegrityError:
                raise Conflict(STALE_MESSAGE, code="stale_version", field="version") from None
            changes = {"subject": ["", subject], "body": ["", body]}
        else:
            changes = apply_changes(template, {"subject": subject, "body": body})
            template.updated_by = actor
            template.updated_at = timezone.now()
            save_versioned(
                template,
                expected_version=expected_version,
                fields=["subject", "body", "updated_by", "updated_at"],
            )
        audit_record(
            actor=actor, action="notification_template_save", obj=template, changes=changes
        )
    return template


def _check_sms_length(length: SmsLength | None, *, accept_long: bool) -> None:
    if length is None or length.parts <= 1:
        return
    if length.parts > SMS_MAX_PARTS:
        raise InvalidInput(
            _(
                "Với dữ liệu mẫu, tin nhắn dài {characters} ký tự, tức {parts} tin: tổng đài "
                "chỉ nhận tối đa {limit} tin ghép. Hãy rút gọn nội dung."
            ).format(characters=length.characters, parts=length.parts, limit=SMS_MAX_PARTS),
            code="sms_too_long",
            field="body",
        )
    if not accept_long:
        raise InvalidInput(
            _(
                "Với dữ liệu mẫu, tin nhắn dài {characters} ký tự nên được gửi thành {parts} tin "
                "(một tin chứa {single} ký tự; khi ghép, mỗi tin {part} ký tự). Hãy rút gọn, "
                "hoặc đánh dấu ô này để vẫn lưu."
            ).format(
                characters=length.characters,
                parts=length.parts,
                single=length.single_limit,
                part=length.part_limit,
            ),
            code="sms_long",
            field="accept_long",
        )


def notification_template_reset(
    *, actor: User, event: str, channel: str, language: str, expected_version: int
) -> None:
    """Remove an administrator's wording: the shipped template applies again."""
    _check_template_editor(actor)
    _check_template_slot(event=event, channel=channel, language=language)
    with transaction.atomic():
        template = (
            NotificationTemplate.objects.select_for_update()
            .filter(event=event, channel=channel, language=language)
            .first()
        )
        if template is None:
            return
        if template.version != expected_version:
            raise Conflict(STALE_MESSAGE, code="stale_version", field="version")
        audit_record(
            actor=actor,
            action="notification_template_reset",
            obj=template,
            changes={"subject": [template.subject, ""], "body": [template.body, ""]},
        )
        template.delete()


# --- Applicants' choices ---------------------------------------------------------------------


def notification_preference_save(
    *, user: User, sms: bool, email: bool, zalo: bool, language: str
) -> NotificationPreference:
    """A person chooses how they hear about their dossiers (messages on the site always stay).
    Zalo only where an Official Account is configured."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Vui lòng đăng nhập."))
    if language not in LANGUAGES:
        raise InvalidInput(_("Ngôn ngữ không được hỗ trợ."), field="language")
    if zalo and not zalo_offered():
        raise InvalidInput(_("Cổng chưa gửi được tin nhắn Zalo."), field="zalo")
    with transaction.atomic():
        preference = NotificationPreference.objects.select_for_update().filter(user=user).first()
        before = notification_preference_of(user=user) if preference is None else preference
        values = {"sms": sms, "email": email, "zalo": zalo, "language": language}
        changes = {
            name: [getattr(before, name), value]
            for name, value in values.items()
            if getattr(before, name) != value
        }
        preference = preference or NotificationPreference(user=user)
        for name, value in values.items():
            setattr(preference, name, value)
        preference.save()
        audit_record(
            actor=user, action="notification_preference_save", obj=preference, changes=changes
        )
    return preference


# --- Staff daily digest ----------------------------------------------------------------------


def _site_url(name: str, *args: Any) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse(name, args=args)}"


def _digest_rows(dossiers: list) -> list[dict[str, Any]]:
    return [
        {
            "code": dossier.code,
            "procedure": dossier.procedure_version.name,
            "due_at": dossier.step_due_at,
            "url": _site_url("dossiers:workspace-dossier", dossier.code),
        }
        for dossier in dossiers
    ]


def staff_digest_send(*, now: datetime | None = None) -> int:
    """Tell each officer, in the app and by e-mail, what they hold that is overdue or due
    before the end of the next working day; once a day (a second run the same day tells
    nobody again), on working days only, and nothing to those with nothing due. Returns how
    many officers were told."""
    now = now or timezone.now()
    calendar = WorkingCalendar.load()
    today = timezone.localtime(now, VIETNAM).date()
    if not calendar.is_working_day(today):
        return 0
    since = datetime.combine(today, time.min, tzinfo=VIETNAM)
    already = staff_digested_since(since=since)
    workspace = _site_url("dossiers:workspace")
    told = 0
    for user in staff_digest_recipients().exclude(pk__in=already):
        digest = staff_digest_for(user=user, now=now, calendar=calendar)
        if not digest:
            continue
        with transaction.atomic():
            # Two runs at once (a manual one beside the scheduler's) must not both tell.
            User.objects.select_for_update().filter(pk=user.pk).first()
            if user.pk in staff_digested_since(since=since):
                continue
            notify(
                event="staff_digest",
                recipient=Recipient(
                    name=user.full_name,
                    email=user.email,
                    user_id=user.pk,
                    language=user.preferred_language,
                ),
                data={
                    "today": today,
                    "until": digest.until,
                    "overdue": _digest_rows(digest.overdue),
                    "overdue_count": digest.overdue_count,
                    "overdue_more": digest.overdue_count - len(digest.overdue),
                    "due_soon": _digest_rows(digest.due_soon),
                    "due_soon_count": digest.due_soon_count,
                    "due_soon_more": digest.due_soon_count - len(digest.due_soon),
                    "url": workspace,
                },
                channels=[Channel.IN_APP, Channel.EMAIL],
            )
        told += 1
    return told
