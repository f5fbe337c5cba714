"""Against the sandbox payment server running as its own process: it accepts the payment URL
Motcua signs, pays or cancels, answers querydr, and the periodic reconcile job settles payments
whose notification never came (and a late notification afterwards changes nothing)."""

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.utils import timezone

from motcua.core.scheduler import registered_jobs
from motcua.payments.models import CallbackOutcome, Payment, PaymentStatus
from motcua.payments.services import payment_check, payment_start, payments_reconcile
from tests.payments.conftest import ipn

pytestmark = pytest.mark.django_db


def later(minutes: int = 30):
    return timezone.now() + timedelta(minutes=minutes)


def test_the_sandbox_refuses_a_url_signed_with_another_secret(sandbox, dossier, settings):
    settings.VNPAY_HASH_SECRET = "not-the-sandbox-secret"
    url = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay").redirect_url
    page = requests.get(url, timeout=5)
    assert page.status_code == 400 and "Sai chữ ký" in page.text


def test_reconcile_settles_a_payment_whose_ipn_never_came(sandbox, client, dossier):
    # given a payment made at the sandbox bank whose notification was lost
    started = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay")
    back = sandbox.confirm(started.redirect_url, "pay")
    payment = Payment.objects.get(pk=started.payment.pk)
    assert payment.status == PaymentStatus.PENDING
    # when the periodic job runs after PAYMENT_RECONCILE_AFTER_MINUTES
    report = payments_reconcile(now=later())
    # then querydr says it is paid, and it is applied
    assert (report.checked, report.changed, report.unreachable) == (1, 1, 0)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.bank_code == "NCB" and payment.transaction_ref.isdigit()
    assert payment.callbacks.get().source == "query"
    # and when the notification finally arrives, late, it is acknowledged without effect
    late = dict(parse_qsl(urlsplit(back).query))
    assert ipn(client, late)["RspCode"] == "02"
    assert payment.callbacks.filter(outcome=CallbackOutcome.APPLIED).count() == 1


def test_reconcile_ends_attempts_the_bank_never_saw_or_that_were_cancelled(sandbox, dossier):
    # given one attempt never opened at the bank and past its expiry
    first = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay").payment
    Payment.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=10))
    # and one cancelled by the applicant at the bank, whose notification was lost
    second = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay")
    sandbox.confirm(second.redirect_url, "cancel")
    # when the job runs
    report = payments_reconcile(now=later())
    # then the first expired (the bank answered "not found"), the second failed (querydr only
    # says the transaction ended without payment)
    assert report.changed == 2
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.EXPIRED
    assert Payment.objects.get(pk=second.payment.pk).status == PaymentStatus.FAILED


def test_a_payment_still_open_at_the_bank_stays_pending(sandbox, dossier):
    started = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay")
    requests.get(started.redirect_url, timeout=5)  # the page is open, nothing pressed
    checked = payment_check(payment=started.payment)
    assert checked.status == PaymentStatus.PENDING


def test_an_unreachable_gateway_leaves_payments_as_they_are(dossier, settings):
    payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay")
    settings.VNPAY_API_URL = "http://127.0.0.1:9/querydr"  # nothing listens there
    report = payments_reconcile(now=later())
    assert (report.checked, report.unreachable, report.changed) == (1, 1, 0)


def test_the_national_platform_through_the_sandbox(sandbox, client, dossier):
    # given a payment opened on the national platform (a signed server-to-server request)
    started = payment_start(dossier=dossier, actor=dossier.owner, gateway="national")
    assert started.redirect_url.startswith(f"{sandbox.url}/national/pay/")
    # when the applicant pays and the browser comes back with the signed result
    back = sandbox.confirm(started.redirect_url, "pay")
    path = urlsplit(back)
    assert path.path == "/thanh-toan/cong/national/ket-qua/"
    client.force_login(dossier.owner)
    response = client.get(path.path, dict(parse_qsl(path.query)))
    assert response.status_code == 302
    # then it is paid, with the platform's receipt link
    payment = Payment.objects.get(pk=started.payment.pk)
    assert payment.status == PaymentStatus.PAID
    assert payment.receipt_url.startswith(f"{sandbox.url}/national/receipts/NPP")
    # and the platform's answer to a query agrees (reconciliation would find nothing to do)
    assert payment_check(payment=payment).status == PaymentStatus.PAID


def test_the_reconcile_job_is_scheduled():
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")  # what `motcua scheduler` does at start
    assert "motcua.payments.tasks.payments_reconcile" in {job.name for job in registered_jobs()}


def test_the_applicant_asks_the_bank_again_from_the_payment_page(sandbox, client, dossier):
    # given a payment made at the bank whose notification and return were both lost
    started = payment_start(dossier=dossier, actor=dossier.owner, gateway="vnpay")
    sandbox.confirm(started.redirect_url, "pay")
    client.force_login(dossier.owner)
    detail = f"/thanh-toan/giao-dich/{started.payment.order_ref}/"
    assert "Đang chờ ngân hàng xác nhận" in client.get(detail).content.decode()
    # when they press "Kiểm tra lại với cổng thanh toán"
    response = client.post(f"{detail}kiem-tra/")
    # then the bank's answer is applied and the page says paid
    assert response.status_code == 302 and response["Location"] == detail
    assert "Đã thanh toán" in client.get(detail).content.decode()
