"""API of notifications: the SMS gateway's callback for texts sent to the service number."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from motcua.core.errors import Unauthenticated
from motcua.core.schemas import ErrorSchema
from motcua.notifications.services import sms_inbound_answer

router = Router(tags=["notifications"])


class InboundSmsIn(Schema):
    sender: str = Field(..., alias="from", max_length=40, description="Số điện thoại gửi tin")
    text: str = Field(..., max_length=1000, description='Nội dung, ví dụ "TC H56.14-251123-0007"')
    id: str = Field("", max_length=100, description="Mã tin của tổng đài")


class InboundSmsOut(Schema):
    id: int = Field(..., description="Mã tin trả lời trong hộp thư đi")
    text: str = Field(..., description="Nội dung tin trả lời")


def _check_gateway(request: HttpRequest) -> None:
    """The gateway proves itself with X-Signature (hex HMAC-SHA256 of the body keyed with
    SMS_INBOUND_SECRET) or, for gateways that cannot sign, X-Gateway-Secret (the secret)."""
    secret = settings.SMS_INBOUND_SECRET.encode()
    signature = request.headers.get("X-Signature", "").strip().lower().encode()
    shared = request.headers.get("X-Gateway-Secret", "").encode()
    expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest().encode()
    if secret and (
        (signature and hmac.compare_digest(signature, expected))
        or (shared and hmac.compare_digest(shared, secret))
    ):
        return
    raise Unauthenticated(
        _("Tin nhắn đến không có chữ ký hợp lệ của tổng đài SMS."), field="X-Signature"
    )


@router.post(
    "/sms/inbound",
    response={200: InboundSmsOut, 400: ErrorSchema, 401: ErrorSchema, 429: ErrorSchema},
    summary="Tin nhắn tra cứu hồ sơ gửi đến tổng đài (callback của tổng đài SMS)",
)
def sms_inbound(request: HttpRequest, payload: InboundSmsIn):
    """Answers "TC <mã hồ sơ>" by SMS to the sender, through the outbox."""
    _check_gateway(request)
    answer = sms_inbound_answer(sender=payload.sender, text=payload.text)
    return {"id": answer.pk, "text": answer.body}
