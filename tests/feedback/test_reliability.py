"""Report codes stay unique under concurrent submissions, and a report is kept whatever
happens to the message channel."""

import threading
import time
from datetime import date

import pytest
from django.db import OperationalError, close_old_connections, connection

from motcua.feedback.codes import normalize_code, report_code_next
from motcua.feedback.models import Report
from motcua.notifications.models import Notification
from motcua.notifications.services import notification_send


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_code():
    day = date(2026, 11, 23)
    codes: list[str] = []
    lock = threading.Lock()

    def submit_many():
        try:
            for _ in range(10):
                for _attempt in range(1000):
                    try:
                        code = report_code_next(day=day)
                        break
                    except OperationalError:
                        # SQLite's in-memory test database answers "locked" at once instead
                        # of waiting; PostgreSQL waits on the row lock.
                        time.sleep(0.002)
                with lock:
                    codes.append(code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=submit_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(codes)) == 40
    assert max(codes) == "PA-261123-0040"


@pytest.mark.django_db
def test_report_is_kept_when_the_sms_gateway_is_down(submit, settings):
    # given an SMS channel that fails on every try
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "sms": "tests.notifications.conftest.TemporarilyFailingChannel",
    }
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    # when a report is sent and its message cannot be delivered
    report = submit().report
    sms = Notification.objects.get(event="report_received", channel="sms")
    notification_send(notification_id=sms.pk)
    # then the message failed, and the report is there all the same
    sms.refresh_from_db()
    assert sms.status == Notification.Status.PERMANENT_FAILURE
    assert Report.objects.filter(code=report.code).exists()


def test_normalize_code():
    assert normalize_code(" pa-261123-0007 ") == "PA-261123-0007"
