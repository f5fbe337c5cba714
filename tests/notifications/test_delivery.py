"""Delivery by the worker: a rolled-back change sends nothing, a committed one always sends, at
most once; due messages go in batches, most urgent first; temporary failures are retried with
exponential back-off, then given up; a gateway that is down or slow does not hold a batch."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from motcua.notifications.models import Notification, NotificationAttempt
from motcua.notifications.services import (
    Recipient,
    notification_send,
    notifications_send_due,
    notify,
    retry_delay,
)
from motcua.notifications.tasks import notifications_deliver
from tests.notifications.conftest import CHANNELS
from tests.notifications.samples import CODE, SAMPLE_DATA

Status = Notification.Status
TESTS = "tests.notifications.conftest"


def _run_worker() -> None:
    call_command(
        "db_worker",
        queue_name="notifications",
        batch=True,
        startup_delay=False,
        reload=False,
        interval=0,
        worker_id="notifications-test",
        verbosity=0,
    )


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing_and_a_committed_one_is_sent_by_the_worker(
    recipient, settings
):
    # given a change that notifies and then rolls back
    with transaction.atomic():
        notify(event="dossier_received", recipient=recipient, data=SAMPLE_DATA, dossier_code="X")
        transaction.set_rollback(True)
    # and one that commits, while no worker runs
    with transaction.atomic():
        notify(event="dossier_received", recipient=recipient, data=SAMPLE_DATA, dossier_code=CODE)
    assert not Notification.objects.filter(dossier_code="X").exists()
    # when a worker starts afterwards
    _run_worker()
    # then the committed change's SMS and e-mail were sent, once each, and nothing else
    assert Notification.objects.filter(dossier_code=CODE, status=Status.DELIVERED).count() == 3
    assert [message.to for message in mail.outbox] == [["lan@example.vn"]]
    lines = Path(settings.NOTIFICATIONS_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and "\tsms\t0912345678\t" + CODE in lines[0]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db
def test_a_notification_is_delivered_at_most_once_when_the_task_runs_twice(recipient):
    # given an e-mail waiting in the outbox
    [email] = notify(
        event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["email"]
    )
    # when the delivery task runs twice, and the message is sent once more by id
    assert notifications_deliver.call() == 1
    assert notifications_deliver.call() == 0
    notification_send(notification_id=email.pk)
    # then it was sent once
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == email.subject and message.body == email.body
    assert message.extra_headers["X-Motcua-Notification"] == str(email.idempotency_key)
    email.refresh_from_db()
    assert email.status == Status.DELIVERED
    assert email.attempts == 1 and email.sent_at and email.delivered_at
    [attempt] = email.delivery_attempts.all()
    assert attempt.outcome == NotificationAttempt.Outcome.DELIVERED and attempt.finished_at


@pytest.mark.django_db
def test_one_delivery_task_per_transaction_sends_all_its_messages(recipient):
    # given a change that tells the applicant twice (six messages, three of them in the app)
    with transaction.atomic():
        notify(event="dossier_received", recipient=recipient, data=SAMPLE_DATA)
        notify(event="supplement_requested", recipient=recipient, data=SAMPLE_DATA)
    # then one delivery task waits on the notifications queue, and it sends all four
    [task] = DBTaskResult.objects.all()
    assert (task.queue_name, task.task_path) == (
        "notifications",
        "motcua.notifications.tasks.notifications_deliver",
    )
    assert notifications_deliver.call() == 4
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_message_another_worker_is_sending_is_left_alone(recipient):
    [sms] = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["sms"])
    Notification.objects.filter(pk=sms.pk).update(status=Status.SENDING)
    notification_send(notification_id=sms.pk)
    assert not NotificationAttempt.objects.exists()


@pytest.mark.django_db
def test_temporary_failures_are_retried_with_back_off_then_given_up(recipient, settings):
    # given an SMS gateway that keeps timing out, and three tries allowed
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "sms": f"{TESTS}.TemporarilyFailingChannel",
    }
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    [sms] = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["sms"])
    waits = []
    for expected_attempts in (1, 2):
        # when it is sent
        before = set(DBTaskResult.objects.values_list("pk", flat=True))
        notification_send(notification_id=sms.pk)
        # then the message waits for another try, with a delivery task enqueued for then
        sms.refresh_from_db()
        assert (sms.status, sms.attempts) == (Status.TEMPORARY_FAILURE, expected_attempts)
        assert sms.last_error == "gateway timeout"
        [retry] = DBTaskResult.objects.exclude(pk__in=before)
        assert retry.queue_name == "notifications" and retry.run_after == sms.next_attempt_at
        waits.append(retry.run_after - retry.enqueued_at)
        # and it is not due before then
        assert notifications_send_due() == 0
    # the wait doubles: 60 s, then 120 s
    assert [round(wait.total_seconds()) for wait in waits] == [60, 120]
    # and after the third failure the message is given up, with no further task
    tasks = DBTaskResult.objects.count()
    notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.PERMANENT_FAILURE, 3)
    assert DBTaskResult.objects.count() == tasks
    outcomes = list(sms.delivery_attempts.values_list("outcome", flat=True))
    assert outcomes == ["temporary_failure"] * 3


def test_retry_delay_doubles_from_the_base(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    assert [retry_delay(n) for n in (1, 2, 3, 6)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(seconds=960),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel_class", "status"),
    [
        (f"{TESTS}.PermanentlyFailingChannel", Status.PERMANENT_FAILURE),
        (f"{TESTS}.BrokenChannel", Status.TECHNICAL_FAILURE),
        (f"{CHANNELS}.NoSuchChannel", Status.TECHNICAL_FAILURE),
    ],
)
def test_failures_that_a_retry_cannot_fix_are_not_retried(
    recipient, settings, channel_class, status
):
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS, "sms": channel_class}
    [sms] = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["sms"])
    tasks = DBTaskResult.objects.count()
    notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert sms.status == status and sms.attempts == 1 and sms.last_error
    assert DBTaskResult.objects.count() == tasks


@pytest.mark.django_db
def test_a_channel_missing_from_settings_is_a_technical_failure(recipient, settings):
    settings.NOTIFICATION_CHANNELS = {"email": f"{CHANNELS}.DjangoEmailChannel"}
    [sms] = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["sms"])
    notification_send(notification_id=sms.pk)
    sms.refresh_from_db()
    assert sms.status == Status.TECHNICAL_FAILURE and "sms" in sms.last_error


@pytest.mark.django_db
def test_with_a_backend_that_cannot_delay_a_retry_waits_for_an_operator(recipient, settings):
    # given the immediate task backend (no run_after) and a failing gateway
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "notifications"],
        }
    }
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "sms": f"{TESTS}.TemporarilyFailingChannel",
    }
    # when a message is recorded (and delivered at once)
    [sms] = notify(event="result_ready", recipient=Recipient(phone="0912345678"), data=SAMPLE_DATA)
    # then it is tried once, not in a loop
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.TEMPORARY_FAILURE, 1)
