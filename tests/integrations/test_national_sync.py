"""Dossier sync with the national portal (SPEC §9), over real HTTP against a local recording
server: one message per event, in order, exactly once, retried after a network failure."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Attachment, Dossier
from motcua.integrations.models import NationalSyncMessage
from motcua.integrations.national import (
    national_dossier_payload,
    national_sync_resend,
    national_sync_retry_due,
)
from motcua.integrations.tasks import national_sync_send
from tests.dossiers.backoffice_samples import office, submitted

M = NationalSyncMessage
API_KEY = "national-portal-test-key"
SUBMITTED_AT = datetime(2025, 11, 24, 1, 30, tzinfo=UTC)  # 08:30 in Vietnam
RECEIVED_AT = SUBMITTED_AT + timedelta(hours=2)


@dataclass
class Portal:
    """A stand-in national portal: records every request, answers with the queued statuses
    first (e.g. 503 while "down"), then 200."""

    url: str = ""
    requests: list[dict] = field(default_factory=list)
    answers: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, body: str = "", times: int = 1) -> None:
        with self.lock:
            self.answers.extend([(status, body)] * times)

    def paths(self) -> list[str]:
        return [request["path"] for request in self.requests if request["status"] == 200]


@pytest.fixture
def portal(settings) -> Iterator[Portal]:
    state = Portal()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                status, text = state.answers.pop(0) if state.answers else (200, '{"ok": true}')
                state.requests.append(
                    {
                        "path": self.path,
                        "api_key": self.headers.get("X-API-Key"),
                        "idempotency_key": self.headers.get("Idempotency-Key"),
                        "body": body,
                        "status": status,
                    }
                )
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    settings.NATIONAL_PORTAL_URL = state.url
    settings.NATIONAL_PORTAL_API_KEY = API_KEY
    settings.NATIONAL_PORTAL_TIMEOUT_SECONDS = 5
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def place(administrative_units):
    return office()


def _submitted_and_received(place) -> Dossier:
    dossier = submitted(place, at=SUBMITTED_AT)
    dossier_act(actor=place.officer, dossier=dossier.code, action="receive", at=RECEIVED_AT)
    return Dossier.objects.get(pk=dossier.pk)


def _send_all() -> None:
    for message in M.objects.order_by("pk"):
        national_sync_send.call(message.pk)


# The real worker closes the database connection when it stops: on PostgreSQL that needs a
# test with real transactions rather than one wrapped in the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_submission_and_reception_reach_the_portal_in_order_exactly_once(place, portal):
    # Given a dossier submitted online and then received by the one-stop officer
    dossier = _submitted_and_received(place)

    # Then a create and update messages wait, one per event (reception hands the dossier on to
    # the first step of the process at once: "forward")
    messages = list(M.objects.order_by("pk"))
    assert [(m.kind, m.status) for m in messages] == [
        ("create", "pending"),
        ("update", "pending"),
        ("update", "pending"),
    ]
    assert [m.event.action for m in messages] == ["submit", "receive", "forward"]

    # When the worker runs
    call_command(
        "db_worker", queue_name="integrations", batch=True, startup_delay=False, reload=False
    )

    # Then the portal got the create first, then the progress, with the key and idempotency keys
    progress = f"/api/dossiers/{dossier.code}/progress"
    assert portal.paths() == ["/api/dossiers", progress, progress]
    assert {request["api_key"] for request in portal.requests} == {API_KEY}
    assert [request["idempotency_key"] for request in portal.requests] == [
        str(m.idempotency_key) for m in messages
    ]
    assert set(M.objects.values_list("status", flat=True)) == {"sent"}

    # When the send tasks run again (a duplicate delivery of the queue)
    _send_all()
    call_command(
        "db_worker", queue_name="integrations", batch=True, startup_delay=False, reload=False
    )

    # Then nothing more is sent
    assert len(portal.requests) == 3


@pytest.mark.django_db
def test_the_payload_carries_codes_dates_attachments_and_history(place, portal):
    # Given a submitted dossier whose attachment was digitized from paper and one reused
    dossier = submitted(place, at=SUBMITTED_AT)
    attachments = list(dossier.attachments.order_by("pk"))
    assert attachments, "the sample dossier has attachments"
    Attachment.objects.filter(pk=attachments[0].pk).update(is_digitized=True)
    if len(attachments) > 1:
        Attachment.objects.filter(pk=attachments[1].pk).update(
            is_reused=True, reused_from="Kho dữ liệu công dân"
        )
    # When it is received
    dossier_act(actor=place.officer, dossier=dossier.code, action="receive", at=RECEIVED_AT)
    create, update, forward = M.objects.order_by("pk")

    # Then the create carries status 1 and the update status 2, dates in Vietnam time
    assert create.payload["status_code"] == 1
    assert create.payload["dates"]["submitted"] == "20251124083000"
    assert create.payload["dossier_code"] == dossier.code
    assert create.payload["procedure_code"] == place.version.procedure.code
    assert create.payload["channel"] == "online"
    assert create.payload["owner"]["id_number"] == dossier.applicant_id_number
    assert create.payload["receiving_unit"]["code"] == place.agency.code
    payload = update.payload
    assert payload["status_code"] == 2
    assert payload["dates"]["received"] == "20251124103000"
    appointment = Dossier.objects.get(pk=dossier.pk).appointment_at
    assert len(payload["dates"]["appointment"]) == 14
    assert payload["dates"]["appointment"] == appointment.astimezone(
        ZoneInfo("Asia/Ho_Chi_Minh")
    ).strftime("%Y%m%d%H%M%S")
    assert payload["dates"]["finished"] == payload["dates"]["returned"] == ""
    # And the attachments with their flags
    flags = [(a["is_digitized"], a["is_reused"]) for a in payload["attachments"]]
    assert flags[0] == (True, False)
    if len(attachments) > 1:
        assert flags[1] == (False, True)
        assert payload["attachments"][1]["reused_from"] == "Kho dữ liệu công dân"
    # And the history up to this event, with who did what when
    assert [(h["action"], h["time"]) for h in payload["history"]] == [
        ("submit", "20251124083000"),
        ("receive", "20251124103000"),
    ]
    assert payload["history"][1]["handler"] == place.officer.get_full_name()
    # And the hand-off to the first step carries that step's deadline
    assert forward.payload["status_code"] == Dossier.objects.get(pk=dossier.pk).national_status_code
    handed_on = forward.payload["history"][-1]
    assert handed_on["action"] == "forward"
    assert len(handed_on["step_deadline"]) == 14 and handed_on["step_deadline"] > "20251124103000"
    assert isinstance(payload["fees"], list)
    assert payload["supplements"] == [] and payload["results"] == []


@pytest.mark.django_db
def test_nothing_is_recorded_without_a_portal_address(place, settings):
    # Given no portal configured
    settings.NATIONAL_PORTAL_URL = ""
    # When a dossier is submitted and received
    _submitted_and_received(place)
    # Then no message is recorded
    assert not M.objects.exists()


@pytest.mark.django_db
def test_a_portal_down_leaves_the_message_pending_and_a_later_run_sends_it(place, portal):
    # Given a portal that answers 503 once
    portal.fail_next(503, "Service Unavailable")
    dossier = submitted(place, at=SUBMITTED_AT)
    message = M.objects.get()

    # When the send task runs
    assert national_sync_send.call(message.pk) == "pending"

    # Then the message stays pending with the error and a retry time
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "503" in message.last_error
    assert message.next_attempt_at is not None

    # When the dossier is received meanwhile, its update waits behind the create
    dossier_act(actor=place.officer, dossier=dossier.code, action="receive", at=RECEIVED_AT)
    # And the periodic job runs once the back-off is over
    M.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    assert national_sync_retry_due() == 1

    # Then the create is sent first, then the updates, each once
    progress = f"/api/dossiers/{dossier.code}/progress"
    assert portal.paths() == ["/api/dossiers", progress, progress]
    assert list(M.objects.order_by("pk").values_list("status", "attempts")) == [
        ("sent", 2),
        ("sent", 1),
        ("sent", 1),
    ]
    _send_all()
    assert len(portal.paths()) == 3


@pytest.mark.django_db
def test_a_refusal_fails_the_message_and_holds_the_later_ones_until_resent(place, portal):
    # Given a portal that refuses the first message
    portal.fail_next(400, '{"error": "Mã thủ tục không tồn tại"}')
    dossier = _submitted_and_received(place)
    create, update, _forward = M.objects.order_by("pk")

    # When the send tasks run
    _send_all()

    # Then the create is failed with the portal's answer, and the update has not been sent
    create.refresh_from_db()
    update.refresh_from_db()
    assert create.status == "failed"
    assert "400" in create.last_error and "Mã thủ tục không tồn tại" in create.last_error
    assert update.status == "pending" and update.attempts == 0
    assert portal.paths() == []

    # When an operator sends it again and the task runs
    national_sync_resend(actor=place.officer, message=create)
    national_sync_send.call(create.pk)

    # Then all are delivered, in order
    progress = f"/api/dossiers/{dossier.code}/progress"
    assert portal.paths() == ["/api/dossiers", progress, progress]
    assert set(M.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_the_payload_is_built_in_a_bounded_number_of_queries(place, portal):
    # Given a received dossier with a history of several events
    dossier = _submitted_and_received(place)
    event = dossier.events.order_by("-pk").first()
    # When its payload is built, then the queries do not grow with its attachments or history
    with CaptureQueriesContext(connection) as queries:
        payload = national_dossier_payload(dossier, event)
    assert len(payload["history"]) == 3
    assert len(queries) <= 10
