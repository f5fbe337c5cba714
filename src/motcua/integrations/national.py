"""Dossier sync with the national public-service portal (SPEC §9): one message per event."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from motcua.core.audit import audit_record
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.integrations.models import NationalSyncMessage
from motcua.integrations.services import retry_delay

logger = logging.getLogger(__name__)

Message = NationalSyncMessage
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Actions that open a dossier on the portal; any dossier's first event does too.
CREATE_ACTIONS = frozenset({"submit", "record"})
# Messages sent in one run of a send task (a dossier's backlog is drained oldest first).
SEND_BATCH = 50
# Dossiers whose head message the periodic job tries again in one run.
RETRY_BATCH = 200
# The back-off grows to 2**(this - 1) times the base and then stays there: a portal down for a
# day is still tried regularly, and no message is ever given up on for a network failure.
MAX_BACKOFF_STEP = 8
ERROR_MAX_LENGTH = 2000


def portal_time(moment: datetime | None) -> str:
    """The portal's date format: yyyyMMddHHmmss in Vietnam time; empty for no date."""
    if moment is None:
        return ""
    return timezone.localtime(moment, VIETNAM).strftime("%Y%m%d%H%M%S")


def _name(user: Any) -> str:
    return user.get_full_name() if user is not None else ""


def national_dossier_payload(dossier: Dossier, event: DossierEvent) -> dict[str, Any]:
    """What the portal is told about `dossier` as of `event` (a read, in a fixed number of
    queries whatever the dossier's size)."""
    current = (
        Dossier.objects.select_related("procedure_version__procedure", "agency", "current_unit")
        .prefetch_related(
            "procedure_version__fees",
            "attachments",
            "supplement_requests",
            "results",
            "handlings",
            Prefetch(
                "events",
                queryset=DossierEvent.objects.filter(pk__lte=event.pk)
                .select_related("actor")
                .order_by("occurred_at", "pk"),
            ),
        )
        .get(pk=dossier.pk)
    )
    version = current.procedure_version
    # A hand-off starts a step (Handling) at the event's time: its due date is the step deadline.
    step_due = {handling.started_at: handling.due_at for handling in current.handlings.all()}
    fees = []
    for fee in version.fees.all():
        fees.append(
            {"name": fee.name, "amount": fee.amount_for(current.form_data), "unit": fee.unit}
        )
    return {
        "dossier_code": current.code,
        "procedure_code": version.procedure.code,
        "procedure_name": version.name,
        "channel": current.channel,
        "owner": {
            "name": current.applicant_name,
            "id_number": current.applicant_id_number,
            "kind": current.applicant_kind,
        },
        "status_code": current.national_status_code,
        "receiving_unit": {"code": current.agency.code, "name": current.agency.name},
        "current_unit": current.current_unit.name if current.current_unit_id else "",
        "dates": {
            "submitted": portal_time(current.submitted_at),
            "received": portal_time(current.received_at),
            "appointment": portal_time(current.promised_at),
            "finished": portal_time(current.finished_at),
            "returned": portal_time(current.returned_at),
        },
        "attachments": [
            {
                "name": attachment.original_name,
                "kind": attachment.kind,
                "sha256": attachment.sha256,
                "is_digitized": attachment.is_digitized,
                "is_reused": attachment.is_reused,
                "reused_from": attachment.reused_from,
            }
            for attachment in current.attachments.all()
        ],
        "fees": fees,
        "supplements": [
            {
                "round": request.number,
                "stage": request.stage,
                "items": request.items,
                "requested": portal_time(request.requested_at),
                "answered": portal_time(request.answered_at),
                "old_due": portal_time(request.due_before),
                "new_due": portal_time(request.due_after),
            }
            for request in sorted(current.supplement_requests.all(), key=lambda r: r.number)
        ],
        "results": [
            {"number": result.number, "name": result.title}
            for result in sorted(current.results.all(), key=lambda r: r.pk)
        ],
        "history": [_history(item, step_due) for item in current.events.all()],
        "event": {
            "action": event.action,
            "time": portal_time(event.occurred_at),
            "status_code": current.national_status_code,
        },
    }


def _history(event: DossierEvent, step_due: dict[datetime, datetime | None]) -> dict[str, Any]:
    data = event.data or {}
    due = data.get("step_due_at") or data.get("due_at")
    due = _parse(due) if isinstance(due, str) else step_due.get(event.occurred_at)
    return {
        "handler": _name(event.actor),
        "time": portal_time(event.occurred_at),
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "step": data.get("step_name", ""),
        "unit": data.get("unit", ""),
        "step_deadline": portal_time(due) if isinstance(due, datetime) else "",
        "note": event.note if event.is_public else "",
    }


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, VIETNAM)


def national_sync_record(dossier: Dossier, event: DossierEvent) -> Message | None:
    """The `lifecycle.event_recorded` hook: record the message of `event` and queue its sending,
    in the event's transaction (the queue is a table: a rolled-back action sends nothing).
    Nothing when the portal is not configured, or for a dossier without a code yet."""
    if not settings.NATIONAL_PORTAL_URL or not dossier.code:
        return None
    first = (
        event.action in CREATE_ACTIONS
        or not DossierEvent.objects.filter(dossier_id=dossier.pk).exclude(pk=event.pk).exists()
    )
    now = timezone.now()
    message = Message.objects.create(
        dossier_id=dossier.pk,
        event=event,
        kind=Message.Kind.CREATE if first else Message.Kind.UPDATE,
        payload=national_dossier_payload(dossier, event),
        created_at=now,
        # A send task lost (worker restarted...) is made up for by the periodic job then.
        next_attempt_at=now + retry_delay(1),
    )
    _enqueue_send(message.pk)
    return message


