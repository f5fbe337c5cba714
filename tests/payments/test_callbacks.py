"""Starting a payment and applying what the gateway says: exactly once, whatever the order in
which the notification (IPN) and the browser's return arrive, and never on a forged, replayed,
foreign or mismatched message, each of which is logged."""

from datetime import timedelta

import pytest
from django.urls import reverse

from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.core.models import AuditEntry
from motcua.notifications.models import Notification
from motcua.payments.models import CallbackOutcome, Payment, PaymentCallback, PaymentStatus
from motcua.payments.services import payment_start
from tests.catalog.factories import published_procedure
from tests.dossiers.samples import citizen, complete_draft
from tests.payments.conftest import (
    FEE_TOTAL,
    b64url,
    ipn,
    national_result,
    national_signature,
    vnpay_result,
)

pytestmark = pytest.mark.django_db


def start(dossier, gateway="vnpay"):
    return payment_start(dossier=dossier, actor=dossier.owner, gateway=gateway).payment


def test_the_amount_comes_from_the_procedures_fees(dossier):
    # given a dossier asking for two copies of a certificate at 50.000 đồng each
    payment = start(dossier)
    # then one item of 100.000 đồng is asked, pending, with an unguessable short reference
    assert payment.amount == FEE_TOTAL
    assert payment.items == [
        {"fee_id": payment.items[0]["fee_id"], "name": "Lệ phí cấp giấy", "amount": FEE_TOTAL}
    ]
    assert payment.status == PaymentStatus.PENDING
    assert len(payment.order_ref) <= 34 and payment.order_ref.isalnum()
    assert payment.checkout_url.startswith("http://bank.test/paymentv2/vpcpay.html?")
    # and pressing "pay" again while it is open resumes it rather than opening another
    again = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay")
    assert again.resumed and again.payment.pk == payment.pk


def test_only_the_owner_pays_something_owed(dossier, place):
    with pytest.raises(PermissionDenied):
        payment_start(dossier=dossier, actor=citizen(), gateway="vnpay")
    with pytest.raises(PermissionDenied):
        payment_start(dossier=dossier, actor=place.officer, gateway="vnpay")
    # a procedure without fees has nothing to pay
    free = published_procedure(agency=place.agency, fee_amount=None)
    owner = citizen()
    draft = complete_draft(free, owner)
    from motcua.dossiers.services import dossier_submit

    free_dossier = dossier_submit(dossier=draft, actor=owner)
    with pytest.raises(InvalidInput) as refused:
        payment_start(dossier=free_dossier, actor=owner, gateway="vnpay")
    assert refused.value.field == "amount"


def test_a_successful_ipn_pays_once_even_when_sent_twice(client, dossier):
    payment = start(dossier)
    result = vnpay_result(payment.order_ref)
    # when VNPay notifies the success
    assert ipn(client, result) == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert (payment.transaction_ref, payment.bank_code) == ("14000123", "NCB")
    assert payment.paid_at is not None
    # and notifies it again (a retry, or a replay)
    assert ipn(client, result) == {"RspCode": "02", "Message": "Order already confirmed"}
    # then it was applied once: one audit entry, one confirmation per channel, both logged
    assert AuditEntry.objects.filter(action="payment.paid", object_id=str(payment.pk)).count() == 1
    assert set(
        Notification.objects.filter(event="payment_confirmed").values_list("channel", flat=True)
    ) == {"sms", "email", "in_app"}
    assert Notification.objects.filter(event="payment_confirmed", channel="sms").count() == 1
    assert list(payment.callbacks.order_by("pk").values_list("outcome", "answer_code")) == [
        (CallbackOutcome.APPLIED, "00"),
        (CallbackOutcome.ALREADY, "02"),
    ]


def test_forged_foreign_mismatched_and_unknown_notifications_are_refused_and_logged(
    client, dossier
):
    payment = start(dossier)
    # a hash made without our secret
    assert ipn(client, vnpay_result(payment.order_ref, secret="guessed"))["RspCode"] == "97"
    # another terminal's result
    assert ipn(client, vnpay_result(payment.order_ref, tmn="OTHER123"))["RspCode"] == "97"
    # correctly signed but for 1.000 đồng
    assert ipn(client, vnpay_result(payment.order_ref, amount=1_000))["RspCode"] == "04"
    # correctly signed for an order we never made
    assert ipn(client, vnpay_result("MC261123NOSUCHORDER0000000000"))["RspCode"] == "01"
    # junk
    assert ipn(client, {"vnp_TxnRef": "x" * 5000})["RspCode"] == "97"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    log = list(PaymentCallback.objects.order_by("pk"))
    assert [entry.answer_code for entry in log] == ["97", "97", "04", "01", "97"]
    assert all(entry.outcome == CallbackOutcome.REFUSED for entry in log)
    assert [entry.verified for entry in log] == [False, False, True, True, False]
    assert "vnp_SecureHash" in log[0].reason
    assert log[2].payment == payment and "1000" in log[2].reason
    assert len(log[4].order_ref) == 100  # what a forger sends is kept, bounded


