"""Several workers draining the outbox at once, in real concurrent transactions on PostgreSQL:
each message is claimed by one worker only, and a worker skips the rows another one holds
instead of waiting for them."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from motcua.notifications.models import Notification
from motcua.notifications.services import Recipient, _claim, notifications_send_due, notify
from tests.notifications.samples import SAMPLE_DATA

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite runs one writer at a time, so there is no real race to test; CI runs "
        "this file on PostgreSQL (DATABASE_URL=postgres://...)",
    ),
]
TESTS = "tests.notifications.conftest"


def queue(count: int) -> list[int]:
    with transaction.atomic():
        return [
            notify(
                event="result_ready",
                recipient=Recipient(phone=f"09{number:08d}"),
                data=SAMPLE_DATA,
            )[0].pk
            for number in range(count)
        ]


def test_a_worker_skips_the_messages_another_one_holds(settings):
    # given 20 due messages, 8 of which another worker holds in an open transaction
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.RecordingChannel"}
    ids = queue(20)
    held, released = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(Notification.objects.select_for_update().filter(pk__in=ids[:8]))
                held.set()
                released.wait(timeout=20)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(timeout=10)
        # when this worker claims, it does not wait for them: it takes the twelve others
        claimed = _claim(size=50)
        assert sorted(item.notification.pk for item in claimed) == ids[8:]
    finally:
        released.set()
        holder.join(timeout=30)
    # and the eight are claimed once they are free
    assert sorted(item.notification.pk for item in _claim(size=50)) == ids[:8]


def test_workers_draining_at_once_send_each_message_once(settings, sent):
    settings.NOTIFICATION_CHANNELS = {"sms": f"{TESTS}.SlowChannel"}
    settings.NOTIFICATION_BATCH_SIZE = 5
    ids = queue(30)
    barrier = threading.Barrier(3)
    errors = []

    def drain() -> None:
        try:
            barrier.wait(timeout=10)
            notifications_send_due()
        except BaseException as error:  # checked below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=drain) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert sorted(sent) == ids
    assert set(Notification.objects.values_list("status", flat=True)) == {"delivered"}
