"""Fees and online payment: what a dossier owes, starting a payment, applying what a gateway
states exactly once, cash at the counter, and the reconciliation of payments left pending.

A payment leaves "pending" only on a verified gateway statement (notification, browser return
or the answer to our query) or an officer's cash receipt, inside a transaction holding the
payment's row lock, so a notification that arrives twice, late or before the browser changes
it once. Every statement received, refused ones included, is logged (`PaymentCallback`)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Role, StaffRole, User
from motcua.catalog.models import Channel
from motcua.core.audit import apply_changes, audit_record
from motcua.core.calendar import VIETNAM
from motcua.core.concurrency import save_versioned
from motcua.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from motcua.core.text import nfc
from motcua.dossiers.models import Dossier, Status
from motcua.payments.gateways import (
    ANSWER_ALREADY,
    ANSWER_BAD_AMOUNT,
    ANSWER_BAD_SIGNATURE,
    ANSWER_ERROR,
    ANSWER_NOT_FOUND,
    ANSWER_OK,
    GatewayError,
    GatewayResult,
    PaymentGateway,
    SignatureInvalid,
    gateway_get,
    gateways_enabled,
)
from motcua.payments.models import (
    CASH,
    CallbackOutcome,
    CallbackSource,
    Payment,
    PaymentCallback,
    PaymentStatus,
)

logger = logging.getLogger(__name__)

# A dossier may be paid while it is with the agency or waiting for it; not once it is closed.
PAYABLE = frozenset(
    {
        Status.NEW,
        Status.RECEIVED,
        Status.PROCESSING,
        Status.SUPPLEMENT_REQUESTED,
        Status.FINANCIAL_OBLIGATION,
        Status.DONE,
    }
)
# A gateway's page may still be open a little after vnp_ExpireDate: wait this long before
# declaring a payment the gateway does not know of expired.
EXPIRY_GRACE = timedelta(minutes=5)
_MAX_LOGGED_KEYS = 60
_MAX_LOGGED_VALUE = 1000


class GatewayUnavailable(DomainError):
    """The gateway did not answer: the applicant may try again a little later."""

    status = 503
    default_code = "gateway_unavailable"


# --- What a dossier owes ------------------------------------------------------------------------


def dossier_fee_items(*, dossier: Dossier) -> list[dict[str, Any]]:
    """The fees of the dossier's procedure version that have a fixed amount for its form data
    ([{fee_id, name, amount}]); fees set case by case (no amount) are paid at the counter."""
    items = []
    for fee in dossier.procedure_version.fees.order_by("order", "id"):
        amount = fee.amount_for(dossier.form_data)
        if amount:
            items.append({"fee_id": fee.pk, "name": fee.name, "amount": amount})
    return items


def dossier_is_paid(*, dossier: Dossier) -> bool:
    return Payment.objects.filter(dossier=dossier, status=PaymentStatus.PAID).exists()


def payment_required_now(*, dossier: Dossier, stage: str) -> bool:
    """Whether the desk must wait for payment before the action of `stage` ("submission":
    receive; "result": return the result): an online dossier of a procedure paid at that stage,
    with fees to pay, not paid yet."""
    if not settings.PAYMENT_REQUIRED or dossier.channel != Channel.ONLINE:
        return False
    if dossier.procedure_version.payment_stage != stage:
        return False
    return bool(dossier_fee_items(dossier=dossier)) and not dossier_is_paid(dossier=dossier)


# --- Starting a payment -------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentStart:
    payment: Payment
    redirect_url: str
    resumed: bool


def new_order_ref(at: datetime) -> str:
    """Unguessable and short enough for every gateway: MC + yyMMdd + 20 random hex digits."""
    return f"MC{at.astimezone(VIETNAM):%y%m%d}{secrets.token_hex(10).upper()}"


def _locked_dossier(dossier: Dossier) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure_version__procedure", "agency")
        .get(pk=dossier.pk)
    )


def check_can_pay(*, dossier: Dossier, actor: User | None) -> list[dict[str, Any]]:
    """The items to pay, if `actor` may pay `dossier` online now; a DomainError otherwise."""
    if actor is None or not actor.is_authenticated or dossier.owner_id != actor.pk:
        raise PermissionDenied(
            _("Chỉ chủ hồ sơ mới thanh toán trực tuyến được phí, lệ phí của hồ sơ."),
            field="dossier",
        )
    if dossier.status not in PAYABLE:
        raise InvalidInput(
            _("Hồ sơ ở trạng thái “%(status)s” không thanh toán được.")
            % {"status": Status(dossier.status).label},
            code="not_payable",
            field="dossier",
        )
    if dossier_is_paid(dossier=dossier):
        raise Conflict(
            _("Hồ sơ đã được thanh toán phí, lệ phí."), code="already_paid", field="payment"
        )
    items = dossier_fee_items(dossier=dossier)
    if not items:
        raise InvalidInput(
            _(
                "Hồ sơ không có khoản phí, lệ phí nào thanh toán trực tuyến được (không thu phí, "
                "hoặc mức thu được xác định tại bộ phận một cửa)."
            ),
            code="nothing_to_pay",
            field="amount",
        )
    return items


def _urls(gateway: PaymentGateway) -> tuple[str, str]:
    base = settings.SITE_URL.rstrip("/")
    return (
        base + reverse("payments:return", kwargs={"gateway": gateway.name}),
        base + reverse("payments:ipn", kwargs={"gateway": gateway.name}),
    )


def payment_start(
    *,
    dossier: Dossier,
    actor: User | None,
    gateway: str | None = None,
    client_ip: str = "",
    at: datetime | None = None,
) -> PaymentStart:
    """Open (or resume) an online payment of the dossier's fees by its owner; return where to
    send the browser. An attempt still open with the same gateway and amount is resumed, so a
    double click never opens two. Raises PermissionDenied (not the owner), InvalidInput
    (nothing to pay, closed dossier, unknown gateway), Conflict (already paid),
    GatewayUnavailable (503)."""
    at = at or timezone.now()
    chosen = gateway_get(gateway or _default_gateway())
    if not chosen.is_configured():
        raise InvalidInput(_("Cổng thanh toán này chưa được cấu hình."), field="gateway")
    return_url, callback_url = _urls(chosen)
    # One transaction holding the dossier's lock, the gateway's answer included: a second
    # click waits, then finds the attempt with its address; a gateway that fails leaves nothing.
    with transaction.atomic():
        current = _locked_dossier(dossier)
        items = check_can_pay(dossier=current, actor=actor)
        amount = sum(item["amount"] for item in items)
        open_attempt = (
            Payment.objects.filter(
                dossier=current,
                gateway=chosen.name,
                status=PaymentStatus.PENDING,
                amount=amount,
                expires_at__gt=at,
            )
            .exclude(checkout_url="")
            .order_by("-created_at")
            .first()
        )
        if open_attempt is not None:
            return PaymentStart(open_attempt, open_attempt.checkout_url, resumed=True)
        payment = Payment.objects.create(
            dossier=current,
            gateway=chosen.name,
            order_ref=new_order_ref(at),
            items=items,
            amount=amount,
            payer=actor,
            created_at=at,
            expires_at=at + timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES),
        )
        try:
            payment.checkout_url = chosen.checkout_url(
                payment=payment,
                return_url=return_url,
                callback_url=callback_url,
                client_ip=client_ip,
            )
        except GatewayError as error:
            logger.warning("payment of %s: gateway %s failed: %s", current.code, chosen.name, error)
            raise GatewayUnavailable(
                _("Cổng thanh toán đang không trả lời. Vui lòng thử lại sau ít phút."),
                field="gateway",
            ) from None
        payment.save(update_fields=["checkout_url"])
        audit_record(
            actor=actor,
            action="payment.start",
            obj=payment,
            changes={"dossier": current.code, "gateway": chosen.name, "amount": amount},
        )
    return PaymentStart(payment, payment.checkout_url, resumed=False)


def _default_gateway() -> str:
    enabled = gateways_enabled()
    if not enabled:
        raise InvalidInput(
            _("Chưa có cổng thanh toán trực tuyến nào được cấu hình."), field="gateway"
        )
    return enabled[0].name


# --- Applying what a gateway states -------------------------------------------------------------


@dataclass(frozen=True)
class CallbackAnswer:
    """The code to answer the gateway with (00, 01, 02, 04, 97, 99) and the payment it was
    about, when known and verified."""

    code: str
    payment: Payment | None
    outcome: str
    reason: str = ""


def _loggable(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as kept in the log: bounded, so a flood of junk cannot bloat it."""
    kept = {}
    for key, value in list(params.items())[:_MAX_LOGGED_KEYS]:
        if isinstance(value, dict | list | int | float | bool) or value is None:
            kept[str(key)[:64]] = value
        else:
            kept[str(key)[:64]] = str(value)[:_MAX_LOGGED_VALUE]
    return kept


