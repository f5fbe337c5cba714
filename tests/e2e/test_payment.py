"""Browser: a citizen pays a submitted dossier's fees through the sandbox payment server (a real
process acting as VNPay: its page, the signed notification to Motcua, the redirect back) and
sees "Đã thanh toán"; the desk can then receive the dossier."""

import re

import pytest
from playwright.sync_api import expect

from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Status
from motcua.payments.models import PaymentStatus
from tests.dossiers.backoffice_samples import office, submitted
from tests.factories import DEFAULT_TEST_PASSWORD
from tests.payments.conftest import (  # noqa: F401 (the sandbox process fixture)
    HASH_SECRET,
    TMN_CODE,
    Sandbox,
    _sandbox_url,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bank(_sandbox_url, live_server, settings):  # noqa: F811 (the imported fixture)
    settings.AXES_ENABLED = False  # logging in is not what this test is about
    settings.PAYMENT_REQUIRED = True
    settings.SITE_URL = live_server.url
    settings.VNPAY_TMN_CODE = TMN_CODE
    settings.VNPAY_HASH_SECRET = HASH_SECRET
    settings.VNPAY_PAYMENT_URL = f"{_sandbox_url}/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = f"{_sandbox_url}/merchant_webapi/api/transaction"
    sandbox = Sandbox(_sandbox_url)
    sandbox.control(ipn_mode="before", ipn_url=f"{live_server.url}/thanh-toan/cong/vnpay/ipn/")
    yield sandbox
    sandbox.control(ipn_mode="before", ipn_url="")


def test_a_citizen_pays_a_submitted_dossier_through_the_sandbox(page, bank, administrative_units):
    place = office()
    dossier = submitted(place)

    # given the citizen logged in, on their dossier in "Hồ sơ của tôi"
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(place.applicant.username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_load_state()
    page.goto(f"/ho-so/cua-toi/{dossier.code}/")
    box = page.get_by_role("region", name="Phí, lệ phí")
    assert "Chưa thanh toán" in box.inner_text()

    # when they choose to pay online, with VNPay
    box.get_by_role("link", name="Thanh toán trực tuyến").click()
    page.get_by_role("heading", name=re.compile("Thanh toán phí, lệ phí hồ sơ")).wait_for()
    page.get_by_role("button", name=re.compile("Thanh toán qua VNPay")).click()

    # then the bank's page shows the amount; they press "Thanh toán"
    page.wait_for_url(f"{bank.url}/paymentv2/vpcpay.html*")
    assert page.locator("#amount").inner_text() == "100.000 đồng"
    page.get_by_role("button", name="Thanh toán", exact=True).click()

    # and back on Motcua the payment reads "Đã thanh toán", with the receipt
    page.get_by_role("status").filter(has_text="Đã thanh toán").wait_for()
    expect(page.get_by_role("link", name="Tải biên lai (PDF)")).to_be_visible()
    payment = dossier.payments.get()
    assert payment.status == PaymentStatus.PAID
    # applied once, by the bank's notification (the browser's return found it done)
    assert list(payment.callbacks.order_by("pk").values_list("source", "outcome")) == [
        ("ipn", "applied"),
        ("return", "already"),
    ]

    # and their dossier page says so too
    page.get_by_role("link", name="Về hồ sơ").click()
    assert "Đã thanh toán" in page.get_by_role("region", name="Phí, lệ phí").inner_text()

    # and the desk may now receive it
    received = dossier_act(actor=place.officer, dossier=dossier.code, action="receive")
    assert received.status == Status.PROCESSING
