"""SMS through the HTTP gateway channel, against the stand-in gateway running as a process:
answers mapped to delivery states, the idempotency key, and exactly once when a worker dies."""

import time
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from motcua.notifications.channels import HttpSmsChannel
from motcua.notifications.models import Notification, NotificationAttempt
from motcua.notifications.services import (
    Recipient,
    notification_recover_stalled,
    notification_send,
    notifications_send_due,
    notify,
)
from motcua.notifications.sms_standin import sms_parts
from tests.notifications.conftest import GATEWAY_PASSWORD, GATEWAY_USERNAME
from tests.notifications.samples import CODE, SAMPLE_DATA
from tests.notifications.test_delivery import _run_worker

Status = Notification.Status
Outcome = NotificationAttempt.Outcome
TESTS = "tests.notifications.test_sms_gateway"


class WorkerKilled(BaseException):
    """What a killed process looks like from inside: nothing after it runs."""


class DyingSmsChannel(HttpSmsChannel):
    """Hands the message to the gateway, then the worker dies before recording it."""

    def send(self, notification):
        super().send(notification)
        raise WorkerKilled


class DyingMidBatchSmsChannel(HttpSmsChannel):
    """Hands two messages to the gateway, then the worker dies before recording anything."""

    sent = 0

    def send(self, notification):
        super().send(notification)
        DyingMidBatchSmsChannel.sent += 1
        if DyingMidBatchSmsChannel.sent == 2:
            raise WorkerKilled


def _sms(recipient) -> Notification:
    [sms] = notify(
        event="result_ready",
        recipient=recipient,
        data=SAMPLE_DATA,
        dossier_code=CODE,
        channels=["sms"],
    )
    return sms


# --- The stand-in itself ------------------------------------------------------------------


def test_the_standin_stores_a_key_once_and_answers_with_the_first_id(sms_gateway):
    post = dict(
        auth=(GATEWAY_USERNAME, GATEWAY_PASSWORD),
        json={"to": "0912345678", "from": "MOTCUA", "text": "Ho so da co ket qua"},
    )
    url = sms_gateway.url + "/messages"
    first = requests.post(url, headers={"Idempotency-Key": "k1"}, timeout=5, **post)
    again = requests.post(url, headers={"Idempotency-Key": "k1"}, timeout=5, **post)
    other = requests.post(url, headers={"Idempotency-Key": "k2"}, timeout=5, **post)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"] != other.json()["id"]
    assert [m["idempotency_key"] for m in sms_gateway.messages()] == ["k2", "k1"]
    page = requests.get(sms_gateway.url + "/", timeout=5)
    assert "Ho so da co ket qua" in page.text and page.headers["Content-Type"].startswith(
        "text/html"
    )


def test_the_standin_refuses_strangers_bad_numbers_and_bad_control_values(sms_gateway):
    url = sms_gateway.url
    text = {"to": "0912345678", "text": "x"}
    assert requests.post(f"{url}/messages", json=text, timeout=5).status_code == 401
    wrong = requests.post(f"{url}/messages", json=text, auth=("tests", "nope"), timeout=5)
    assert wrong.status_code == 401
    bad_number = sms_gateway._call("post", "/messages", json={"to": "12", "text": "x"})
    assert bad_number.status_code == 400 and bad_number.json()["field"] == "to"
    assert sms_gateway._call("post", "/_control", json={"delay": -1}).status_code == 400
    assert sms_gateway._call("post", "/_control", data=b"[").status_code == 400
    assert sms_gateway.messages() == []


def test_sms_parts_count_ascii_and_unicode_texts():
    assert [sms_parts("a" * n) for n in (160, 161, 306, 307)] == [1, 2, 2, 3]
    assert [sms_parts("ă" * n) for n in (70, 71, 134, 135)] == [1, 2, 2, 3]


# --- The channel ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_sms_reaches_the_gateway_with_its_idempotency_key(sms_gateway, recipient, settings):
    settings.SMS_SENDER_NAME = "STNMT"
    sms = _sms(recipient)
    notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert sms.status == Status.DELIVERED
    [message] = sms_gateway.messages()
    assert message["to"] == "0912345678" and message["from"] == "STNMT"
    assert message["text"] == sms.body
    assert message["idempotency_key"] == str(sms.idempotency_key)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("control", "status", "outcome"),
    [
        ({"fail": True, "fail_status": 503}, Status.TEMPORARY_FAILURE, Outcome.TEMPORARY_FAILURE),
        ({"fail": True, "fail_status": 500}, Status.TEMPORARY_FAILURE, Outcome.TEMPORARY_FAILURE),
        ({"fail": True, "fail_status": 429}, Status.TEMPORARY_FAILURE, Outcome.TEMPORARY_FAILURE),
        ({"fail": True, "fail_status": 400}, Status.PERMANENT_FAILURE, Outcome.PERMANENT_FAILURE),
        ({"fail": True, "fail_status": 422}, Status.PERMANENT_FAILURE, Outcome.PERMANENT_FAILURE),
        ({"fail": True, "fail_status": 401}, Status.TECHNICAL_FAILURE, Outcome.TECHNICAL_FAILURE),
    ],
)
def test_gateway_answers_map_to_delivery_states(sms_gateway, recipient, control, status, outcome):
    # given a gateway answering with an error
    sms_gateway.control(**control)
    sms = _sms(recipient)
    # when the message is sent
    notification_send(notification_id=sms.pk)
    # then 5xx and throttling are retried later, other 4xx are given up, bad credentials wait
    # for an operator
    sms.refresh_from_db()
    assert sms.status == status and str(control["fail_status"]) in sms.last_error
    assert [a.outcome for a in sms.delivery_attempts.all()] == [outcome]


