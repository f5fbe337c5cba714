"""The back office waits for payment: an online dossier whose procedure is paid with the
dossier is received only once paid, one paid before the result gets its result only once paid
(registered on dossiers.backoffice's before-action hooks in PaymentsConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.catalog.models import PaymentStage
from motcua.core.errors import InvalidInput
from motcua.dossiers.backoffice import Context
from motcua.payments.services import dossier_fee_items, payment_required_now


def _refuse(ctx: Context, message: str) -> None:
    total = sum(item["amount"] for item in dossier_fee_items(dossier=ctx.dossier))
    amount = f"{total:,}".replace(",", ".")
    raise InvalidInput(message % {"amount": amount}, code="payment_required", field="payment")


def require_paid_before_receive(ctx: Context) -> None:
    if payment_required_now(dossier=ctx.dossier, stage=PaymentStage.SUBMISSION):
        _refuse(
            ctx,
            _(
                "Hồ sơ nộp trực tuyến chưa thanh toán phí, lệ phí (%(amount)s đồng): thủ tục này "
                "thu phí khi nộp hồ sơ, chỉ tiếp nhận sau khi người nộp đã thanh toán (trực "
                "tuyến hoặc nộp tiền mặt tại bộ phận một cửa)."
            ),
        )


def require_paid_before_return(ctx: Context) -> None:
    if payment_required_now(dossier=ctx.dossier, stage=PaymentStage.RESULT):
        _refuse(
            ctx,
            _(
                "Hồ sơ chưa thanh toán phí, lệ phí (%(amount)s đồng): thủ tục này thu phí trước "
                "khi trả kết quả, chỉ trả kết quả sau khi người nộp đã thanh toán (trực tuyến "
                "hoặc nộp tiền mặt tại bộ phận một cửa)."
            ),
        )
