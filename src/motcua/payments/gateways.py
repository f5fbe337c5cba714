"""Payment gateways behind a small registry (settings.PAYMENT_GATEWAYS): VNPay 2.1.0 and the
national payment platform of SPEC §9. A gateway builds the address that sends the applicant to
pay, verifies what it sends back (signature first, then reads it), and answers a query about one
payment for reconciliation. Rules (which payment, how much, once only) live in services.py."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus, urlsplit

import requests
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.sms import without_diacritics
from motcua.core.calendar import VIETNAM
from motcua.core.errors import NotFound
from motcua.payments.models import Payment, PaymentStatus

# The answer codes of a gateway notification (VNPay's RspCode; the national platform uses the
# same ones): confirmed, order not found, already confirmed, wrong amount, bad signature, other.
ANSWER_OK = "00"
ANSWER_NOT_FOUND = "01"
ANSWER_ALREADY = "02"
ANSWER_BAD_AMOUNT = "04"
ANSWER_BAD_SIGNATURE = "97"
ANSWER_ERROR = "99"
# What VNPay expects to read in "Message" next to each code.
ANSWER_MESSAGES = {
    ANSWER_OK: "Confirm Success",
    ANSWER_NOT_FOUND: "Order not found",
    ANSWER_ALREADY: "Order already confirmed",
    ANSWER_BAD_AMOUNT: "Invalid amount",
    ANSWER_BAD_SIGNATURE: "Invalid signature",
    ANSWER_ERROR: "Unknown error",
}
_STAMP = "%Y%m%d%H%M%S"  # yyyyMMddHHmmss, Vietnam time (GMT+7)


class GatewayError(Exception):
    """The gateway could not be reached, or answered something unreadable."""


class SignatureInvalid(Exception):
    """What arrived is not signed by the gateway with our secret (forged or altered)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class GatewayResult:
    """What a gateway stated, verified, about one payment. `amount` is in VND (None when the
    figure is unreadable); `status` is a PaymentStatus value."""

    order_ref: str
    amount: int | None
    currency: str
    status: str
    response_code: str
    transaction_ref: str = ""
    bank_code: str = ""
    paid_at: datetime | None = None
    receipt_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def stamp(moment: datetime) -> str:
    """A moment as gateways write it: yyyyMMddHHmmss in Vietnam time."""
    return moment.astimezone(VIETNAM).strftime(_STAMP)


def parse_stamp(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), _STAMP).replace(tzinfo=VIETNAM)
    except ValueError:
        return None


def _digits(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else None


class PaymentGateway:
    """One gateway. Subclasses set `name` (stored on each Payment) and `label` (shown)."""

    name: ClassVar[str]
    label: ClassVar[Any]

    def is_configured(self) -> bool:
        raise NotImplementedError

    def origin(self) -> str:
        """scheme://host[:port] of the page the applicant is sent to (for the CSP)."""
        raise NotImplementedError

    def checkout_url(
        self, *, payment: Payment, return_url: str, callback_url: str, client_ip: str
    ) -> str:
        """Where to send the applicant to pay `payment`. Raises GatewayError."""
        raise NotImplementedError

    def callback_params(self, request: HttpRequest) -> dict[str, str]:
        """The parameters of a notification or browser return, as `verify` reads them."""
        return {str(key): str(value) for key, value in request.GET.items()}

    def claimed_order_ref(self, params: Mapping[str, str]) -> str:
        """The order reference a (perhaps forged) message names, for the log only."""
        raise NotImplementedError

    def verify(self, params: Mapping[str, str]) -> GatewayResult:
        """Check the signature and read the result. Raises SignatureInvalid."""
        raise NotImplementedError

    def query(self, payment: Payment) -> GatewayResult | None:
        """Ask the gateway about `payment`; None when it has no such payment. Raises
        GatewayError."""
        raise NotImplementedError

    def answer(self, code: str) -> dict[str, str]:
        """The body answering a notification (the gateway retries unless told 00 or 02)."""
        raise NotImplementedError

    @staticmethod
    def _post_timeout() -> float:
        return float(settings.PAYMENT_TIMEOUT_SECONDS)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# --- VNPay ----------------------------------------------------------------------------------

VNPAY_VERSION = "2.1.0"
# vnp_ResponseCode: 24 the customer cancelled, 11 the time to pay ran out.
_VNPAY_CANCELLED = {"24"}
_VNPAY_EXPIRED = {"11"}
_VNPAY_SIGNED_QUERY = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
_VNPAY_SIGNED_QUERY_ANSWER = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)


