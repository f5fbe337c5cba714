"""Issue 4's "Done when" through the API only, as a program of the agency would drive it: each
officer with their own bearer token posts the actions, reads the history and the statistics;
the stand-in tax authority runs as a real HTTP service."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from motcua.accounts.models import Role
from motcua.catalog.models import StepKind
from motcua.core.calendar import VIETNAM
from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Dossier, Status
from motcua.dossiers.tasks import apologies_due
from motcua.integrations.models import InterAgencyTransfer
from motcua.integrations.tasks import transfer_send, transfers_poll
from tests.dossiers.backoffice_samples import CHECK, Office, office, submitted
from tests.dossiers.test_api_actions import bearer
from tests.integrations.conftest import _tax_standin_url, tax_authority

pytestmark = pytest.mark.django_db
__all__ = ["_tax_standin_url", "tax_authority"]

# A land procedure's process: the specialist appraises and passes the cadastral data to the tax
# authority (liên thông), the head of the land office reviews, the director signs.
TAX_PROCESS = [
    (
        "Thẩm định hồ sơ, chuyển thông tin địa chính",
        "land",
        Role.SPECIALIST,
        "10",
        [*CHECK, "transfer"],
        StepKind.TRANSFER,
        "tax",
    ),
    (
        "Xem xét, trình ký",
        "land",
        Role.UNIT_HEAD,
        "4",
        ["forward", "return_to_step"],
        StepKind.APPROVE,
    ),
    ("Ký duyệt", "leaders", Role.DIRECTOR, "3", ["finish", "return_to_step"], StepKind.SIGN),
]


def received_long_ago(place: Office, *, days: int = 45) -> tuple[Dossier, datetime]:
    """A dossier submitted, received and assigned to the second specialist `days` ago at 9:00,
    its appointment (17 working days) long past."""
    moment = datetime.combine(timezone.localdate() - timedelta(days=days), time(9), VIETNAM)
    dossier = submitted(place, at=moment)
    dossier_act(actor=place.officer, dossier=dossier.code, action="receive", at=moment)
    dossier = dossier_act(
        actor=place.head,
        dossier=dossier.code,
        action="assign",
        payload={"assignee": place.specialist2.pk},
        at=moment + timedelta(hours=1),
    )
    return dossier, moment


@pytest.fixture
def place(administrative_units, tax_authority) -> Office:
    return office(steps=TAX_PROCESS)


class Api:
    """The agency's program: one bearer token per person."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[int, dict[str, str]] = {}

    def _auth(self, user) -> dict[str, str]:
        if user.pk not in self.tokens:
            self.tokens[user.pk] = bearer(user)
        return self.tokens[user.pk]

    def act(self, user, dossier: Dossier, action: str, *, version: int | None = None, **payload):
        """Post one action with the dossier's current version (as a program that just read it
        would)."""
        if version is None:
            version = current_version(dossier)
        return self.client.post(
            f"/api/v1/dossiers/{dossier.code}/actions",
            json.dumps({"action": action, "version": version, **payload}),
            content_type="application/json",
            **self._auth(user),
        )

    def ok(self, user, dossier: Dossier, action: str, **payload) -> dict:
        response = self.act(user, dossier, action, **payload)
        assert response.status_code == 200, response.content
        return response.json()

    def refused(self, user, dossier, action, status: int, code: str, **payload) -> dict:
        response = self.act(user, dossier, action, **payload)
        assert response.status_code == status, response.content
        body = response.json()
        assert body["code"] == code and body["message"]
        return body

    def get(self, user, path: str, **params) -> dict | list:
        response = self.client.get(f"/api/v1{path}", params, **self._auth(user))
        assert response.status_code == 200, response.content
        return response.json()

    def history(self, user, dossier: Dossier) -> list[dict]:
        return self.get(user, f"/dossiers/{dossier.code}/history")


def current_version(dossier: Dossier) -> int:
    return Dossier.objects.values_list("version", flat=True).get(pk=dossier.pk)


def _day(value: str) -> str:
    return timezone.localtime(parse_datetime(value), VIETNAM).date().isoformat()