def _log(
    *,
    gateway: str,
    source: str,
    params: Mapping[str, Any],
    order_ref: str,
    verified: bool,
    outcome: str,
    code: str,
    reason: str = "",
    payment: Payment | None = None,
    ip: str | None = None,
) -> None:
    PaymentCallback.objects.create(
        payment=payment,
        gateway=gateway[:20],
        source=source,
        order_ref=order_ref[:100],
        params=_loggable(params),
        verified=verified,
        outcome=outcome,
        answer_code=code,
        reason=str(reason)[:500],
        ip=ip or None,
    )
    if outcome == CallbackOutcome.REFUSED:
        logger.warning(
            "payment callback refused (%s %s %s): %s", gateway, source, order_ref[:100], reason
        )


def payment_apply_callback(
    *,
    gateway: str,
    params: Mapping[str, str],
    source: str = CallbackSource.IPN,
    ip: str | None = None,
) -> CallbackAnswer:
    """Verify what `gateway` sent (signature, merchant, then order reference, amount and
    currency against the payment) and apply it once. The answer's code says what to tell the
    gateway: 00 applied, 01 unknown order, 02 already confirmed, 04 wrong amount, 97 bad
    signature. Raises NotFound for an unknown gateway name."""
    chosen = gateway_get(gateway)
    try:
        result = chosen.verify(params)
    except SignatureInvalid as error:
        with transaction.atomic():
            _log(
                gateway=chosen.name,
                source=source,
                params=params,
                order_ref=chosen.claimed_order_ref(params),
                verified=False,
                outcome=CallbackOutcome.REFUSED,
                code=ANSWER_BAD_SIGNATURE,
                reason=error.reason,
                ip=ip,
            )
        return CallbackAnswer(ANSWER_BAD_SIGNATURE, None, CallbackOutcome.REFUSED, error.reason)
    return _apply(chosen, result, source=source, params=params, ip=ip)