def vnpay_query_string(params: Mapping[str, Any]) -> str:
    """The parameters as VNPay signs and sends them: keys in ASCII order, each key and value
    URL-encoded with spaces as "+" (VNPay's samples: PHP urlencode, Python quote_plus)."""
    return "&".join(
        f"{quote_plus(str(key))}={quote_plus(str(value))}" for key, value in sorted(params.items())
    )


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


class VnpayGateway(PaymentGateway):
    name = "vnpay"
    label = gettext_lazy("VNPay (thẻ ATM, tài khoản ngân hàng, QR)")

    def __init__(self) -> None:
        self.payment_url = settings.VNPAY_PAYMENT_URL
        self.api_url = settings.VNPAY_API_URL
        self.tmn_code = settings.VNPAY_TMN_CODE
        self.secret = settings.VNPAY_HASH_SECRET

    def is_configured(self) -> bool:
        return bool(self.payment_url and self.tmn_code and self.secret)

    def origin(self) -> str:
        return _origin_of(self.payment_url)

    @staticmethod
    def order_info(payment: Payment) -> str:
        # VNPay wants Vietnamese without diacritics and without special characters.
        return without_diacritics(f"Thanh toan le phi ho so {payment.dossier.code}")[:255]

    def checkout_params(
        self, *, payment: Payment, return_url: str, client_ip: str, locale: str = "vn"
    ) -> dict[str, str]:
        created = payment.created_at
        expires = payment.expires_at or created + timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES)
        return {
            "vnp_Version": VNPAY_VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(payment.amount * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.order_ref,
            "vnp_OrderInfo": self.order_info(payment),
            "vnp_OrderType": "other",
            "vnp_Locale": locale if locale in ("vn", "en") else "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": stamp(created),
            "vnp_ExpireDate": stamp(expires),
        }

    def checkout_url(
        self, *, payment: Payment, return_url: str, callback_url: str, client_ip: str
    ) -> str:
        # The IPN address (callback_url) is registered with VNPay once, not sent per payment.
        params = self.checkout_params(payment=payment, return_url=return_url, client_ip=client_ip)
        query = vnpay_query_string(params)
        return f"{self.payment_url}?{query}&vnp_SecureHash={hmac_sha512(self.secret, query)}"

    def claimed_order_ref(self, params: Mapping[str, str]) -> str:
        return str(params.get("vnp_TxnRef", ""))[:100]

    def verify(self, params: Mapping[str, str]) -> GatewayResult:
        given = str(params.get("vnp_SecureHash", ""))
        signed = {
            key: value
            for key, value in params.items()
            if key.startswith("vnp_") and key not in ("vnp_SecureHash", "vnp_SecureHashType")
        }
        expected = hmac_sha512(self.secret, vnpay_query_string(signed))
        if not given or not hmac.compare_digest(given.lower().encode(), expected.encode()):
            raise SignatureInvalid(_("Chữ ký (vnp_SecureHash) không đúng."))
        if signed.get("vnp_TmnCode") != self.tmn_code:
            raise SignatureInvalid(_("Mã website (vnp_TmnCode) không phải của Motcua."))
        code = str(signed.get("vnp_ResponseCode", ""))
        transaction_status = str(signed.get("vnp_TransactionStatus", code))
        return self._result(
            signed, code=code, paid=code == "00" and transaction_status == "00", raw=dict(params)
        )

    def _result(
        self, values: Mapping[str, Any], *, code: str, paid: bool, raw: dict, pending=False
    ) -> GatewayResult:
        hundredths = _digits(values.get("vnp_Amount", ""))
        if paid:
            status = PaymentStatus.PAID
        elif pending:
            status = PaymentStatus.PENDING
        elif code in _VNPAY_CANCELLED:
            status = PaymentStatus.CANCELLED
        elif code in _VNPAY_EXPIRED:
            status = PaymentStatus.EXPIRED
        else:
            status = PaymentStatus.FAILED
        return GatewayResult(
            order_ref=str(values.get("vnp_TxnRef", "")),
            amount=hundredths // 100 if hundredths is not None and hundredths % 100 == 0 else None,
            currency="VND",
            status=status,
            response_code=code[:10],
            transaction_ref=str(values.get("vnp_TransactionNo", ""))[:100],
            bank_code=str(values.get("vnp_BankCode", ""))[:30],
            paid_at=parse_stamp(values.get("vnp_PayDate", "")) if paid else None,
            raw=raw,
        )

    def query(self, payment: Payment) -> GatewayResult | None:
        """VNPay's querydr: a signed JSON POST; its answer is signed over fixed fields."""
        if not self.api_url:
            raise GatewayError("VNPAY_API_URL is not set")
        body = {
            "vnp_RequestId": uuid.uuid4().hex,
            "vnp_Version": VNPAY_VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": payment.order_ref,
            "vnp_TransactionDate": stamp(payment.created_at),
            "vnp_CreateDate": stamp(timezone.now()),
            "vnp_IpAddr": "127.0.0.1",
            "vnp_OrderInfo": self.order_info(payment),
        }
        body["vnp_SecureHash"] = hmac_sha512(
            self.secret, "|".join(body[name] for name in _VNPAY_SIGNED_QUERY)
        )
        try:
            response = requests.post(self.api_url, json=body, timeout=self._post_timeout())
            answer = response.json()
        except (requests.RequestException, ValueError) as error:
            raise GatewayError(f"VNPay querydr: {error}") from None
        if not isinstance(answer, dict):
            raise GatewayError("VNPay querydr: the answer is not a JSON object")
        data = "|".join(str(answer.get(name, "")) for name in _VNPAY_SIGNED_QUERY_ANSWER)
        given = str(answer.get("vnp_SecureHash", "")).lower()
        if not hmac.compare_digest(given.encode(), hmac_sha512(self.secret, data).encode()):
            raise GatewayError("VNPay querydr: the answer's signature does not match")
        code = str(answer.get("vnp_ResponseCode", ""))
        if code == "91":  # transaction not found
            return None
        if code != "00":
            raise GatewayError(f"VNPay querydr answered {code}: {answer.get('vnp_Message', '')}")
        if str(answer.get("vnp_TxnRef", "")) != payment.order_ref:
            raise GatewayError("VNPay querydr answered about another order")
        transaction_status = str(answer.get("vnp_TransactionStatus", ""))
        # 00 paid; 01 not finished yet; anything else ended without payment.
        return self._result(
            answer,
            code=transaction_status,
            paid=transaction_status == "00",
            pending=transaction_status == "01",
            raw=answer,
        )

    def answer(self, code: str) -> dict[str, str]:
        return {"RspCode": code, "Message": ANSWER_MESSAGES.get(code, ANSWER_MESSAGES["99"])}


# --- National payment platform (SPEC §9) ----------------------------------------------------


def hmac_sha256(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class NationalPlatformGateway(PaymentGateway):
    """The national payment platform's shape: Motcua POSTs the request (dossier code, fee items,
    amount, payer) as JSON signed with HMAC-SHA256 in X-Signature and gets the payment page's
    address; the platform POSTs the result (transaction reference, bank, error code 00 =
    success, receipt link) to the callback address, signed the same way, and sends the browser
    back with the same JSON in `data` (base64url) and its `signature`."""

    name = "national"
    label = gettext_lazy("Nền tảng thanh toán trực tuyến quốc gia")

    def __init__(self) -> None:
        self.url = settings.NATIONAL_PAYMENT_URL.rstrip("/")
        self.merchant = settings.NATIONAL_PAYMENT_MERCHANT
        self.secret = settings.NATIONAL_PAYMENT_SECRET

    def is_configured(self) -> bool:
        return bool(self.url and self.merchant and self.secret)

    def origin(self) -> str:
        return _origin_of(self.url)

    def request_body(self, *, payment: Payment, return_url: str, callback_url: str) -> dict:
        dossier = payment.dossier
        return {
            "merchant_code": self.merchant,
            "order_ref": payment.order_ref,
            "dossier_code": dossier.code,
            "procedure_code": dossier.procedure_version.procedure.code,
            "items": [{"name": item["name"], "amount": item["amount"]} for item in payment.items],
            "amount": payment.amount,
            "currency": payment.currency,
            "payer": {
                "name": dossier.applicant_name,
                "id_number": dossier.applicant_id_number,
                "phone": dossier.applicant_phone,
                "email": dossier.applicant_email,
            },
            "return_url": return_url,
            "callback_url": callback_url,
            "created_at": stamp(payment.created_at),
            "expires_at": stamp(payment.expires_at) if payment.expires_at else "",
        }

    def _headers(self, body: bytes) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "X-Merchant-Code": self.merchant,
            "X-Signature": hmac_sha256(self.secret, body),
        }

    def _signed_answer(self, response: requests.Response) -> dict:
        given = response.headers.get("X-Signature", "").lower()
        if not hmac.compare_digest(
            given.encode(), hmac_sha256(self.secret, response.content).encode()
        ):
            raise GatewayError("national platform: the answer's signature does not match")
        try:
            answer = json.loads(response.content)
        except ValueError:
            raise GatewayError("national platform: the answer is not JSON") from None
        if not isinstance(answer, dict):
            raise GatewayError("national platform: the answer is not a JSON object")
        return answer

    def checkout_url(
        self, *, payment: Payment, return_url: str, callback_url: str, client_ip: str
    ) -> str:
        body = canonical_json(
            self.request_body(payment=payment, return_url=return_url, callback_url=callback_url)
        )
        try:
            response = requests.post(
                f"{self.url}/payments",
                data=body,
                headers=self._headers(body),
                timeout=self._post_timeout(),
            )
        except requests.RequestException as error:
            raise GatewayError(f"national platform: {error}") from None
        if response.status_code not in (200, 201):
            raise GatewayError(f"national platform answered {response.status_code}")
        answer = self._signed_answer(response)
        url = str(answer.get("payment_url", ""))
        if answer.get("order_ref") != payment.order_ref or not url.startswith(self.url):
            raise GatewayError("national platform: unexpected payment address")
        return url

    def callback_params(self, request: HttpRequest) -> dict[str, str]:
        if request.method == "POST":
            # The notification is the signed JSON body itself; kept as the return carries it.
            return {
                "data": b64url(request.body[:65536]),
                "signature": request.headers.get("X-Signature", "")[:200],
            }
        return super().callback_params(request)

    def _decode(self, params: Mapping[str, str]) -> tuple[bytes, dict] | None:
        try:
            data = b64url_decode(str(params.get("data", "")))
            payload = json.loads(data)
        except (binascii.Error, ValueError):
            return None
        return (data, payload) if isinstance(payload, dict) else None

    def claimed_order_ref(self, params: Mapping[str, str]) -> str:
        decoded = self._decode(params)
        return str(decoded[1].get("order_ref", ""))[:100] if decoded else ""

    def verify(self, params: Mapping[str, str]) -> GatewayResult:
        decoded = self._decode(params)
        if decoded is None:
            raise SignatureInvalid(_("Dữ liệu (data) không đọc được."))
        data, payload = decoded
        given = str(params.get("signature", "")).lower()
        if not given or not hmac.compare_digest(
            given.encode(), hmac_sha256(self.secret, data).encode()
        ):
            raise SignatureInvalid(_("Chữ ký (signature) không đúng."))
        if payload.get("merchant_code") != self.merchant:
            raise SignatureInvalid(_("Mã đơn vị (merchant_code) không phải của Motcua."))
        return self._result(payload, raw=payload)

    @staticmethod
    def _result(payload: Mapping[str, Any], *, raw: dict) -> GatewayResult:
        code = str(payload.get("error_code", ""))
        state = str(payload.get("status", ""))
        if state == "pending":
            status = PaymentStatus.PENDING
        elif code == "00":
            status = PaymentStatus.PAID
        elif code == "24":
            status = PaymentStatus.CANCELLED
        elif code == "11":
            status = PaymentStatus.EXPIRED
        else:
            status = PaymentStatus.FAILED
        amount = payload.get("amount")
        return GatewayResult(
            order_ref=str(payload.get("order_ref", "")),
            amount=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
            currency=str(payload.get("currency", "")),
            status=status,
            response_code=code[:10],
            transaction_ref=str(payload.get("transaction_ref", ""))[:100],
            bank_code=str(payload.get("bank_code", ""))[:30],
            paid_at=parse_stamp(payload.get("paid_at", "")) if status == "paid" else None,
            receipt_url=str(payload.get("receipt_url", ""))[:500],
            raw=raw,
        )

    def query(self, payment: Payment) -> GatewayResult | None:
        ref = payment.order_ref
        try:
            response = requests.get(
                f"{self.url}/payments/{quote(ref)}",
                headers=self._headers(ref.encode()),
                timeout=self._post_timeout(),
            )
        except requests.RequestException as error:
            raise GatewayError(f"national platform: {error}") from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise GatewayError(f"national platform answered {response.status_code}")
        answer = self._signed_answer(response)
        if answer.get("order_ref") != ref or answer.get("merchant_code") != self.merchant:
            raise GatewayError("national platform answered about another order")
        return self._result(answer, raw=answer)

    def answer(self, code: str) -> dict[str, str]:
        return {"error_code": code, "message": ANSWER_MESSAGES.get(code, ANSWER_MESSAGES["99"])}


# --- Registry -------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _gateway_class(path: str) -> type[PaymentGateway]:
    return import_string(path)


def gateway_classes() -> dict[str, type[PaymentGateway]]:
    classes = (_gateway_class(path) for path in settings.PAYMENT_GATEWAYS)
    return {cls.name: cls for cls in classes}


def gateway_get(name: str) -> PaymentGateway:
    """The gateway called `name` (settings are read now, so tests may change them)."""
    cls = gateway_classes().get(str(name))
    if cls is None:
        raise NotFound(
            _("Cổng thanh toán không tồn tại: %(name)s.") % {"name": str(name)[:30]},
            field="gateway",
        )
    return cls()


def gateways_enabled() -> list[PaymentGateway]:
    """The gateways offered to applicants: listed in settings and configured."""
    return [
        gateway
        for gateway in (cls() for cls in gateway_classes().values())
        if gateway.is_configured()
    ]


def form_action_sources() -> list[str]:
    """The origins the payment page's form may send the browser to (CSP form-action)."""
    return sorted({gateway.origin() for gateway in gateways_enabled() if gateway.origin()})


__all__ = [
    "ANSWER_ALREADY",
    "ANSWER_BAD_AMOUNT",
    "ANSWER_BAD_SIGNATURE",
    "ANSWER_ERROR",
    "ANSWER_NOT_FOUND",
    "ANSWER_OK",
    "GatewayError",
    "GatewayResult",
    "NationalPlatformGateway",
    "PaymentGateway",
    "SignatureInvalid",
    "VnpayGateway",
    "gateway_get",
    "gateways_enabled",
]
