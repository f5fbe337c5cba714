"""Issue 5's "Done when", followed as a citizen would live it: someone who registered a phone and
an e-mail address gets the messages of the submission, the reception, the supplement request and
the result through the stand-in SMS gateway (a real process) and a real local SMTP server; texting
"TC <code>" from that phone answers with the status; with the gateway failing for a while, the
messages arrive once it recovers, exactly once each; and a worker process killed while sending
(a real `db_worker` process, on PostgreSQL where it shares the database) duplicates nothing."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from motcua.dossiers.backoffice import dossier_act
from motcua.notifications.models import Notification
from motcua.notifications.services import notification_recover_stalled
from tests.dossiers.backoffice_samples import office, submitted
from tests.notifications.conftest import (
    CHANNELS,
    GATEWAY_PASSWORD,
    GATEWAY_USERNAME,
    INBOUND_SECRET,
    SmsGateway,
    start_sms_standin,
)
from tests.notifications.test_delivery import _run_worker

pytestmark = pytest.mark.django_db(transaction=True)
Status = Notification.Status
STEPS = ["dossier_submitted", "supplement_requested", "dossier_received", "result_ready"]


@pytest.fixture
def gateway(live_server, settings):
    """A stand-in SMS gateway of this test's own, calling this Motcua back for inbound texts;
    SMS go to it through the HTTP channel."""
    process, url = start_sms_standin("--callback-url", f"{live_server.url}/api/v1/sms/inbound")
    settings.SMS_INBOUND_SECRET = INBOUND_SECRET
    settings.SMS_GATEWAY_URL = f"{url}/messages"
    settings.SMS_GATEWAY_USERNAME = GATEWAY_USERNAME
    settings.SMS_GATEWAY_PASSWORD = GATEWAY_PASSWORD
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 5
    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "sms": f"{CHANNELS}.HttpSmsChannel",
    }
    cache.clear()
    yield SmsGateway(url)
    process.terminate()
    process.wait(timeout=10)


def _wait_for_due_retries() -> None:
    """Sleep until every message waiting for a retry is due."""
    latest = max(
        Notification.objects.filter(status=Status.TEMPORARY_FAILURE).values_list(
            "next_attempt_at", flat=True
        ),
        default=None,
    )
    if latest is not None:
        time.sleep(max(0.0, (latest - timezone.now()).total_seconds()) + 0.2)


def test_the_applicant_is_told_at_each_step_by_sms_and_email_even_through_an_outage(
    administrative_units, gateway, smtp_server, settings
):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 1
    # given a citizen who registered a phone and an e-mail address, and an SMS gateway that is
    # down
    place = office()
    citizen = place.applicant
    assert citizen.phone and citizen.email
    gateway.control(fail=True, fail_status=503)

    # when they submit a dossier online and the desk asks for a supplement
    dossier = submitted(place)
    _run_worker()
    document = place.version.documents.order_by("pk").first()
    dossier_act(
        actor=place.officer,
        dossier=dossier.code,
        action="request_supplement",
        payload={"items": [{"document_id": document.pk, "reason": "Bản chụp mờ"}]},
    )
    _run_worker()
    # (meanwhile, the SMS wait for a retry while the e-mails went out)
    sms = Notification.objects.filter(channel="sms", dossier_code=dossier.code)
    assert set(sms.values_list("status", flat=True)) == {Status.TEMPORARY_FAILURE}
    # and they supplement it, the desk receives it, the office handles it and the director signs
    dossier_act(
        actor=citizen, dossier=dossier.code, action="supplement", payload={"note": "Đã bổ sung"}
    )
    dossier_act(actor=place.officer, dossier=dossier.code, action="receive", payload={})
    dossier_act(
        actor=place.head,
        dossier=dossier.code,
        action="assign",
        payload={"assignee": place.specialist.pk},
    )
    dossier_act(actor=place.specialist, dossier=dossier.code, action="forward", payload={})
    dossier_act(actor=place.head, dossier=dossier.code, action="forward", payload={})
    dossier_act(
        actor=place.director,
        dossier=dossier.code,
        action="finish",
        payload={"result_summary": "Giấy chứng nhận số CS 01234"},
    )
    _run_worker()
    # and the gateway comes back, and the worker runs the retries when they are due
    gateway.control(fail=False)
    _wait_for_due_retries()
    _run_worker()

    # then the phone got one SMS per step, in order, each exactly once
    received = list(reversed(gateway.messages(to=citizen.phone)))
    keys = Counter(message["idempotency_key"] for message in received)
    assert set(keys.values()) == {1}, keys
    events = dict(sms.values_list("idempotency_key", "event"))
    assert [events[uuid.UUID(message["idempotency_key"])] for message in received] == STEPS
    assert set(sms.values_list("status", flat=True)) == {Status.DELIVERED}
    texts = [message["text"] for message in received]
    assert texts[0].startswith(f"Ho so {dossier.code} da duoc nop thanh cong")
    assert texts[1].startswith(f"Ho so {dossier.code}") and "bo sung" in texts[1]
    assert texts[2].startswith(f"Ho so {dossier.code} da duoc tiep nhan.")
    assert texts[3].startswith(f"Ho so {dossier.code}") and "ket qua" in texts[3]
    # and the mailbox got one e-mail per step, each exactly once, to their address
    mails = [
        (to, message)
        for to, message in smtp_server.received
        if dossier.code in message["Subject"] + message.get_content()
    ]
    assert [to for to, _message in mails] == [[citizen.email]] * len(STEPS)
    email_events = dict(
        Notification.objects.filter(channel="email", dossier_code=dossier.code).values_list(
            "idempotency_key", "event"
        )
    )
    assert [email_events[uuid.UUID(m["X-Motcua-Notification"])] for _to, m in mails] == STEPS

    # when they text "TC <code>" from that phone
    answer = gateway.text_in(phone=citizen.phone, text=f"TC {dossier.code}")
    assert answer.status_code == 200 and answer.json()["status"] == 200, answer.text
    _run_worker()
    # then the answer, by SMS to that phone, gives the status in one unaccented part
    last = gateway.messages(to=citizen.phone)[0]["text"]
    assert last.startswith(f"HS {dossier.code}: ") and len(last) <= 160
    assert "Da xu ly xong" in last


# --- A worker process killed while sending ------------------------------------------------


def _database_url() -> str:
    database = connection.settings_dict
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    host = database["HOST"] or "localhost"
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"


def _worker(gateway: SmsGateway) -> subprocess.Popen:
    """`motcua db_worker` on the notifications queue, as `make run` starts it, with this test's
    database and gateway."""
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SMS_GATEWAY_URL": f"{gateway.url}/messages",
        "SMS_GATEWAY_USERNAME": GATEWAY_USERNAME,
        "SMS_GATEWAY_PASSWORD": GATEWAY_PASSWORD,
        "SMS_GATEWAY_TIMEOUT_SECONDS": "30",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "db_worker",
            "--queue-name",
            "notifications",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--worker-id",
            f"killed-{os.getpid()}",
        ],
        env={**environment, "DJANGO_SETTINGS_MODULE": "motcua.config.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _until(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_a_worker_process_killed_while_sending_duplicates_no_message(
    administrative_units, gateway, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL (as in CI)")
    # given three received dossiers whose messages wait in the outbox, and a slow gateway
    place = office()
    codes = [submitted(place).code for _ in range(3)]
    gateway.control(delay=3)
    # when a worker process starts sending and is killed (SIGKILL) once the gateway holds the
    # first message but before the gateway answered
    worker = _worker(gateway)
    try:
        _until(lambda: len(gateway.messages()) >= 1, seconds=60, what="the first SMS")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    held = {message["idempotency_key"] for message in gateway.messages()}
    sms = Notification.objects.filter(channel="sms", dossier_code__in=codes)
    assert Status.SENDING in set(sms.values_list("status", flat=True))
    # and the recovery job finds what it was sending, once its time-out has passed, and a new
    # worker process runs on a healthy gateway
    gateway.control(delay=0)
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS + 1)
    assert notification_recover_stalled(now=later)
    Notification.objects.filter(status=Status.TEMPORARY_FAILURE).update(
        next_attempt_at=timezone.now()
    )
    worker = _worker(gateway)
    try:
        _until(
            lambda: set(sms.values_list("status", flat=True)) == {Status.DELIVERED},
            seconds=60,
            what="every SMS delivered",
        )
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    # then the gateway holds each message exactly once, the first ones among them
    keys = Counter(message["idempotency_key"] for message in gateway.messages())
    assert set(keys.values()) == {1}, keys
    assert set(keys) == {str(key) for key in sms.values_list("idempotency_key", flat=True)}
    assert held <= set(keys)
