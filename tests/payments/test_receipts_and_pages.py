"""The receipt PDF (its text, the amount in words), the applicant's pages (payment box, payment
page with its Content-Security-Policy, the move to the gateway, the result) and the API."""

import io
import unicodedata

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from motcua.payments.models import PaymentStatus
from motcua.payments.receipts import amount_in_words
from motcua.payments.services import payment_record_cash, payment_start
from tests.dossiers.samples import citizen
from tests.payments.conftest import FEE_TOTAL, ipn, vnpay_result


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    return unicodedata.normalize("NFC", text)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (105, "Một trăm lẻ năm đồng"),
        (50_000, "Năm mươi nghìn đồng"),
        (100_000, "Một trăm nghìn đồng"),
        (1_005, "Một nghìn không trăm lẻ năm đồng"),
        (2_500_000, "Hai triệu năm trăm nghìn đồng"),
        (1_000_050, "Một triệu không trăm năm mươi đồng"),
        (3_000_000_000, "Ba tỷ đồng"),
    ],
)
def test_amounts_in_words(amount, words):
    assert amount_in_words(amount) == words


@given(st.integers(min_value=1, max_value=10**15 - 1))
def test_every_amount_has_words_without_gaps(amount):
    words = amount_in_words(amount)
    assert words.endswith(" đồng") and "  " not in words and words[0].isupper()
    assert "mươi mười" not in words and "lẻ không" not in words


@pytest.mark.django_db
def test_the_receipt_pdf_says_who_paid_what(client, dossier, place):
    payment = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay").payment
    ipn(client, vnpay_result(payment.order_ref))
    client.force_login(dossier.owner)
    response = client.get(reverse("payments:receipt", kwargs={"order_ref": payment.order_ref}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        dossier.code,
        "Nguyễn Văn An",
        "Lệ phí cấp giấy",
        "100.000",
        "Một trăm nghìn đồng",
        payment.order_ref,
        "14000123",
    ):
        assert expected in text, expected
    # another citizen gets a 404, as for a reference that does not exist
    client.force_login(citizen())
    assert client.get(reverse("payments:receipt", args=[payment.order_ref])).status_code == 404


@pytest.mark.django_db
def test_a_cash_receipt_names_the_officer(client, dossier, place):
    payment = payment_record_cash(officer=place.officer, dossier=dossier, receipt_no="BL-0042")
    client.force_login(place.officer)
    text = pdf_text(client.get(reverse("payments:receipt", args=[payment.order_ref])).content)
    assert "BL-0042" in text and "Phạm Thị Hoa" in text and "Tiền mặt" in text


@pytest.mark.django_db
def test_no_receipt_before_payment(client, dossier):
    payment = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay").payment
    client.force_login(dossier.owner)
    assert client.get(reverse("payments:receipt", args=[payment.order_ref])).status_code == 404


@pytest.mark.django_db
def test_the_applicant_goes_from_the_dossier_to_the_gateway(client, dossier):
    client.force_login(dossier.owner)
    # given the dossier's page in "Hồ sơ của tôi": unpaid, with the button
    page = client.get(reverse("dossiers:mine-detail", args=[dossier.code])).content.decode()
    pay_url = reverse("payments:pay", args=[dossier.code])
    assert "Chưa thanh toán" in page and f'href="{pay_url}"' in page
    assert "Thanh toán trực tuyến" in page
    # and on the page after submission too
    confirmation = client.get(reverse("dossiers:confirmation", args=[dossier.code]))
    assert f'href="{pay_url}"' in confirmation.content.decode()
    # when they open the payment page, its form may send the browser to the gateways only
    response = client.get(pay_url)
    assert "100.000 đồng" in response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "form-action 'self' http://bank.test" in csp
    assert "bank.test" not in client.get(reverse("dossiers:mine")).get(
        "Content-Security-Policy", ""
    )
    # and choosing VNPay sends them there
    started = client.post(reverse("payments:start", args=[dossier.code]), {"gateway": "vnpay"})
    assert started.status_code == 303
    assert started["Location"].startswith("http://bank.test/paymentv2/vpcpay.html?vnp_Amount=")
    # then the payment page shows the attempt waiting for the bank
    payment = dossier.payments.get()
    detail = client.get(reverse("payments:detail", args=[payment.order_ref])).content.decode()
    assert "Đang chờ ngân hàng xác nhận" in detail


@pytest.mark.django_db
def test_someone_else_cannot_pay_or_see(client, dossier):
    client.force_login(citizen())
    assert client.get(reverse("payments:pay", args=[dossier.code])).status_code == 404
    response = client.post(reverse("payments:start", args=[dossier.code]), {"gateway": "vnpay"})
    assert response.status_code == 404
    assert not dossier.payments.exists()


@pytest.mark.django_db
def test_an_unknown_gateway_is_answered_on_the_page(client, dossier):
    client.force_login(dossier.owner)
    response = client.post(reverse("payments:start", args=[dossier.code]), {"gateway": "paypal"})
    assert response.status_code == 404
    assert "Cổng thanh toán không tồn tại" in response.content.decode()


@pytest.mark.django_db
def test_the_api_lists_and_starts_payments(client, dossier, place):
    url = f"/api/v1/dossiers/{dossier.code}/payments"
    start_url = f"/api/v1/payments/{dossier.code}/start"
    # the owner sees what is owed
    client.force_login(dossier.owner)
    body = client.get(url).json()
    assert body["amount_due"] == FEE_TOTAL and body["state"] == "unpaid"
    assert body["payment_stage"] == "submission" and body["payments"] == []
    # starts a payment (201), and starting again resumes it (200)
    first = client.post(start_url, {"gateway": "vnpay"}, content_type="application/json")
    assert first.status_code == 201, first.json()
    assert first.json()["payment_url"].startswith("http://bank.test/paymentv2/vpcpay.html?")
    again = client.post(start_url, {}, content_type="application/json")
    assert again.status_code == 200 and again.json()["order_ref"] == first.json()["order_ref"]
    bad = client.post(start_url, {"gateway": 5}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "gateway"
    # once paid: listed with its receipt, and a new start is a conflict
    ipn(client, vnpay_result(first.json()["order_ref"]))
    body = client.get(url).json()
    assert body["state"] == "paid"
    assert body["payments"][0]["status"] == PaymentStatus.PAID
    assert body["payments"][0]["receipt_url"].endswith("/bien-lai.pdf")
    conflict = client.post(start_url, {}, content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "already_paid"
    # staff of the agency read it, but do not pay for the applicant
    client.force_login(place.officer)
    assert client.get(url).json()["state"] == "paid"
    refused = client.post(start_url, {}, content_type="application/json")
    assert refused.status_code == 403
    # another citizen gets 404, as for a code that does not exist
    client.force_login(citizen())
    assert client.get(url).status_code == 404
    assert client.post(start_url, {}, content_type="application/json").status_code == 404
    client.logout()
    assert client.get(url).status_code == 401