def test_issue_4_story_through_the_api(client, place, tax_authority):
    api = Api(client)
    document = place.version.documents.order_by("pk").first()

    # --- 1. the online dossier ---------------------------------------------------------------
    online = submitted(place)
    # the officer asks for a supplement at reception (form 02): status 5
    body = api.ok(
        place.officer,
        online,
        "request_supplement",
        items=[{"document_id": document.pk, "reason": "Bản chụp mờ, không đọc được số thửa"}],
    )
    assert (body["status"], body["national_status_code"]) == (Status.SUPPLEMENT_REQUESTED, 5)
    # the citizen answers: back to reception, status 1
    body = api.ok(place.applicant, online, "supplement", note="Đã nộp bản chụp rõ")
    assert (body["status"], body["national_status_code"]) == (Status.NEW, 1)
    # the officer receives (form 01): at the land office's first step, unassigned, with the
    # appointment and the step's deadline; the answer's version is the one to send next
    body = api.ok(place.officer, online, "receive")
    assert body["version"] == current_version(online)
    assert (body["status"], body["current_unit"], body["assignee"]) == (
        Status.PROCESSING,
        place.land.name,
        None,
    )
    appointment = body["appointment_at"]
    assert body["step_due_at"] < appointment
    # a specialist may not assign; the head may
    api.refused(place.specialist, online, "assign", 403, "forbidden", assignee=place.specialist.pk)
    body = api.ok(place.head, online, "assign", assignee=place.specialist.pk)
    assert body["assignee"] == place.specialist.full_name
    # the specialist transfers it to the tax authority; it cannot move on while it waits
    api.ok(place.specialist, online, "transfer", note="Chuyển thông tin địa chính")
    api.refused(place.specialist, online, "transfer", 409, "already_transferred")
    api.refused(place.specialist, online, "forward", 400, "waiting_transfer")
    # an officer acting on what they read before the transfer is told someone acted first
    stale = current_version(online) - 1
    api.refused(place.head, online, "stop", 409, "stale_version", version=stale, reasons=["x"])

    # the worker sends it (the task as the worker runs it: `db_worker` closes the test's
    # connection on PostgreSQL), the poll brings the notice: status 6, seen by the citizen too
    transfer = InterAgencyTransfer.objects.get(dossier=online)
    assert transfer_send.call(transfer.pk) == InterAgencyTransfer.Status.SENT
    transfers_poll.call()
    mine = api.get(place.applicant, f"/dossiers/{online.code}")
    assert (mine["status"], mine["national_status_code"]) == (Status.FINANCIAL_OBLIGATION, 6)
    # the citizen pays at the tax authority; the next poll resumes the clock
    transfer.refresh_from_db()
    tax_authority.pay(transfer.external_ref)
    transfers_poll.call()
    mine = api.get(place.applicant, f"/dossiers/{online.code}")
    assert (mine["status"], mine["national_status_code"]) == (Status.PROCESSING, 4)
    assert mine["appointment_at"] >= appointment

    # the specialist and the head forward it, the director finishes it: status 9
    assert api.ok(place.specialist, online, "forward")["assignee"] == place.head.full_name
    assert api.ok(place.head, online, "forward")["assignee"] == place.director.full_name
    api.refused(place.head, online, "finish", 403, "forbidden", result_summary="GCN")
    body = api.ok(place.director, online, "finish", result_summary="GCN số CS 01234")
    assert (body["status"], body["national_status_code"]) == (Status.DONE, 9)
    # the officer returns it electronically (status 10) and the citizen rates it, once
    body = api.ok(place.officer, online, "return_result", method="electronic")
    assert (body["status"], body["national_status_code"]) == (Status.RETURNED, 10)
    api.ok(place.applicant, online, "rate", score=5, comment="Nhanh, đúng hẹn")
    api.refused(place.applicant, online, "rate", 409, "already_rated", score=1)

    # the history: staff see every event with who acted; the citizen the public ones only
    staff = api.history(place.officer, online)
    assert [event["action"] for event in staff] == [
        "submit",
        "request_supplement",
        "supplement",
        "receive",
        "forward",
        "assign",
        "transfer",
        "pause",
        "resume",
        "transfer_returned",
        "forward",
        "forward",
        "finish",
        "return_result",
        "rate",
    ]
    assert staff[5]["actor"] == place.head.full_name
    assert staff[7]["data"]["amount"] == 500_000
    public = api.history(place.applicant, online)
    assert "assign" not in [event["action"] for event in public]
    assert {event["actor"] for event in public} == {None}
    # the specialist's note on the transfer stays internal
    assert [event["note"] for event in staff if event["action"] == "transfer"] == [
        "Chuyển thông tin địa chính"
    ]
    assert [event["note"] for event in public if event["action"] == "transfer"] == [""]

    # --- 2. the late dossier -----------------------------------------------------------------
    late, start = received_long_ago(place)
    # the hourly job flags it once; the head issues form 04 with a new date
    assert apologies_due.call() == 1
    new_day = timezone.localdate() + timedelta(days=10)
    api.refused(
        place.specialist2,
        late,
        "apologize",
        403,
        "forbidden",
        reason="Đo đạc lại",
        new_appointment_at=new_day.isoformat(),
    )
    api.refused(
        place.head,
        late,
        "apologize",
        400,
        "invalid",
        reason="Đo đạc lại",
        new_appointment_at=start.date().isoformat(),
    )
    body = api.ok(
        place.head,
        late,
        "apologize",
        reason="Phải đo đạc lại ranh giới thửa đất",
        new_appointment_at=new_day.isoformat(),
    )
    assert _day(body["appointment_at"]) == new_day.isoformat()
    api.refused(
        place.head,
        late,
        "apologize",
        409,
        "apology_exists",
        reason="Lần hai",
        new_appointment_at=(new_day + timedelta(days=1)).isoformat(),
    )
    # the citizen reads the apology and its reason in the history
    apology = api.history(place.applicant, late)[-1]
    assert (apology["action"], apology["note"]) == (
        "apologize",
        "Phải đo đạc lại ranh giới thửa đất",
    )

    # --- 3. the refused dossier --------------------------------------------------------------
    refused = submitted(place)
    api.refused(place.officer, refused, "refuse", 400, "invalid", reasons=[])
    body = api.ok(place.officer, refused, "refuse", reasons=["Không thuộc thẩm quyền của Sở"])
    assert (body["status"], body["national_status_code"]) == (Status.REFUSED, 3)
    api.refused(place.officer, refused, "receive", 400, "action_not_allowed")

    # --- 4. the statistics from the late dossier's day until today ----------------------------
    period = {"from": start.date().isoformat(), "to": timezone.localdate().isoformat()}
    report = api.get(place.director, "/reports/dossiers", agency=place.agency.code, **period)
    totals = report["totals"]
    assert {name: totals[name] for name in EXPECTED} == EXPECTED