def test_ipn_before_the_browser_returns(client, dossier):
    payment = start(dossier)
    client.force_login(dossier.owner)
    result = vnpay_result(payment.order_ref)
    ipn(client, result)
    # when the browser comes back with the same signed parameters
    response = client.get(reverse("payments:return", kwargs={"gateway": "vnpay"}), result)
    # then it is sent to the payment's page, which shows it paid, applied only once
    detail = reverse("payments:detail", kwargs={"order_ref": payment.order_ref})
    assert response.status_code == 302 and response["Location"] == detail
    page = client.get(detail)
    assert "Đã thanh toán" in page.content.decode()
    assert payment.callbacks.filter(outcome=CallbackOutcome.APPLIED).count() == 1
    assert payment.callbacks.get(source="return").outcome == CallbackOutcome.ALREADY


def test_a_verified_return_before_the_ipn_applies_and_the_late_ipn_is_confirmed(client, dossier):
    payment = start(dossier)
    result = vnpay_result(payment.order_ref)
    client.get(reverse("payments:return", kwargs={"gateway": "vnpay"}), result)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert ipn(client, result)["RspCode"] == "02"


def test_a_forged_return_changes_nothing(client, dossier):
    payment = start(dossier)
    client.force_login(dossier.owner)
    response = client.get(
        reverse("payments:return", kwargs={"gateway": "vnpay"}),
        vnpay_result(payment.order_ref, secret="guessed"),
    )
    assert response.status_code == 400
    assert "Không xác thực được kết quả thanh toán" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_cancelled_payment_can_be_paid_again(client, dossier):
    payment = start(dossier)
    assert ipn(client, vnpay_result(payment.order_ref, code="24"))["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    # the applicant pressed "Hủy" themselves: no message about it
    assert not Notification.objects.filter(event="payment_failed").exists()
    # the same statement again changes nothing
    assert ipn(client, vnpay_result(payment.order_ref, code="24"))["RspCode"] == "02"
    # and pressing "pay" again opens a new attempt
    assert start(dossier).pk != payment.pk


def test_a_paid_payment_never_goes_back(client, dossier):
    payment = start(dossier)
    ipn(client, vnpay_result(payment.order_ref))
    # a failure statement arriving after the success (out of order) is not applied
    assert ipn(client, vnpay_result(payment.order_ref, code="24"))["RspCode"] == "02"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert "không áp dụng" in payment.callbacks.latest("pk").reason


def test_a_declined_payment_tells_the_applicant(client, dossier):
    payment = start(dossier)
    ipn(client, vnpay_result(payment.order_ref, code="51"))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    sms = Notification.objects.get(event="payment_failed", channel="sms")
    assert dossier.code in sms.body and "100.000" in sms.body


def test_a_second_attempt_paid_by_the_bank_is_recorded_for_refund(client, dossier):
    # given an attempt that expired on our side and a second one, both then paid at the bank
    first = start(dossier)
    Payment.objects.filter(pk=first.pk).update(expires_at=first.created_at - timedelta(seconds=1))
    second = start(dossier)
    assert second.pk != first.pk
    ipn(client, vnpay_result(second.order_ref, transaction_no="1"))
    # when the bank confirms the first as well, the money is recorded and flagged
    assert ipn(client, vnpay_result(first.order_ref, transaction_no="2"))["RspCode"] == "00"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.needs_refund) == ("paid", True)
    assert (second.status, second.needs_refund) == ("paid", False)
    with pytest.raises(Conflict):
        start(dossier)


def test_the_national_platform_notification_is_a_signed_json_post(client, dossier, settings):
    payment = Payment.objects.create(
        dossier=dossier,
        gateway="national",
        order_ref="MC261123NATIONAL000000000001",
        items=[{"fee_id": 1, "name": "Lệ phí", "amount": FEE_TOTAL}],
        amount=FEE_TOTAL,
        created_at=dossier.submitted_at,
    )
    url = reverse("payments:ipn", kwargs={"gateway": "national"})
    body = national_result(payment.order_ref)
    forged = client.post(url, body, content_type="application/json", HTTP_X_SIGNATURE="00" * 32)
    assert forged.json() == {"error_code": "97", "message": "Invalid signature"}
    answer = client.post(
        url, body, content_type="application/json", HTTP_X_SIGNATURE=national_signature(body)
    )
    assert answer.json()["error_code"] == "00"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.receipt_url == "http://bank.test/national/receipts/NPP1001"
    # the browser's return carries the same statement
    response = client.get(
        reverse("payments:return", kwargs={"gateway": "national"}),
        {"data": b64url(body), "signature": national_signature(body)},
    )
    assert response.status_code == 302
    assert payment.callbacks.filter(outcome=CallbackOutcome.APPLIED).count() == 1


def test_unknown_gateways_and_methods_never_give_a_500(client):
    assert client.get("/thanh-toan/cong/paypal/ipn/").status_code == 404
    assert client.get("/thanh-toan/cong/paypal/ket-qua/").status_code == 404
    assert client.put("/thanh-toan/cong/vnpay/ipn/").status_code == 405
