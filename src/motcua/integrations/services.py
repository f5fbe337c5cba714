"""Inter-agency transfers: start one, send it, fetch and apply the answer, answer one, retry.

Network calls (adapter.send / adapter.poll) run outside database transactions, between a
transaction that claims the row and one that records the outcome, so a slow counterpart never
holds a lock. The dossier is changed only through the back office's callbacks
(dossiers/backoffice.py), which are idempotent per external reference.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Agency, User
from motcua.accounts.selectors import is_staff_user, staff_roles
from motcua.core.audit import audit_record
from motcua.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from motcua.integrations.adapters import (
    PermanentTransferError,
    PollResult,
    TemporaryTransferError,
    adapter_for,
    adapters,
)
from motcua.integrations.models import InterAgencyTransfer

logger = logging.getLogger(__name__)

Status = InterAgencyTransfer.Status
ANSWER_MAX_LENGTH = 4000
# Transfers asked for their answer in one run of the periodic job; the least recently asked
# first, so a backlog is worked through over the next runs.
POLL_BATCH = 200


def transfer_start(
    *, dossier, step, actor: User | None, at: datetime | None = None
) -> InterAgencyTransfer:
    """Record the hand-off of `dossier` at `step` through the step's adapter and queue its
    sending, inside the caller's transaction (the queue is a table: a rolled-back action sends
    nothing)."""
    adapter = adapter_for(step.transfer_adapter)
    target = step.transfer_agency if step.transfer_agency_id else None
    if adapter.needs_target_agency and target is None:
        raise InvalidInput(
            _("Bước liên thông này chưa chọn cơ quan nhận hồ sơ."), field="transfer_agency"
        )
    if target is not None and target.pk == dossier.agency_id:
        raise InvalidInput(
            _("Không thể chuyển liên thông tới chính cơ quan đang giải quyết hồ sơ."),
            field="transfer_agency",
        )
    at = at or timezone.now()
    with transaction.atomic():
        if InterAgencyTransfer.objects.filter(
            dossier=dossier, status__in=InterAgencyTransfer.OPEN
        ).exists():
            raise Conflict(
                _("Hồ sơ đang có một yêu cầu liên thông chưa hoàn thành."),
                code="transfer_open",
                field="dossier",
            )
        transfer = InterAgencyTransfer.objects.create(
            dossier=dossier,
            step=step,
            adapter=adapter.name,
            target_agency=target,
            payload=adapter.payload(dossier=dossier, step=step, target_agency=target),
            created_at=at,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="transfer_start",
            obj=transfer,
            changes={
                "dossier": dossier.code,
                "adapter": adapter.name,
                "target_agency": target.code if target else None,
            },
            occurred_at=at,
        )
        _enqueue_send(transfer.pk)
    return transfer


def _enqueue_send(transfer_id: int, *, delay: timedelta | None = None) -> None:
    # Imported here: the task module calls back into this one.
    from motcua.integrations.tasks import transfer_send

    task = transfer_send
    if delay is not None:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(transfer_id)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after the `attempts`-th failed send: base, 2×base, 4×base..."""
    return timedelta(seconds=settings.INTEGRATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def transfer_deliver(*, transfer_id: int) -> InterAgencyTransfer | None:
    """One attempt to send a pending transfer. A network failure is retried with back-off up to
    INTEGRATION_MAX_ATTEMPTS tries; a refusal, or the last failure, leaves it `failed` with
    the error shown to staff. A transfer that is not pending is left alone."""
    with transaction.atomic():
        transfer = InterAgencyTransfer.objects.select_for_update().filter(pk=transfer_id).first()
        if transfer is None or transfer.status != Status.PENDING:
            return transfer
        transfer.attempts += 1
        transfer.save(update_fields=["attempts"])

    reference, error, temporary = "", "", False
    try:
        reference = adapter_for(transfer.adapter).send(transfer)
    except TemporaryTransferError as failure:
        error, temporary = str(failure), True
    except (PermanentTransferError, DomainError) as failure:
        error = str(failure)
    except Exception as failure:
        # A bug in an adapter: stop and show it rather than retry blindly.
        logger.exception("transfer %s: adapter %s failed", transfer_id, transfer.adapter)
        error = f"{type(failure).__name__}: {failure}"

    with transaction.atomic():
        transfer = InterAgencyTransfer.objects.select_for_update().get(pk=transfer_id)
        if transfer.status != Status.PENDING:
            return transfer
        now = timezone.now()
        if not error:
            transfer.status = Status.SENT
            transfer.external_ref = reference
            transfer.sent_at = now
            transfer.last_error = ""
            action, changes = "transfer_sent", {"external_ref": reference}
        elif temporary and transfer.attempts < settings.INTEGRATION_MAX_ATTEMPTS:
            transfer.last_error = error
            delay = retry_delay(transfer.attempts)
            action, changes = (
                "transfer_send_retry",
                {"error": error, "retry_in": int(delay.total_seconds())},
            )
            _schedule_retry(transfer, delay)
        else:
            transfer.status = Status.FAILED
            transfer.last_error = error
            action, changes = "transfer_failed", {"error": error, "attempts": transfer.attempts}
        transfer.save(update_fields=["status", "external_ref", "sent_at", "last_error"])
        audit_record(actor=None, action=action, obj=transfer, changes=changes, occurred_at=now)
    return transfer


def _schedule_retry(transfer: InterAgencyTransfer, delay: timedelta) -> None:
    from motcua.integrations.tasks import transfer_send

    if not transfer_send.get_backend().supports_defer:
        # A backend without run_after (the immediate one) would retry at once, in a loop: the
        # transfer stays pending with its error for an operator (or the next manual retry).
        logger.warning("transfer %s: task backend cannot delay a retry", transfer.pk)
        return
    _enqueue_send(transfer.pk, delay=delay)


def transfer_poll(*, transfer_id: int) -> InterAgencyTransfer | None:
    """Ask the counterpart of a sent transfer for its answer and apply it. A network failure is
    noted and tried again at the next poll; a refusal (unknown reference...) fails the transfer."""
    transfer = InterAgencyTransfer.objects.filter(pk=transfer_id).first()
    if transfer is None or transfer.status not in (Status.SENT, Status.ANSWERED):
        return transfer
    adapter = adapter_for(transfer.adapter)
    if not adapter.polls:
        return transfer
    try:
        result = adapter.poll(transfer)
    except TemporaryTransferError as failure:
        # Not audited: a counterpart down for an hour would write sixty entries saying so.
        InterAgencyTransfer.objects.filter(pk=transfer_id).update(
            polled_at=timezone.now(), last_error=str(failure)
        )
        return transfer
    except PermanentTransferError as failure:
        return _fail(transfer_id, error=str(failure), expected=transfer.status)
    return transfer_apply(transfer_id=transfer_id, result=result)


def transfer_apply(
    *, transfer_id: int, result: PollResult | None, at: datetime | None = None
) -> InterAgencyTransfer:
    """Apply what the counterpart says now: the notice (status 6 for the dossier), then the
    payment (back to processing), or the completion without obligation. Each stage is applied
    once, however often the same answer comes. If the dossier refuses (e.g. withdrawn
    meanwhile) the transfer fails with the reason, for staff to look at."""
    now = at or timezone.now()
    try:
        with transaction.atomic():
            transfer = InterAgencyTransfer.objects.select_for_update().get(pk=transfer_id)
            transfer.polled_at = now
            fields = ["polled_at"]
            if result is not None and transfer.status in (Status.SENT, Status.ANSWERED):
                fields += _apply(transfer, result, now=now)
            transfer.save(update_fields=fields)
    except DomainError as refusal:
        return _fail(
            transfer_id,
            error=_("Hồ sơ không nhận được kết quả liên thông: %(reason)s")
            % {"reason": refusal.message},
        )
    return transfer


def _apply(transfer: InterAgencyTransfer, result: PollResult, *, now: datetime) -> list[str]:
    from motcua.dossiers import backoffice

    changed: list[str] = []
    if result.notice is not None and transfer.status == Status.SENT:
        notice = result.notice
        at = _between(notice.issued_at, transfer.sent_at, now)
        backoffice.obligation_notice_received(
            dossier_id=transfer.dossier_id,
            issuer=notice.issuer,
            notice_number=notice.notice_number,
            amount=notice.amount,
            items=notice.items,
            external_ref=transfer.external_ref,
            payment_url=notice.payment_url,
            at=at,
        )
        transfer.status = Status.ANSWERED
        transfer.answered_at = at
        changed += ["status", "answered_at"]
        audit_record(
            actor=None,
            action="transfer_answered",
            obj=transfer,
            changes={"notice_number": notice.notice_number, "amount": notice.amount},
            occurred_at=at,
        )
    if result.payment is not None and transfer.status == Status.ANSWERED:
        at = _between(result.payment.paid_at, transfer.answered_at, now)
        backoffice.obligation_paid(
            dossier_id=transfer.dossier_id,
            external_ref=transfer.external_ref,
            payment_ref=result.payment.payment_ref,
            at=at,
        )
        changed += _complete(transfer, at=at, changes={"payment_ref": result.payment.payment_ref})
    elif result.completion is not None and transfer.status in (Status.SENT, Status.ANSWERED):
        at = now
        backoffice.transfer_returned(
            dossier_id=transfer.dossier_id,
            note=result.completion.note,
            data={**result.completion.data, "transfer_id": transfer.pk},
            at=at,
        )
        changed += _complete(transfer, at=at, changes={"note": result.completion.note})
    return changed


def _between(moment: datetime | None, earliest: datetime | None, latest: datetime) -> datetime:
    """The counterpart's time of an event, kept between our own bounds (its clock may differ)."""
    if moment is None:
        return latest
    if earliest is not None and moment < earliest:
        return earliest
    return min(moment, latest)


def _complete(transfer: InterAgencyTransfer, *, at: datetime, changes: dict) -> list[str]:
    transfer.status = Status.COMPLETED
    transfer.completed_at = at
    transfer.answered_at = transfer.answered_at or at
    transfer.last_error = ""
    audit_record(
        actor=None, action="transfer_completed", obj=transfer, changes=changes, occurred_at=at
    )
    return ["status", "completed_at", "answered_at", "last_error"]


def _fail(transfer_id: int, *, error: str, expected: str | None = None) -> InterAgencyTransfer:
    with transaction.atomic():
        transfer = InterAgencyTransfer.objects.select_for_update().get(pk=transfer_id)
        if transfer.status in (Status.SENT, Status.ANSWERED) and expected in (
            None,
            transfer.status,
        ):
            now = timezone.now()
            transfer.status = Status.FAILED
            transfer.last_error = error
            transfer.polled_at = now
            transfer.save(update_fields=["status", "last_error", "polled_at"])
            audit_record(
                actor=None,
                action="transfer_failed",
                obj=transfer,
                changes={"error": error},
                occurred_at=now,
            )
    return transfer


def transfers_poll_due(*, limit: int = POLL_BATCH) -> int:
    """Poll the sent transfers of adapters that poll, least recently asked first; one
    transfer's trouble never stops the others. Returns how many were asked."""
    polling = [name for name, adapter in adapters().items() if adapter.polls]
    ids = list(
        InterAgencyTransfer.objects.filter(
            status__in=[Status.SENT, Status.ANSWERED], adapter__in=polling
        )
        .order_by("polled_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for transfer_id in ids:
        try:
            transfer_poll(transfer_id=transfer_id)
        except Exception:
            logger.exception("transfer %s: poll failed", transfer_id)
    return len(ids)


def _works_at(user: User, agency: Agency) -> bool:
    return is_staff_user(user) and (
        user.agency_id == agency.pk or staff_roles(user).filter(unit__agency=agency).exists()
    )


def transfer_answer(
    *, actor: User, transfer: InterAgencyTransfer, note: str, at: datetime | None = None
) -> InterAgencyTransfer:
    """Staff of the target agency answer a request from another agency of this installation:
    their part is done, and the dossier's agency goes on with it."""
    if not adapter_for(transfer.adapter).answered_by_staff or transfer.target_agency is None:
        raise InvalidInput(
            _("Yêu cầu liên thông này được trả lời tự động, không trả lời trên trang này."),
            field="transfer",
        )
    if not _works_at(actor, transfer.target_agency):
        raise PermissionDenied(
            _("Chỉ cán bộ của cơ quan nhận liên thông được trả lời yêu cầu này."), field="transfer"
        )
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Vui lòng nhập nội dung trả lời."), field="note")
    if len(note) > ANSWER_MAX_LENGTH:
        raise InvalidInput(
            _("Nội dung trả lời dài tối đa %(count)s ký tự.") % {"count": ANSWER_MAX_LENGTH},
            field="note",
        )
    from motcua.dossiers import backoffice

    at = at or timezone.now()
    with transaction.atomic():
        locked = InterAgencyTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status != Status.SENT:
            raise Conflict(
                _("Yêu cầu liên thông này đã được trả lời hoặc chưa được gửi tới cơ quan."),
                code="transfer_not_open",
                field="transfer",
            )
        locked.answer_note = note
        locked.answered_by = actor
        locked.status = Status.COMPLETED
        locked.answered_at = locked.completed_at = at
        locked.save(
            update_fields=["answer_note", "answered_by", "status", "answered_at", "completed_at"]
        )
        backoffice.transfer_returned(
            dossier_id=locked.dossier_id,
            note=note,
            data={
                "transfer_id": locked.pk,
                "agency": locked.target_agency.code,
                "answered_by": actor.get_full_name(),
            },
            at=at,
        )
        audit_record(
            actor=actor,
            action="transfer_answer",
            obj=locked,
            changes={"status": [Status.SENT, Status.COMPLETED]},
            occurred_at=at,
        )
    return locked


def transfer_retry(*, actor: User, transfer: InterAgencyTransfer) -> InterAgencyTransfer:
    """Staff of the dossier's agency try a failed transfer again: one never sent is sent
    afresh; one the counterpart holds goes back to being polled."""
    if not _works_at(actor, transfer.dossier.agency):
        raise PermissionDenied(
            _("Chỉ cán bộ của cơ quan giải quyết hồ sơ được gửi lại yêu cầu liên thông."),
            field="transfer",
        )
    with transaction.atomic():
        locked = InterAgencyTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.status != Status.FAILED:
            raise Conflict(
                _("Chỉ gửi lại được yêu cầu liên thông bị lỗi."),
                code="transfer_not_failed",
                field="transfer",
            )
        if locked.external_ref:
            locked.status = Status.ANSWERED if locked.answered_at else Status.SENT
        else:
            locked.status = Status.PENDING
            locked.attempts = 0
        error, locked.last_error = locked.last_error, ""
        locked.save(update_fields=["status", "attempts", "last_error"])
        audit_record(
            actor=actor,
            action="transfer_retry",
            obj=locked,
            changes={"status": [Status.FAILED, locked.status], "error": error},
        )
        if locked.status == Status.PENDING:
            _enqueue_send(locked.pk)
    return locked