@pytest.mark.django_db
def test_an_unreachable_gateway_is_a_temporary_failure(recipient, settings):
    settings.NOTIFICATION_CHANNELS = {"sms": "motcua.notifications.channels.HttpSmsChannel"}
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/messages"  # discard port: nobody listens
    sms = _sms(recipient)
    notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert sms.status == Status.TEMPORARY_FAILURE and "tổng đài SMS" in sms.last_error


@pytest.mark.django_db
def test_a_timed_out_send_is_retried_and_stored_once(sms_gateway, recipient, settings):
    # given a gateway that stores the message but answers after our timeout
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 0.3
    sms_gateway.control(delay=0.8)
    sms = _sms(recipient)
    notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert sms.status == Status.TEMPORARY_FAILURE
    # when the gateway is fast again and the retry runs
    sms_gateway.control(delay=0)
    notification_send(notification_id=sms.pk)
    # then the message is delivered, and the gateway holds it once
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.DELIVERED, 2)
    assert len(sms_gateway.messages()) == 1


@pytest.mark.django_db(transaction=True)
def test_messages_recorded_while_the_gateway_fails_arrive_once_it_recovers(
    sms_gateway, recipient, settings
):
    # given a gateway down while two dossiers are notified, and retries due a second later
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 1
    sms_gateway.control(fail=True)
    first = _sms(recipient)
    [second] = notify(
        event="dossier_received", recipient=recipient, data=SAMPLE_DATA, channels=["sms"]
    )
    _run_worker()
    assert {n.status for n in Notification.objects.filter(channel="sms")} == {
        Status.TEMPORARY_FAILURE
    }
    # when it comes back and the worker runs the retries, once they are due
    sms_gateway.control(fail=False)
    time.sleep(1.1)
    _run_worker()
    # then each message arrived exactly once
    keys = sorted(m["idempotency_key"] for m in sms_gateway.messages())
    assert keys == sorted([str(first.idempotency_key), str(second.idempotency_key)])
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.DELIVERED}


# --- A worker that dies mid-send -----------------------------------------------------------


@pytest.mark.django_db
def test_a_message_whose_worker_died_mid_send_is_sent_again_and_stored_once(
    sms_gateway, recipient, settings
):
    # given a worker that handed the SMS to the gateway and died before recording it
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.DyingSmsChannel"}
    sms = _sms(recipient)
    with pytest.raises(WorkerKilled):
        notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert sms.status == Status.SENDING and len(sms_gateway.messages()) == 1
    # when the recovery job runs before the timeout, nothing happens: it may still be sending
    assert notification_recover_stalled() == []
    # and when it runs after the timeout, with a healthy worker
    settings.NOTIFICATION_CHANNELS = {"sms": "motcua.notifications.channels.HttpSmsChannel"}
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS + 1)
    assert notification_recover_stalled(now=later) == [sms.pk]
    sms.refresh_from_db()
    assert sms.status == Status.TEMPORARY_FAILURE
    notification_send(notification_id=sms.pk)
    # then the message is delivered, with the same key, and the gateway stored it once
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.DELIVERED, 2)
    [message] = sms_gateway.messages()
    assert message["idempotency_key"] == str(sms.idempotency_key)
    outcomes = list(sms.delivery_attempts.values_list("outcome", flat=True))
    assert outcomes == [Outcome.TEMPORARY_FAILURE, Outcome.DELIVERED]


@pytest.mark.django_db
def test_a_stalled_message_out_of_attempts_is_given_up(recipient, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    sms = _sms(recipient)
    Notification.objects.filter(pk=sms.pk).update(status=Status.SENDING, attempts=1)
    NotificationAttempt.objects.create(
        notification=sms, started_at=timezone.now() - timedelta(hours=1)
    )
    assert notification_recover_stalled() == []
    sms.refresh_from_db()
    assert sms.status == Status.PERMANENT_FAILURE


@pytest.mark.django_db
def test_a_worker_killed_mid_batch_does_not_duplicate_a_message(sms_gateway, settings):
    # given five SMS due, and a worker that dies after handing two of them to the gateway
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.DyingMidBatchSmsChannel"}
    DyingMidBatchSmsChannel.sent = 0
    ids = [
        notify(
            event="result_ready",
            recipient=Recipient(phone=f"091234567{number}"),
            data=SAMPLE_DATA,
            channels=["sms"],
        )[0].pk
        for number in range(5)
    ]
    with pytest.raises(WorkerKilled):
        notifications_send_due()
    assert len(sms_gateway.messages()) == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENDING}
    # when the recovery job finds them stalled and a healthy worker runs
    settings.NOTIFICATION_CHANNELS = {"sms": "motcua.notifications.channels.HttpSmsChannel"}
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS + 1)
    assert sorted(notification_recover_stalled(now=later)) == ids
    Notification.objects.update(next_attempt_at=timezone.now())
    assert notifications_send_due() == 5
    # then the gateway holds each message once, and each is delivered
    keys = sorted(m["idempotency_key"] for m in sms_gateway.messages())
    assert keys == sorted(str(n.idempotency_key) for n in Notification.objects.all())
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.DELIVERED}