def _apply(
    gateway: PaymentGateway,
    result: GatewayResult,
    *,
    source: str,
    params: Mapping[str, Any],
    ip: str | None,
) -> CallbackAnswer:
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("dossier__procedure_version", "dossier__owner")
            .filter(order_ref=result.order_ref, gateway=gateway.name)
            .first()
        )

        def finish(code: str, outcome: str, reason: str = "") -> CallbackAnswer:
            _log(
                gateway=gateway.name,
                source=source,
                params=params,
                order_ref=result.order_ref,
                verified=True,
                outcome=outcome,
                code=code,
                reason=reason,
                payment=payment,
                ip=ip,
            )
            return CallbackAnswer(code, payment, outcome, reason)

        if payment is None:
            return finish(
                ANSWER_NOT_FOUND,
                CallbackOutcome.REFUSED,
                _("Không có giao dịch nào với mã này."),
            )
        if result.amount != payment.amount or result.currency != payment.currency:
            return finish(
                ANSWER_BAD_AMOUNT,
                CallbackOutcome.REFUSED,
                _("Số tiền hoặc loại tiền không khớp: nhận %(got)s %(currency)s, cần %(want)s VND.")
                % {
                    "got": result.amount,
                    "currency": result.currency or "?",
                    "want": payment.amount,
                },
            )
        if result.status == PaymentStatus.PENDING:
            return finish(ANSWER_ERROR, CallbackOutcome.REFUSED, _("Giao dịch chưa kết thúc."))
        # Once paid, nothing changes it; a payment ended without money may still turn out paid
        # (the bank's word, verified, wins: the money was taken).
        if payment.status == PaymentStatus.PAID or (
            payment.status != PaymentStatus.PENDING and result.status != PaymentStatus.PAID
        ):
            reason = _("Giao dịch đã được ghi nhận trước đó (%(status)s).") % {
                "status": PaymentStatus(payment.status).label
            }
            if payment.status != result.status:
                reason += " " + _("Thông báo này nói “%(status)s”: không áp dụng.") % {
                    "status": PaymentStatus(result.status).label
                }
            return finish(ANSWER_ALREADY, CallbackOutcome.ALREADY, reason)
        _record(payment, result, at=timezone.now())
        return finish(ANSWER_OK, CallbackOutcome.APPLIED)


