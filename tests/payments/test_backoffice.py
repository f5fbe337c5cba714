"""The back office waits for payment (reception for procedures paid with the dossier, the
result's return for those paid before it), and the desk records cash, through its page too."""

import pytest
from django.urls import reverse

from motcua.catalog import services as catalog_services
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Dossier, Status
from motcua.payments.models import PaymentStatus
from motcua.payments.services import payment_record_cash, payment_start
from tests.payments.conftest import ipn, vnpay_result

pytestmark = pytest.mark.django_db


def act(user, dossier, action, **payload):
    return dossier_act(actor=user, dossier=dossier.code, action=action, payload=payload)


def test_an_online_dossier_is_received_only_once_paid(client, place, dossier):
    # given an online dossier of a procedure paid with the dossier, not paid yet
    # when the receiving officer tries to receive it
    with pytest.raises(InvalidInput) as refused:
        act(place.officer, dossier, "receive")
    # then the desk is told, on the field "payment", and nothing changed
    assert (refused.value.code, refused.value.field) == ("payment_required", "payment")
    assert "100.000 đồng" in refused.value.message
    assert Dossier.objects.get(pk=dossier.pk).status == Status.NEW
    # and through the API: a clear 400
    client.force_login(place.officer)
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/actions",
        {"action": "receive", "version": dossier.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "payment"
    # when the applicant pays online
    payment = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay").payment
    ipn(client, vnpay_result(payment.order_ref))
    # then the dossier is received
    assert act(place.officer, dossier, "receive").status == Status.PROCESSING


def test_counter_dossiers_and_the_switch_are_not_held(place, dossier, settings):
    Dossier.objects.filter(pk=dossier.pk).update(channel="counter")
    assert act(place.officer, dossier, "receive").status == Status.PROCESSING


def test_the_switch_lets_the_desk_go_on(place, dossier, settings):
    settings.PAYMENT_REQUIRED = False
    assert act(place.officer, dossier, "receive").status == Status.PROCESSING


def test_fees_paid_before_the_result_hold_the_return_only(place):
    # given a procedure whose fees are paid before the result is returned
    procedure = place.version.procedure
    draft = catalog_services.procedure_revise(procedure=procedure, actor=None)
    with pytest.raises(InvalidInput) as wrong:
        catalog_services.procedure_version_update(actor=None, version=draft, payment_stage="x")
    assert wrong.value.field == "payment_stage"
    catalog_services.procedure_version_update(actor=None, version=draft, payment_stage="result")
    place.version = catalog_services.procedure_publish(version=draft, actor=None)
    # (a later revision keeps it)
    assert catalog_services.procedure_revise(procedure=procedure, actor=None).payment_stage == (
        "result"
    )
    from tests.dossiers.backoffice_samples import submitted

    dossier = submitted(place)
    assert dossier.procedure_version.payment_stage == "result"
    # then it is received and processed unpaid
    for user, action, payload in [
        (place.officer, "receive", {}),
        (place.head, "assign", {"assignee": place.specialist.pk}),
        (place.specialist, "forward", {}),
        (place.head, "forward", {}),
        (place.director, "finish", {"result_summary": "Đã cấp đổi giấy chứng nhận"}),
    ]:
        dossier = act(user, dossier, action, **payload)
    assert dossier.status == Status.DONE
    # but its result is returned only once paid (here in cash at the desk)
    with pytest.raises(InvalidInput, match="trước khi trả kết quả"):
        act(place.officer, dossier, "return_result", method="counter")
    payment_record_cash(officer=place.officer, dossier=dossier, receipt_no="BL-0001")
    assert act(place.officer, dossier, "return_result", method="counter").status == "returned"


def test_cash_is_recorded_by_the_desk_once(place, dossier):
    # only a receiving officer of the agency takes cash
    with pytest.raises(PermissionDenied):
        payment_record_cash(officer=place.specialist, dossier=dossier, receipt_no="BL-1")
    with pytest.raises(InvalidInput) as missing:
        payment_record_cash(officer=place.officer, dossier=dossier, receipt_no="  ")
    assert missing.value.field == "receipt_no"
    payment = payment_record_cash(officer=place.officer, dossier=dossier, receipt_no="BL-0042")
    assert (payment.status, payment.gateway, payment.amount) == (
        PaymentStatus.PAID,
        "cash",
        100_000,
    )
    assert payment.recorded_by == place.officer
    with pytest.raises(Conflict):
        payment_record_cash(officer=place.officer, dossier=dossier, receipt_no="BL-0043")
    assert act(place.officer, dossier, "receive").status == Status.PROCESSING


def test_the_workspace_shows_the_payment_and_takes_cash(client, place, dossier):
    client.force_login(place.officer)
    page_url = reverse("dossiers:workspace-dossier", kwargs={"code": dossier.code})
    page = client.get(page_url).content.decode()
    # given the dossier page: unpaid, the fee, and the cash form with a labelled field
    assert "Chưa thanh toán" in page and "100.000 đồng" in page
    assert '<label for="payment-receipt-no">' in page
    # when the officer submits without a receipt number, the error is tied to the field
    cash_url = reverse("payments:cash", kwargs={"code": dossier.code})
    response = client.post(cash_url, {"receipt_no": ""})
    assert response.status_code == 302
    page = client.get(page_url).content.decode()
    assert 'aria-describedby="payment-receipt-no-error"' in page
    assert "Vui lòng nhập số biên lai" in page
    # and with one, the payment shows as paid with its receipt number
    client.post(cash_url, {"receipt_no": "BL-0007"})
    page = client.get(page_url).content.decode()
    assert "Đã thanh toán" in page and "BL-0007" in page
    assert '<label for="payment-receipt-no">' not in page


def test_a_unit_head_sees_the_payment_but_takes_no_cash(client, place, dossier):
    client.force_login(place.head)
    page = client.get(reverse("dossiers:workspace-dossier", kwargs={"code": dossier.code}))
    content = page.content.decode()
    assert "Chưa thanh toán" in content
    assert "payment-receipt-no" not in content
    response = client.post(
        reverse("payments:cash", kwargs={"code": dossier.code}), {"receipt_no": "BL-1"}
    )
    assert response.status_code == 403
    assert "Chỉ cán bộ tiếp nhận" in response.content.decode()
