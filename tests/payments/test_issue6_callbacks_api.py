"""Callbacks through the real endpoints, beyond what test_callbacks.py covers: the sandbox bank
notifying a live server over HTTP twice (VNPay and the national platform) or late, after the
browser's return; a genuine statement replayed against another order or another dossier; a
correctly signed but mismatched amount or currency arriving by the browser's return; and junk
at the return address. Each is applied at most once, and every refusal is logged."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse

from motcua.core.models import AuditEntry
from motcua.notifications.models import Notification
from motcua.payments.models import CallbackOutcome, Payment, PaymentCallback, PaymentStatus
from motcua.payments.services import payment_start
from tests.dossiers.backoffice_samples import submitted
from tests.dossiers.samples import citizen
from tests.payments.conftest import (
    FEE_TOTAL,
    b64url,
    ipn,
    national_result,
    national_signature,
    vnpay_result,
)

RETURN = "/thanh-toan/cong/{gateway}/ket-qua/"


def _log(payment: Payment) -> list[tuple[str, str, str]]:
    return list(payment.callbacks.order_by("pk").values_list("source", "outcome", "answer_code"))


def _start(dossier, gateway: str = "vnpay"):
    return payment_start(dossier=dossier, actor=dossier.owner, gateway=gateway)


@pytest.fixture
def served(sandbox, live_server, settings):
    """The sandbox bank notifying this live server (over HTTP), and Motcua telling the bank to
    send the browser back there."""
    settings.SITE_URL = live_server.url
    return sandbox


def _wait_for_callbacks(payment: Payment, count: int, *, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while payment.callbacks.count() < count and time.monotonic() < deadline:
        time.sleep(0.05)


# --- Over HTTP, from the sandbox bank --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_bank_notifying_twice_over_http_pays_once(served, live_server, dossier):
    # given the bank set to send every notification twice
    served.control(ipn_mode="twice", ipn_url=f"{live_server.url}/thanh-toan/cong/vnpay/ipn/")
    started = _start(dossier)
    # when the applicant pays at the bank
    back = served.confirm(started.redirect_url, "pay")
    # then the first notification was applied and the second answered "already confirmed"
    payment = Payment.objects.get(pk=started.payment.pk)
    assert payment.status == PaymentStatus.PAID
    assert _log(payment) == [("ipn", "applied", "00"), ("ipn", "already", "02")]
    # and the bank got those answers over HTTP (its own log of what it sent)
    bank_log = requests.get(served.url + "/", timeout=5).text
    assert "00 Confirm Success; " in bank_log and "02 Order already confirmed" in bank_log
    # when the browser comes back, and the page is reloaded (the same signed address twice)
    assert urlsplit(back).path == RETURN.format(gateway="vnpay")
    for _ in range(2):
        response = requests.get(back, allow_redirects=False, timeout=10)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/thanh-toan/giao-dich/{payment.order_ref}/")
    # then nothing more happened: one payment, one audit entry, one text message
    assert _log(payment)[2:] == [("return", "already", "02")] * 2
    assert AuditEntry.objects.filter(action="payment.paid", object_id=str(payment.pk)).count() == 1
    assert Notification.objects.filter(event="payment_confirmed", channel="sms").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_late_notification_after_the_return_changes_nothing(served, live_server, dossier):
    # given a bank whose notification comes a moment after it sends the browser back
    served.control(
        ipn_mode="after", ipn_delay=1.0, ipn_url=f"{live_server.url}/thanh-toan/cong/vnpay/ipn/"
    )
    started = _start(dossier)
    back = served.confirm(started.redirect_url, "pay")
    # when the browser's return arrives first, it applies the (verified) payment
    assert requests.get(back, allow_redirects=False, timeout=10).status_code == 302
    payment = Payment.objects.get(pk=started.payment.pk)
    assert payment.status == PaymentStatus.PAID
    # and the late notification is acknowledged without effect, so the bank stops retrying
    _wait_for_callbacks(payment, 2)
    assert _log(payment) == [("return", "applied", "00"), ("ipn", "already", "02")]


@pytest.mark.django_db(transaction=True)
def test_the_national_platform_posting_twice_over_http_pays_once(served, live_server, dossier):
    # given the platform set to post every result twice to Motcua's callback address
    served.control(ipn_mode="twice")
    started = _start(dossier, gateway="national")
    back = served.confirm(started.redirect_url, "pay")
    payment = Payment.objects.get(pk=started.payment.pk)
    # then the signed JSON body was verified and applied once
    assert payment.status == PaymentStatus.PAID
    assert payment.receipt_url.startswith(f"{served.url}/national/receipts/NPP")
    assert _log(payment) == [("ipn", "applied", "00"), ("ipn", "already", "02")]
    # and the browser's return carrying the same statement changes nothing
    assert requests.get(back, allow_redirects=False, timeout=10).status_code == 302
    assert _log(payment)[-1] == ("return", "already", "02")


# --- Replayed statements ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_genuine_statement_cannot_pay_another_order(client, place, dossier, caplog):
    # given dossier A paid, and dossier B of another citizen waiting for its payment
    paid = _start(dossier).payment
    genuine = vnpay_result(paid.order_ref)
    ipn(client, genuine)
    other = submitted(place, owner=citizen())
    waiting = _start(other).payment
    # when someone replays A's statement with B's order reference
    swapped = {**genuine, "vnp_TxnRef": waiting.order_ref}
    with caplog.at_level(logging.WARNING, logger="motcua.payments.services"):
        assert ipn(client, swapped)["RspCode"] == "97"
        refused = client.get(RETURN.format(gateway="vnpay"), swapped)
    # then the signature no longer holds: refused on both addresses, logged against B's ref
    assert refused.status_code == 400
    assert "Chữ ký (vnp_SecureHash) không đúng" in refused.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.PENDING
    log = PaymentCallback.objects.filter(order_ref=waiting.order_ref).order_by("pk")
    assert [(c.source, c.verified, c.outcome) for c in log] == [
        ("ipn", False, CallbackOutcome.REFUSED),
        ("return", False, CallbackOutcome.REFUSED),
    ]
    assert all(c.payment is None for c in log)
    assert "payment callback refused" in caplog.text and waiting.order_ref in caplog.text

    # when B's owner replays A's untouched return address in their own browser
    client.force_login(other.owner)
    response = client.get(RETURN.format(gateway="vnpay"), genuine)
    # then it is about A only (already confirmed): B is still unpaid, and A's page is not shown
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == PaymentStatus.PENDING
    assert _log(paid) == [("ipn", "applied", "00"), ("return", "already", "02")]


# --- Correctly signed, but not what was asked --------------------------------------------------


@pytest.mark.django_db
def test_a_signed_return_with_another_amount_is_refused(client, dossier):
    payment = _start(dossier).payment
    client.force_login(dossier.owner)
    # when the browser comes back with a statement the bank signed for 1.000 đồng
    response = client.get(RETURN.format(gateway="vnpay"), vnpay_result(payment.order_ref, 1_000))
    # then the payment page still waits for the bank: nothing was applied
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Đang chờ ngân hàng xác nhận" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    [logged] = payment.callbacks.all()
    assert (logged.source, logged.verified, logged.outcome, logged.answer_code) == (
        "return",
        True,
        CallbackOutcome.REFUSED,
        "04",
    )
    assert "nhận 1000 VND, cần 100000 VND" in logged.reason
    # and the genuine statement afterwards is applied
    assert ipn(client, vnpay_result(payment.order_ref))["RspCode"] == "00"


@pytest.mark.django_db
def test_the_national_platform_in_another_currency_or_for_another_merchant(client, dossier):
    # given a payment opened on the national platform (created here: the platform is offline)
    payment = Payment.objects.create(
        dossier=dossier,
        gateway="national",
        order_ref="MC261123NATIONAL000000000002",
        items=[{"fee_id": 1, "name": "Lệ phí", "amount": FEE_TOTAL}],
        amount=FEE_TOTAL,
        created_at=dossier.submitted_at,
    )
    url = reverse("payments:ipn", kwargs={"gateway": "national"})

    def post(body: bytes) -> str:
        answer = client.post(
            url, body, content_type="application/json", HTTP_X_SIGNATURE=national_signature(body)
        )
        return answer.json()["error_code"]

    # a body the platform signed, but in dollars
    dollars = national_result(payment.order_ref).replace(b'"VND"', b'"USD"')
    assert post(dollars) == "04"
    # the same through the browser's return
    back = client.get(
        RETURN.format(gateway="national"),
        {"data": b64url(dollars), "signature": national_signature(dollars)},
    )
    assert back.status_code == 302
    # another merchant's statement, correctly signed with our secret
    foreign = national_result(payment.order_ref).replace(b"TESTMERCHANT", b"OTHERSHOP")
    assert post(foreign) == "97"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert [(c.outcome, c.answer_code) for c in payment.callbacks.order_by("pk")] == [
        (CallbackOutcome.REFUSED, "04"),
        (CallbackOutcome.REFUSED, "04"),
    ]
    assert "USD" in payment.callbacks.first().reason
    foreign_log = PaymentCallback.objects.filter(payment=None, gateway="national").get()
    assert "merchant_code" in foreign_log.reason
    # and the genuine one is applied once
    assert post(national_result(payment.order_ref, FEE_TOTAL)) == "00"
    assert post(national_result(payment.order_ref, FEE_TOTAL)) == "02"


# --- Junk at the browser's return address ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("gateway", "params", "says"),
    [
        ("vnpay", {}, "vnp_SecureHash"),
        ("vnpay", {"vnp_TxnRef": "x" * 5000, "vnp_SecureHash": "zz"}, "vnp_SecureHash"),
        ("vnpay", vnpay_result("MC261123NOSUCHORDER0000000000"), "Không có giao dịch nào"),
        ("national", {"data": "%%%not-base64", "signature": "00"}, "không đọc được"),
        ("national", {"data": b64url(b"[1, 2]"), "signature": "00"}, "không đọc được"),
    ],
)
def test_junk_at_the_return_address_is_a_clear_400(client, gateway, params, says):
    response = client.get(RETURN.format(gateway=gateway), params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Không xác thực được kết quả thanh toán" in page and says in page
    logged = PaymentCallback.objects.get()
    assert (logged.source, logged.outcome) == ("return", CallbackOutcome.REFUSED)
    assert len(logged.order_ref) <= 100