def _record(payment: Payment, result: GatewayResult, *, at: datetime) -> None:
    """Write the gateway's result on the locked payment, audit it, tell the applicant."""
    values: dict[str, Any] = {
        "status": result.status,
        "response_code": result.response_code,
        "transaction_ref": result.transaction_ref,
        "bank_code": result.bank_code,
        "receipt_url": result.receipt_url,
    }
    if result.status == PaymentStatus.PAID:
        values["paid_at"] = result.paid_at or at
        values["needs_refund"] = (
            Payment.objects.filter(dossier_id=payment.dossier_id, status=PaymentStatus.PAID)
            .exclude(pk=payment.pk)
            .exists()
        )
    changes = apply_changes(payment, values)
    save_versioned(payment, expected_version=payment.version)
    audit_record(actor=None, action=f"payment.{result.status}", obj=payment, changes=changes)
    _notify(payment)


def _notify(payment: Payment) -> None:
    """payment_confirmed when paid; payment_failed when it failed or ran out of time (an
    applicant who pressed "Hủy" knows already)."""
    if payment.status == PaymentStatus.PAID:
        event = "payment_confirmed"
    elif payment.status in (PaymentStatus.FAILED, PaymentStatus.EXPIRED):
        event = "payment_failed"
    else:
        return
    from motcua.notifications.services import Recipient, notify

    dossier = payment.dossier
    owner = dossier.owner
    url = ""
    if dossier.owner_id:
        url = settings.SITE_URL.rstrip("/") + reverse(
            "payments:detail", kwargs={"order_ref": payment.order_ref}
        )
    notify(
        event=event,
        recipient=Recipient(
            name=dossier.applicant_name,
            phone=dossier.applicant_phone,
            email=dossier.applicant_email,
            user_id=dossier.owner_id,
            language=getattr(owner, "preferred_language", "vi") or "vi",
        ),
        data={
            "code": dossier.code,
            "procedure": dossier.procedure_version.name,
            "amount": payment.amount,
            "order_ref": payment.order_ref,
            "paid_at": payment.paid_at,
            "status": payment.status,
            "url": url,
        },
        dossier_code=dossier.code or "",
    )


# --- Cash at the counter ------------------------------------------------------------------------


def check_can_record_cash(*, officer: User | None, dossier: Dossier) -> None:
    """Cash is taken by the receiving officers of the dossier's agency."""
    if officer is None or not officer.is_authenticated:
        raise PermissionDenied(_("Vui lòng đăng nhập."), field="officer")
    if officer.is_superuser:
        return
    if not StaffRole.objects.filter(
        user=officer,
        role=Role.RECEIVING_OFFICER,
        unit__agency_id=dossier.agency_id,
        unit__is_active=True,
    ).exists():
        raise PermissionDenied(
            _("Chỉ cán bộ tiếp nhận của cơ quan mới ghi nhận thu phí tại bộ phận một cửa."),
            field="officer",
        )