# Three submitted; the online one handled early, the late one overdue in progress (form 04's
# date does not make it on time), the third refused at reception.
EXPECTED = {
    "submitted": 3,
    "pending_reception": 0,
    "refused": 1,
    "carried_over": 0,
    "new": 2,
    "received": 2,
    "early": 1,
    "on_time": 0,
    "late": 0,
    "handled": 1,
    "withdrawn": 0,
    "stopped": 0,
    "within_time": 0,
    "overdue": 1,
    "paused": 0,
    "in_progress": 1,
    "on_time_rate": 1.0,
}


def test_the_citizen_reads_form_04s_new_date_through_the_api(client, place):
    # given a late dossier with form 04 (through the engine)
    late, _start = received_long_ago(place)
    new_day = timezone.localdate() + timedelta(days=10)
    dossier_act(
        actor=place.head,
        dossier=late.code,
        action="apologize",
        payload={"reason": "Phải đo đạc lại", "new_appointment_at": new_day.isoformat()},
    )
    # when the citizen's program reads the dossier
    mine = Api(client).get(place.applicant, f"/dossiers/{late.code}")
    # then the date it is promised is form 04's
    promised = mine.get("promised_at") or mine["appointment_at"]
    assert _day(promised) == new_day.isoformat()


def test_a_program_reads_the_version_to_send(client, place):
    dossier = submitted(place)
    mine = Api(client).get(place.applicant, f"/dossiers/{dossier.code}")
    assert mine["version"] == current_version(dossier)