def _enqueue_send(message_id: int) -> None:
    # Imported here: the task module calls back into this one.
    from motcua.integrations.tasks import national_sync_send

    national_sync_send.enqueue(message_id)


def _head(dossier_id: int) -> Message | None:
    """The dossier's oldest message not sent yet, locked: the only one that may be sent now."""
    return (
        Message.objects.select_for_update()
        .filter(dossier_id=dossier_id)
        .exclude(status=Message.Status.SENT)
        .order_by("pk")
        .first()
    )


def national_sync_deliver(*, message_id: int) -> Message | None:
    """Send the pending messages of `message_id`'s dossier, oldest first, stopping at the
    first that is refused (failed: the later ones wait for an operator) or not delivered
    (network: tried again later). Returns `message_id`'s message as it is now."""
    dossier_id = Message.objects.filter(pk=message_id).values_list("dossier_id", flat=True).first()
    if dossier_id is None:
        return None
    for _ in range(SEND_BATCH):
        with transaction.atomic():
            message = _head(dossier_id)
            if message is None or message.status != Message.Status.PENDING:
                break
            message.attempts += 1
            message.save(update_fields=["attempts"])
        error, temporary = _post(message)
        if not _record_outcome(message.pk, error=error, temporary=temporary):
            break
    return Message.objects.filter(pk=message_id).first()


def _post(message: Message) -> tuple[str, bool]:
    """POST the message; returns (error, whether it is worth trying again)."""
    base = settings.NATIONAL_PORTAL_URL.rstrip("/")
    if message.kind == Message.Kind.CREATE:
        url = f"{base}/dossiers"
    else:
        url = (
            f"{base}/dossiers/{quote(message.payload.get('dossier_code') or '', safe='')}/progress"
        )
    try:
        response = requests.post(
            url,
            json={"kind": message.kind, **message.payload},
            headers={
                "X-API-Key": settings.NATIONAL_PORTAL_API_KEY,
                "Idempotency-Key": str(message.idempotency_key),
            },
            timeout=settings.NATIONAL_PORTAL_TIMEOUT_SECONDS,
        )
    except requests.RequestException as failure:
        return f"{type(failure).__name__}: {failure}"[:ERROR_MAX_LENGTH], True
    if 200 <= response.status_code < 300:
        return "", False
    error = f"HTTP {response.status_code}: {response.text}"[:ERROR_MAX_LENGTH]
    return error, response.status_code >= 500 or response.status_code == 429


def _record_outcome(message_id: int, *, error: str, temporary: bool) -> bool:
    """Store a try's outcome; True when the message was sent (the next one may go)."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.status != Message.Status.PENDING:
            return message.status == Message.Status.SENT
        now = timezone.now()
        if not error:
            message.status = Message.Status.SENT
            message.sent_at = now
            message.last_error = ""
            message.next_attempt_at = None
            action, changes = "national_sync_sent", {"kind": message.kind}
        elif temporary:
            delay = retry_delay(min(message.attempts, MAX_BACKOFF_STEP))
            message.last_error = error
            message.next_attempt_at = now + delay
            action = "national_sync_retry"
            changes = {"error": error, "retry_in": int(delay.total_seconds())}
        else:
            message.status = Message.Status.FAILED
            message.last_error = error
            message.next_attempt_at = None
            action, changes = "national_sync_failed", {"error": error}
        message.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
        audit_record(actor=None, action=action, obj=message, changes=changes, occurred_at=now)
    return not error


def national_sync_retry_due(*, limit: int = RETRY_BATCH) -> int:
    """Try again the dossiers whose oldest unsent message is due (back-off over, or its send
    task lost); one dossier's trouble never stops the others. Returns how many were tried."""
    dossier_ids = list(
        Message.objects.filter(status=Message.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("dossier_id")
        .values_list("dossier_id", flat=True)
        .distinct()[:limit]
    )
    tried = 0
    for dossier_id in dossier_ids:
        head = (
            Message.objects.filter(dossier_id=dossier_id)
            .exclude(status=Message.Status.SENT)
            .order_by("pk")
            .first()
        )
        if head is None or head.status != Message.Status.PENDING:
            continue
        tried += 1
        try:
            national_sync_deliver(message_id=head.pk)
        except Exception:
            logger.exception("national sync: dossier %s failed", dossier_id)
    return tried


def national_sync_resend(*, actor: Any, message: Message) -> Message:
    """An operator sends a refused message again (after the cause is fixed on either side)."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status != Message.Status.FAILED:
            return locked
        error = locked.last_error
        locked.status = Message.Status.PENDING
        locked.attempts = 0
        locked.last_error = ""
        locked.next_attempt_at = timezone.now() + retry_delay(1)
        locked.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="national_sync_resend",
            obj=locked,
            changes={"status": [Message.Status.FAILED, Message.Status.PENDING], "error": error},
        )
        _enqueue_send(locked.pk)
    return locked
