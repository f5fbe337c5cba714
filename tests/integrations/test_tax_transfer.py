"""Liên thông with the tax authority, end to end over real HTTP against the stand-in: send,
notice (status 6), payment (back to processing), through the tasks and the worker."""

from datetime import timedelta

import pytest
import requests
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.dossiers import backoffice
from motcua.dossiers.models import Dossier, FinancialObligation, Status
from motcua.integrations.adapters import PollResult, adapter_for
from motcua.integrations.models import InterAgencyTransfer
from motcua.integrations.services import transfer_apply
from motcua.integrations.tasks import transfer_send, transfers_poll
from motcua.notifications.models import Notification
from tests.integrations.conftest import LAND_FORM, act, at_first_step, transfer_office

pytestmark = pytest.mark.django_db
T = InterAgencyTransfer.Status


@pytest.fixture
def place(administrative_units):
    return transfer_office("tax")


def _transfer(place, **form_changes) -> InterAgencyTransfer:
    dossier = at_first_step(place, form={**LAND_FORM, **form_changes})
    act(place.specialist, dossier, "transfer", note="Chuyển thông tin địa chính sang thuế")
    return InterAgencyTransfer.objects.get(dossier=dossier)


def _queued_sends(transfer: InterAgencyTransfer):
    return DBTaskResult.objects.filter(
        task_path="motcua.integrations.tasks.transfer_send", args_kwargs__args=[transfer.pk]
    )


