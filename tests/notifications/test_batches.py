"""The worker sends due messages in batches: most urgent first, each claimed once however many
workers run, and a batch never outlives the sending timeout nor hammers a gateway that is down."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.notifications.models import Notification, NotificationAttempt
from motcua.notifications.services import (
    Recipient,
    _claim,
    _record,
    _send_claimed,
    notification_recover_stalled,
    notifications_send_due,
    notify,
)
from tests.notifications.conftest import CHANNELS
from tests.notifications.samples import SAMPLE_DATA

pytestmark = pytest.mark.django_db
Status = Notification.Status
TESTS = "tests.notifications.conftest"


def queue(count: int, *, urgent: bool = False) -> list[int]:
    ids = []
    with transaction.atomic():
        for number in range(count):
            [sms] = notify(
                event="result_ready",
                recipient=Recipient(phone=f"09{number:08d}"),
                data=SAMPLE_DATA,
                urgent=urgent,
            )
            ids.append(sms.pk)
    return ids


@pytest.fixture
def recording(settings, sent):
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.RecordingChannel"}
    settings.NOTIFICATION_BATCH_SIZE = 10
    return sent


def test_due_messages_go_in_batches_until_none_is_due_most_urgent_first(recording):
    # given 25 messages waiting, then 2 urgent ones (one-time codes)
    normal = queue(25)
    urgent = queue(2, urgent=True)
    # and one due later (a retry after its back-off)
    Notification.objects.filter(pk=normal[-1]).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    # when the worker delivers what is due
    assert notifications_send_due() == 26
    # then the urgent ones went first, then the others in the order they were recorded
    assert recording == urgent + normal[:-1]
    assert Notification.objects.filter(status=Status.DELIVERED).count() == 26
    assert NotificationAttempt.objects.filter(outcome="delivered").count() == 26
    # and the one not due yet waits, untried
    assert Notification.objects.get(pk=normal[-1]).status == Status.CREATED


def test_a_message_claimed_by_one_worker_is_not_claimed_by_another(recording):
    queue(15)
    first = _claim(size=10)
    second = _claim(size=10)
    assert len(first) == 10 and len(second) == 5
    assert not {c.notification.pk for c in first} & {c.notification.pk for c in second}
    assert _claim(size=10) == []


def test_a_gateway_that_is_down_is_tried_three_times_then_left_until_later(settings):
    # given an SMS gateway that times out, and 10 messages due
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.TemporarilyFailingChannel"}
    ids = queue(10)
    before = set(DBTaskResult.objects.values_list("pk", flat=True))
    # when the worker runs
    assert notifications_send_due() == 3
    # then three were tried and wait for their retry; the seven others were not even tried
    messages = Notification.objects.filter(pk__in=ids).order_by("pk")
    tried, untried = list(messages[:3]), list(messages[3:])
    assert {(m.status, m.attempts) for m in tried} == {(Status.TEMPORARY_FAILURE, 1)}
    assert {(m.status, m.attempts, m.sent_at) for m in untried} == {(Status.CREATED, 0, None)}
    assert NotificationAttempt.objects.count() == 3
    # all wait about a minute, with a delivery task enqueued for then
    later = timezone.now() + timedelta(seconds=50)
    assert all(m.next_attempt_at > later for m in messages)
    new_tasks = DBTaskResult.objects.exclude(pk__in=before)
    assert new_tasks and all(task.run_after > later for task in new_tasks)


def test_a_batch_stops_before_half_the_sending_timeout(settings, sent):
    # given a slow gateway (50 ms a message) and a sending timeout of 0.3 s
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.SlowChannel"}
    settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS = 0.3
    queue(10)
    # when one batch of ten is claimed and sent
    claimed = _claim(size=10)
    _send_claimed(claimed)
    _record(claimed)
    # then it stopped after about 0.15 s: the rest is back to waiting, its try not counted
    delivered = Notification.objects.filter(status=Status.DELIVERED).count()
    assert 2 <= delivered <= 5 and len(sent) == delivered
    waiting = Notification.objects.filter(status=Status.CREATED)
    assert waiting.count() == 10 - delivered
    assert {m.attempts for m in waiting} == {0}
    assert not Notification.objects.filter(status=Status.SENDING).exists()


# Committed transactions (a worker's): one transaction enqueues one delivery task.
@pytest.mark.django_db(transaction=True)
def test_a_drain_hands_over_to_a_new_task_after_its_time(recording):
    queue(25)
    before = DBTaskResult.objects.count()
    # with no time left, one batch is sent and another task is enqueued for the rest
    assert notifications_send_due(seconds=0) == 10
    assert DBTaskResult.objects.count() == before + 1
    assert notifications_send_due() == 15


@pytest.mark.django_db(transaction=True)
def test_the_recovery_job_also_enqueues_a_delivery_for_due_messages_without_a_task(
    recording, settings
):
    # given due messages whose delivery task was lost (a crashed run)
    queue(3)
    DBTaskResult.objects.all().delete()
    # when the minute job runs
    assert notification_recover_stalled() == []
    # then a delivery task waits again
    assert DBTaskResult.objects.filter(queue_name="notifications").count() == 1


def test_with_the_immediate_backend_each_message_is_sent_at_once(settings, sent):
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "notifications"],
        }
    }
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.RecordingChannel"}
    ids = queue(3)
    assert sent == ids


def test_the_console_channel_is_the_development_default(settings, recipient):
    settings.NOTIFICATION_CHANNELS = {"sms": f"{CHANNELS}.ConsoleChannel"}
    [sms] = notify(event="result_ready", recipient=recipient, data=SAMPLE_DATA, channels=["sms"])
    notifications_send_due()
    sms.refresh_from_db()
    assert sms.status == Status.DELIVERED
