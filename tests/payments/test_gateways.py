"""Gateways: the VNPay payment URL and its HMAC-SHA512 (a known answer, checked independently),
the verification of what VNPay and the national platform send back, and the registry."""

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.calendar import VIETNAM
from motcua.core.errors import NotFound
from motcua.dossiers.models import Dossier
from motcua.payments.gateways import (
    NationalPlatformGateway,
    SignatureInvalid,
    VnpayGateway,
    gateway_get,
    gateways_enabled,
    vnpay_query_string,
)
from motcua.payments.models import Payment, PaymentStatus
from tests.payments.conftest import (
    HASH_SECRET,
    b64url,
    national_result,
    national_signature,
    vnpay_result,
    vnpay_sign,
)

ORDER_REF = "MC261123ABCDEF0123456789ABCD"
# The parameters of the payment below, sorted and encoded by hand as VNPay's documentation shows
# (keys in ASCII order, values URL-encoded with "+" for spaces).
CANONICAL = (
    "vnp_Amount=10000000&vnp_Command=pay&vnp_CreateDate=20261123103000&vnp_CurrCode=VND"
    "&vnp_ExpireDate=20261123104500&vnp_IpAddr=203.113.1.5&vnp_Locale=vn"
    "&vnp_OrderInfo=Thanh+toan+le+phi+ho+so+H56.14-261123-0007&vnp_OrderType=other"
    "&vnp_ReturnUrl=http%3A%2F%2Ftestserver%2Fthanh-toan%2Fcong%2Fvnpay%2Fket-qua%2F"
    "&vnp_TmnCode=TESTTMN1&vnp_TxnRef=MC261123ABCDEF0123456789ABCD&vnp_Version=2.1.0"
)
KNOWN_HASH = (
    "60e6c323e75e8c2b8700b4181b1bf496707671e6f48038bde0dd6abe979570d9"
    "ee5a5e7c889470e983da2ab49bbd5dca3a12f03bd72a2120263dfbae70f40b58"
)


def unsaved_payment(amount: int = 100_000) -> Payment:
    created = datetime(2026, 11, 23, 10, 30, tzinfo=VIETNAM)
    return Payment(
        dossier=Dossier(code="H56.14-261123-0007"),
        gateway="vnpay",
        order_ref=ORDER_REF,
        amount=amount,
        created_at=created,
        expires_at=created + timedelta(minutes=15),
    )


def test_the_payment_url_carries_the_vnpay_parameters_and_a_known_hash():
    # given a payment of 100.000 đồng started at 10:30 on 23/11/2026
    url = VnpayGateway().checkout_url(
        payment=unsaved_payment(),
        return_url="http://testserver/thanh-toan/cong/vnpay/ket-qua/",
        callback_url="unused",
        client_ip="203.113.1.5",
    )
    # then the query is the sorted, encoded parameters followed by the secure hash
    base, _, query = url.partition("?")
    assert base == "http://bank.test/paymentv2/vpcpay.html"
    signed, _, secure_hash = query.partition("&vnp_SecureHash=")
    assert signed == CANONICAL
    # and the hash is HMAC-SHA512 of exactly that text with the merchant's secret
    independent = hmac.new(HASH_SECRET.encode(), CANONICAL.encode(), hashlib.sha512).hexdigest()
    assert secure_hash == independent == KNOWN_HASH
    # and the amount is in VND × 100, the dates in GMT+7
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["vnp_Amount"] == "10000000"
    assert params["vnp_CreateDate"] == "20261123103000"
    assert params["vnp_ExpireDate"] == "20261123104500"


@given(
    st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=12),
        st.text(max_size=30),
        max_size=8,
    )
)
def test_any_result_signed_by_the_bank_verifies_and_any_change_breaks_it(values):
    # given whatever a bank signs (keys prefixed vnp_, any text values)
    params = {f"vnp_{key}": value for key, value in values.items()}
    params.update(vnp_TmnCode="TESTTMN1", vnp_TxnRef="MC1", vnp_Amount="500000")
    gateway = VnpayGateway.__new__(VnpayGateway)
    gateway.tmn_code, gateway.secret = "TESTTMN1", HASH_SECRET
    signed = {**params, "vnp_SecureHash": vnpay_sign(params)}
    # then our verification accepts it, and reads the amount back in đồng
    assert gateway.verify(signed).amount == 5000
    # and changing the amount breaks the signature
    with pytest.raises(SignatureInvalid):
        gateway.verify({**signed, "vnp_Amount": "600000"})
    # and the canonical text is what the bank signed
    assert vnpay_query_string(params).count("&") == len(params) - 1


def test_a_forged_or_foreign_vnpay_result_is_refused():
    gateway = VnpayGateway()
    genuine = vnpay_result(ORDER_REF)
    assert gateway.verify(genuine).status == PaymentStatus.PAID
    # a hash made with another secret
    with pytest.raises(SignatureInvalid, match="vnp_SecureHash"):
        gateway.verify(vnpay_result(ORDER_REF, secret="guessed"))
    # no hash at all
    without = {key: value for key, value in genuine.items() if key != "vnp_SecureHash"}
    with pytest.raises(SignatureInvalid):
        gateway.verify(without)
    # signed correctly but for another merchant's terminal
    with pytest.raises(SignatureInvalid, match="vnp_TmnCode"):
        gateway.verify(vnpay_result(ORDER_REF, tmn="OTHER123"))


@pytest.mark.parametrize(
    ("code", "status"),
    [("00", "paid"), ("24", "cancelled"), ("11", "expired"), ("51", "failed"), ("99", "failed")],
)
def test_vnpay_response_codes(code, status):
    result = VnpayGateway().verify(vnpay_result(ORDER_REF, code=code))
    assert result.status == status
    assert result.amount == 100_000
    assert result.transaction_ref == "14000123" and result.bank_code == "NCB"
    assert (result.paid_at is not None) is (status == "paid")


def test_the_national_platform_result_is_verified_on_the_exact_body():
    gateway = NationalPlatformGateway()
    body = national_result(ORDER_REF)
    result = gateway.verify({"data": b64url(body), "signature": national_signature(body)})
    assert (result.status, result.amount, result.currency) == ("paid", 100_000, "VND")
    assert result.transaction_ref == "NPP1001"
    assert result.receipt_url.endswith("/receipts/NPP1001")
    # a body changed after signing, a wrong secret, or junk data are refused
    tampered = body.replace(b"100000", b"100")
    with pytest.raises(SignatureInvalid):
        gateway.verify({"data": b64url(tampered), "signature": national_signature(body)})
    with pytest.raises(SignatureInvalid):
        gateway.verify({"data": b64url(body), "signature": national_signature(body, "guessed")})
    with pytest.raises(SignatureInvalid):
        gateway.verify({"data": "%%%not-base64", "signature": "00"})


def test_the_registry_reads_the_settings(settings):
    assert [gateway.name for gateway in gateways_enabled()] == ["vnpay", "national"]
    settings.NATIONAL_PAYMENT_SECRET = ""
    assert [gateway.name for gateway in gateways_enabled()] == ["vnpay"]
    settings.PAYMENT_GATEWAYS = ["motcua.payments.gateways.NationalPlatformGateway"]
    with pytest.raises(NotFound):
        gateway_get("vnpay")