# The real worker closes the database connection when it stops: on PostgreSQL that needs a
# test with real transactions rather than one wrapped in the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_a_land_dossier_goes_to_the_tax_authority_pays_and_comes_back(place, tax_authority):
    # Given a land dossier declaring a value of 2 billion đồng, transferred by the specialist
    transfer = _transfer(place)
    dossier = transfer.dossier
    dossier.refresh_from_db()
    assert (dossier.status, dossier.waiting_on) == (Status.PROCESSING, "transfer")
    # Then the transfer waits in the queue, with what will be sent
    assert transfer.status == T.PENDING
    assert _queued_sends(transfer).count() == 1
    assert transfer.payload["land"]["land_value"] == 2_000_000_000
    assert transfer.payload["applicant"]["name"] == dossier.applicant_name

    # When the worker runs once
    call_command(
        "db_worker", queue_name="integrations", batch=True, startup_delay=False, reload=False
    )
    # Then the tax authority holds the dossier under its reference
    transfer.refresh_from_db()
    assert transfer.status == T.SENT and transfer.external_ref.startswith("CT-")
    assert tax_authority.dossier(transfer.external_ref)["dossier_code"] == dossier.code

    # When the periodic job polls, twice
    transfers_poll.call()
    transfers_poll.call()
    # Then the notice is applied once: status 6, clock stopped, registration fee 0.5 %
    dossier.refresh_from_db()
    assert dossier.status == Status.FINANCIAL_OBLIGATION and dossier.paused_at is not None
    obligation = FinancialObligation.objects.get(dossier=dossier)
    assert obligation.amount == 10_000_000
    assert obligation.items == [{"name": "Lệ phí trước bạ nhà, đất", "amount": 10_000_000}]
    assert obligation.external_ref == transfer.external_ref and obligation.notice_number
    assert dossier.events.filter(action="pause").count() == 1
    # And the applicant is shown where to pay: the authority's notice page, with its button
    assert obligation.payment_url.endswith(f"/dossiers/{transfer.external_ref}")
    page = requests.get(obligation.payment_url, headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "Nộp tiền" in page.text
    # And the applicant is told what to pay
    assert Notification.objects.filter(
        dossier_code=dossier.code, event="financial_obligation"
    ).exists()
    transfer.refresh_from_db()
    assert transfer.status == T.ANSWERED

    # When the applicant pays at the tax authority and the job polls twice again
    tax_authority.pay(transfer.external_ref)
    transfers_poll.call()
    transfers_poll.call()
    # Then the dossier is back in processing at the same step, no longer waiting
    dossier.refresh_from_db()
    assert (dossier.status, dossier.waiting_on) == (Status.PROCESSING, "")
    assert dossier.paused_at is None
    assert dossier.current_step.position == 1 and dossier.assignee == place.specialist
    obligation.refresh_from_db()
    assert obligation.paid_at is not None and obligation.payment_ref.startswith("BL-")
    assert dossier.events.filter(action="resume").count() == 1
    transfer.refresh_from_db()
    assert transfer.status == T.COMPLETED and transfer.completed_at is not None
    # And the specialist can hand it on
    dossier = act(place.specialist, dossier, "forward")
    assert dossier.current_step.position == 2


def test_the_same_answer_applied_twice_changes_the_dossier_once(place, tax_authority):
    # Given a sent transfer and the authority's answer, notice and payment at once
    transfer = _transfer(place)
    transfer_send.call(transfer.pk)
    transfer.refresh_from_db()
    tax_authority.pay(transfer.external_ref)
    answer = adapter_for("tax").poll(transfer)
    assert answer.notice and answer.payment
    # When it is applied twice (two workers, or a poll repeated)
    transfer_apply(transfer_id=transfer.pk, result=answer)
    transfer_apply(transfer_id=transfer.pk, result=answer)
    # Then there is one notice, paid, and one pause and one resume in the history
    dossier = Dossier.objects.get(pk=transfer.dossier_id)
    assert FinancialObligation.objects.filter(dossier=dossier).count() == 1
    assert [e.action for e in dossier.events.filter(action__in=["pause", "resume"])] == [
        "pause",
        "resume",
    ]
    assert dossier.status == Status.PROCESSING
    # And an empty answer only notes the poll
    assert transfer_apply(transfer_id=transfer.pk, result=PollResult()).status == T.COMPLETED


def test_a_procedure_without_obligation_comes_back_without_status_6(place, tax_authority):
    # Given the tax authority finds no obligation for this procedure
    tax_authority.control(exempt=[place.version.procedure.code])
    transfer = _transfer(place)
    # When it is sent and polled
    transfer_send.call(transfer.pk)
    transfers_poll.call()
    # Then the dossier stops waiting without a notice
    dossier = Dossier.objects.get(pk=transfer.dossier_id)
    assert (dossier.status, dossier.waiting_on) == (Status.PROCESSING, "")
    assert not FinancialObligation.objects.filter(dossier=dossier).exists()
    returned = dossier.events.get(action="transfer_returned")
    assert "không phát sinh nghĩa vụ tài chính" in returned.note
    transfer.refresh_from_db()
    assert transfer.status == T.COMPLETED


def test_a_notice_not_yet_issued_is_waited_for(place, tax_authority):
    # Given the authority takes an hour to issue its notice
    tax_authority.control(notice_delay=3600)
    transfer = _transfer(place)
    transfer_send.call(transfer.pk)
    # When the job polls
    transfers_poll.call()
    # Then nothing changes but the time of the last poll
    transfer.refresh_from_db()
    assert transfer.status == T.SENT and transfer.polled_at is not None
    assert Dossier.objects.get(pk=transfer.dossier_id).status == Status.PROCESSING


@pytest.mark.parametrize(
    ("switch", "error"),
    [({"fail": True}, "HTTP 503"), ({"delay": 1}, "Timeout")],
    ids=["unavailable", "timeout"],
)
def test_a_network_failure_is_retried_later_then_succeeds(
    place, tax_authority, settings, switch, error
):
    # Given the tax authority is down (or slower than Motcua waits)
    settings.TAX_AUTHORITY_TIMEOUT_SECONDS = 0.5
    tax_authority.control(**switch)
    transfer = _transfer(place)
    # When the worker tries to send
    assert transfer_send.call(transfer.pk) == T.PENDING
    # Then the failure is recorded and a retry is queued for later, with back-off
    transfer.refresh_from_db()
    assert transfer.attempts == 1 and error in transfer.last_error
    retry = _queued_sends(transfer).order_by("-enqueued_at").first()
    assert retry.run_after > timezone.now() + timedelta(seconds=20)
    # When the authority is back and the retry runs
    tax_authority.control(fail=False, delay=0)
    assert transfer_send.call(transfer.pk) == T.SENT
    transfer.refresh_from_db()
    assert (transfer.attempts, transfer.last_error) == (2, "")


def test_after_the_last_attempt_the_transfer_fails_and_staff_send_it_again(
    place, tax_authority, settings, client
):
    # Given two attempts at most and an authority that keeps failing
    settings.INTEGRATION_MAX_ATTEMPTS = 2
    tax_authority.control(fail=True)
    transfer = _transfer(place)
    transfer_send.call(transfer.pk)
    # When the second attempt fails too
    assert transfer_send.call(transfer.pk) == T.FAILED
    # And a further run of a queued retry does nothing
    assert transfer_send.call(transfer.pk) == T.FAILED
    # Then the specialist sees the failure and why on the transfers page
    client.force_login(place.specialist)
    page = client.get(reverse("integrations:transfers"))
    assert page.context["outgoing"] == [transfer]
    assert "Gửi không thành công" in page.text and "HTTP 503" in page.text
    # When the authority is back and the specialist presses "Gửi lại" (htmx)
    tax_authority.control(fail=False)
    retried = client.post(
        reverse("integrations:retry", args=[transfer.pk]), headers={"HX-Request": "true"}
    )
    # Then the row says it waits to be sent, and the queued send goes through
    assert retried.status_code == 200 and "Chờ gửi" in retried.text
    transfer.refresh_from_db()
    assert (transfer.status, transfer.attempts, transfer.last_error) == (T.PENDING, 0, "")
    assert transfer_send.call(transfer.pk) == T.SENT
    # And a transfer that is not failed cannot be sent again
    again = client.post(reverse("integrations:retry", args=[transfer.pk]))
    assert again.status_code == 409


def test_a_refused_request_fails_at_once(place, tax_authority, settings):
    # Given Motcua holds a wrong key for the tax authority
    settings.TAX_AUTHORITY_API_KEY = "wrong-key"
    transfer = _transfer(place)
    # When it is sent
    assert transfer_send.call(transfer.pk) == T.FAILED
    # Then it is not retried: the error says why
    transfer.refresh_from_db()
    assert transfer.attempts == 1 and "HTTP 401" in transfer.last_error
    assert _queued_sends(transfer).count() == 1


def test_a_failing_poll_is_noted_and_tried_again(place, tax_authority):
    # Given a sent transfer and an authority that is down when the job polls
    transfer = _transfer(place)
    transfer_send.call(transfer.pk)
    tax_authority.control(fail=True)
    transfers_poll.call()
    transfer.refresh_from_db()
    assert transfer.status == T.SENT and "HTTP 503" in transfer.last_error
    # When it is back
    tax_authority.control(fail=False)
    transfers_poll.call()
    # Then the notice arrives
    transfer.refresh_from_db()
    assert transfer.status == T.ANSWERED


def test_only_a_web_address_is_kept_as_the_place_to_pay(place):
    # given dossiers waiting on the tax authority
    for number, (given, kept) in enumerate(
        [
            ("https://thue.example.vn/nop/1", "https://thue.example.vn/nop/1"),
            ("javascript:alert(1)", ""),
            ("x" * 600, ""),
        ]
    ):
        dossier = _transfer(place).dossier
        # when a notice arrives with that address
        backoffice.obligation_notice_received(
            dossier_id=dossier.pk,
            issuer="Chi cục Thuế",
            notice_number=f"{number}/TB",
            amount=1000,
            items=[],
            external_ref=f"REF-{number}",
            payment_url=given,
        )
        # then only an http(s) address is kept for the applicant's link
        assert FinancialObligation.objects.get(dossier=dossier).payment_url == kept
