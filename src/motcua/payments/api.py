"""API of payments: a dossier's fees and payments, and starting an online payment."""

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field as SchemaField

from motcua.accounts.auth import session_or_token
from motcua.accounts.selectors import is_staff_user
from motcua.core.errors import NotFound
from motcua.core.middleware import client_ip
from motcua.core.schemas import ErrorSchema
from motcua.dossiers.selectors import dossier_get_visible_to
from motcua.payments.models import Payment, PaymentStatus
from motcua.payments.selectors import dossier_payment_summary
from motcua.payments.services import payment_start

router = Router(tags=["payments"])


class FeeItemOut(Schema):
    fee_id: int
    name: str
    amount: int = SchemaField(description="Số tiền (đồng).")


class PaymentOut(Schema):
    order_ref: str
    gateway: str = SchemaField(description="vnpay, national hoặc cash (tiền mặt tại một cửa).")
    amount: int
    currency: str
    status: str = SchemaField(description="pending, paid, failed, cancelled, expired")
    status_label: str
    transaction_ref: str
    bank_code: str
    created_at: datetime
    paid_at: datetime | None
    receipt_url: str | None = SchemaField(description="Biên lai PDF (khi đã thanh toán).")


class DossierPaymentsOut(Schema):
    code: str
    payment_stage: str = SchemaField(description="submission (khi nộp hồ sơ) hoặc result.")
    amount_due: int = SchemaField(description="Tổng phí, lệ phí thanh toán trực tuyến (đồng).")
    state: str = SchemaField(description="paid, pending, failed, unpaid hoặc none.")
    items: list[FeeItemOut]
    payments: list[PaymentOut]


class StartIn(Schema):
    gateway: str | None = SchemaField(
        None, max_length=30, description="vnpay hoặc national; để trống: cổng mặc định."
    )


class StartOut(Schema):
    order_ref: str
    gateway: str
    amount: int
    currency: str
    status: str
    expires_at: datetime | None
    payment_url: str = SchemaField(description="Chuyển trình duyệt của người nộp tới địa chỉ này.")


def _payment_out(request: HttpRequest, payment: Payment) -> dict:
    receipt = None
    if payment.status == PaymentStatus.PAID:
        receipt = request.build_absolute_uri(
            reverse("payments:receipt", kwargs={"order_ref": payment.order_ref})
        )
    return {
        "order_ref": payment.order_ref,
        "gateway": payment.gateway,
        "amount": payment.amount,
        "currency": payment.currency,
        "status": payment.status,
        "status_label": str(PaymentStatus(payment.status).label),
        "transaction_ref": payment.transaction_ref,
        "bank_code": payment.bank_code,
        "created_at": payment.created_at,
        "paid_at": payment.paid_at,
        "receipt_url": receipt,
    }


@router.get(
    "/dossiers/{code}/payments",
    response={200: DossierPaymentsOut, 401: ErrorSchema, 404: ErrorSchema},
    auth=session_or_token,
    summary="Phí, lệ phí và các lần thanh toán của hồ sơ",
    description=(
        "Cho chủ hồ sơ và cán bộ được xem hồ sơ; người khác nhận 404 như với mã không tồn tại."
    ),
)
def dossier_payments(request: HttpRequest, code: str):
    user = request.auth
    dossier = dossier_get_visible_to(user=user, code=code)
    if dossier.owner_id != user.pk and not is_staff_user(user):
        raise NotFound(_("Không tìm thấy hồ sơ có mã này."), field="code")
    summary = dossier_payment_summary(dossier=dossier)
    return {
        "code": dossier.code,
        "payment_stage": summary.stage,
        "amount_due": summary.amount,
        "state": summary.state,
        "items": summary.items,
        "payments": [_payment_out(request, payment) for payment in summary.payments],
    }


@router.post(
    "/payments/{code}/start",
    response={
        200: StartOut,
        201: StartOut,
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        404: ErrorSchema,
        409: ErrorSchema,
        503: ErrorSchema,
    },
    auth=session_or_token,
    summary="Bắt đầu thanh toán trực tuyến phí, lệ phí của hồ sơ",
    description=(
        "Chỉ chủ hồ sơ. Trả về địa chỉ trang thanh toán của cổng (201; 200 khi tiếp tục một "
        "giao dịch còn hạn). 400 khi hồ sơ không có khoản thu trực tuyến hoặc đã kết thúc, "
        "403 khi không phải chủ hồ sơ, 409 khi hồ sơ đã được thanh toán, 503 khi cổng thanh "
        "toán không trả lời. Kết quả chỉ được ghi nhận khi cổng xác nhận (IPN, đối soát)."
    ),
)
def start(request: HttpRequest, code: str, body: StartIn | None = None):
    dossier = dossier_get_visible_to(user=request.auth, code=code)
    started = payment_start(
        dossier=dossier,
        actor=request.auth,
        gateway=body.gateway if body else None,
        client_ip=client_ip(request) or "",
    )
    payment = started.payment
    return Status(
        200 if started.resumed else 201,
        {
            "order_ref": payment.order_ref,
            "gateway": payment.gateway,
            "amount": payment.amount,
            "currency": payment.currency,
            "status": payment.status,
            "expires_at": payment.expires_at,
            "payment_url": started.redirect_url,
        },
    )