def payment_record_cash(
    *, officer: User, dossier: Dossier, receipt_no: str, at: datetime | None = None
) -> Payment:
    """The applicant paid the fees in cash at the desk: record it as paid with the paper
    receipt's number. Raises PermissionDenied, InvalidInput (receipt_no, amount), Conflict
    (already paid)."""
    at = at or timezone.now()
    check_can_record_cash(officer=officer, dossier=dossier)
    number = nfc(str(receipt_no or "")).strip()
    if not number:
        raise InvalidInput(_("Vui lòng nhập số biên lai thu tiền."), field="receipt_no")
    if len(number) > 50:
        raise InvalidInput(_("Số biên lai dài quá 50 ký tự."), field="receipt_no")
    with transaction.atomic():
        current = _locked_dossier(dossier)
        if current.status == Status.DRAFT:
            raise InvalidInput(_("Hồ sơ chưa được nộp."), field="dossier")
        if dossier_is_paid(dossier=current):
            raise Conflict(
                _("Hồ sơ đã được thanh toán phí, lệ phí."), code="already_paid", field="payment"
            )
        items = dossier_fee_items(dossier=current)
        if not items:
            raise InvalidInput(
                _("Hồ sơ không có khoản phí, lệ phí có mức thu xác định."),
                code="nothing_to_pay",
                field="amount",
            )
        payment = Payment.objects.create(
            dossier=current,
            gateway=CASH,
            order_ref=new_order_ref(at),
            items=items,
            amount=sum(item["amount"] for item in items),
            status=PaymentStatus.PAID,
            recorded_by=officer,
            receipt_no=number,
            created_at=at,
            paid_at=at,
        )
        audit_record(
            actor=officer,
            action="payment.cash",
            obj=payment,
            changes={"dossier": current.code, "amount": payment.amount, "receipt_no": number},
        )
        _notify(payment)
    return payment


# --- Reconciliation -----------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    checked: int = 0
    changed: int = 0
    unreachable: int = 0


def payment_check(*, payment: Payment, now: datetime | None = None) -> Payment:
    """Ask the payment's gateway where it stands and apply the verified answer; a payment the
    gateway does not know, or still open, past its expiry (and a grace period) expires. A
    gateway that does not answer leaves it as it is (raises GatewayError)."""
    now = now or timezone.now()
    if payment.status != PaymentStatus.PENDING or payment.is_cash:
        return payment
    gateway = gateway_get(payment.gateway)
    result = gateway.query(payment)
    if result is not None and result.status != PaymentStatus.PENDING:
        _apply(gateway, result, source=CallbackSource.QUERY, params=result.raw, ip=None)
    elif payment.expires_at is not None and now >= payment.expires_at + EXPIRY_GRACE:
        _expire(payment, gateway=gateway, known=result is not None, now=now)
    payment.refresh_from_db()
    return payment


def _expire(payment: Payment, *, gateway: PaymentGateway, known: bool, now: datetime) -> None:
    with transaction.atomic():
        current = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("dossier__procedure_version", "dossier__owner")
            .get(pk=payment.pk)
        )
        if current.status != PaymentStatus.PENDING:
            return
        reason = (
            _("Cổng báo giao dịch chưa hoàn tất khi đã quá hạn thanh toán.")
            if known
            else _("Cổng không có giao dịch này; đã quá hạn thanh toán.")
        )
        _record(
            current,
            GatewayResult(
                order_ref=current.order_ref,
                amount=current.amount,
                currency=current.currency,
                status=PaymentStatus.EXPIRED,
                response_code="",
            ),
            at=now,
        )
        _log(
            gateway=gateway.name,
            source=CallbackSource.QUERY,
            params={"known_by_gateway": known},
            order_ref=current.order_ref,
            verified=True,
            outcome=CallbackOutcome.APPLIED,
            code=ANSWER_OK,
            reason=reason,
            payment=current,
        )


def payments_reconcile(
    *, now: datetime | None = None, older_than: timedelta | None = None, limit: int = 200
) -> ReconcileReport:
    """The periodic job: re-check online payments still pending `older_than` (default
    PAYMENT_RECONCILE_AFTER_MINUTES) after they started, oldest first."""
    now = now or timezone.now()
    if older_than is None:
        older_than = timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    report = ReconcileReport()
    pending = (
        Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=now - older_than)
        .exclude(gateway=CASH)
        .order_by("created_at")[:limit]
    )
    for payment in pending:
        report.checked += 1
        try:
            checked = payment_check(payment=payment, now=now)
        except GatewayError as error:
            report.unreachable += 1
            logger.warning("reconcile %s: %s", payment.order_ref, error)
            continue
        except DomainError as error:  # e.g. a gateway removed from settings
            report.unreachable += 1
            logger.warning("reconcile %s: %s", payment.order_ref, error.message)
            continue
        if checked.status != PaymentStatus.PENDING:
            report.changed += 1
    return report
