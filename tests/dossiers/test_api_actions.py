"""API contract of the back office: POST /api/v1/dossiers/{code}/actions answers 200, 400, 401,
403, 404 and 409 as issue 4 says, and GET .../history shows staff everything, the owner only the
public events without internal notes."""

from __future__ import annotations

import json

import pytest

from motcua.accounts.services import api_token_issue
from motcua.dossiers.models import Dossier, DossierEvent, Status
from tests.dossiers.backoffice_samples import office, submitted
from tests.dossiers.samples import citizen
from tests.factories import AgencyFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(administrative_units):
    return office()


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user).raw}"}


def post_action(client, user, code: str, body: dict | str, *, auth: dict | None = None):
    return client.post(
        f"/api/v1/dossiers/{code}/actions",
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        **(bearer(user) if auth is None else auth),
    )


def act(client, user, dossier: Dossier, action: str, **payload):
    """One action with the dossier's current version, as a program that just read it would."""
    version = Dossier.objects.get(pk=dossier.pk).version
    return post_action(
        client, user, dossier.code, {"action": action, "version": version, **payload}
    )


def history(client, user, code: str):
    return client.get(f"/api/v1/dossiers/{code}/history", **bearer(user))


def assert_error(response, status: int, *, field: str | None = None, code: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert body["message"]
    if field is not None:
        assert body["field"] == field
    if code is not None:
        assert body["code"] == code
    return body


# --- 200 ------------------------------------------------------------------------------------


def test_a_receiving_officer_receives_and_gets_the_new_status_and_version(client, place):
    # given a new online dossier
    dossier = submitted(place)
    before = dossier.version
    # when the receiving officer posts "receive" with the version they read
    response = act(client, place.officer, dossier, "receive")
    # then 200 with the dossier at the first step (received, then forwarded: two transitions)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["code"] == dossier.code
    assert body["status"] == Status.PROCESSING
    assert body["national_status_code"] == 4
    assert body["version"] == before + 2 == Dossier.objects.get(pk=dossier.pk).version
    assert body["current_unit"] == place.land.name
    assert body["appointment_at"] and body["step_due_at"]


def test_the_returned_version_is_the_one_to_send_next(client, place):
    dossier = submitted(place)
    first = act(client, place.officer, dossier, "receive").json()
    # when the head assigns with the version the previous answer gave
    response = post_action(
        client,
        place.head,
        dossier.code,
        {"action": "assign", "version": first["version"], "assignee": place.specialist.pk},
    )
    # then it is accepted and the version moves on by one
    assert response.status_code == 200, response.content
    assert response.json()["version"] == first["version"] + 1
    assert response.json()["assignee"] == place.specialist.full_name


# --- 400 ------------------------------------------------------------------------------------


def test_an_action_not_allowed_in_the_state_is_400_naming_action(client, place):
    # given a new dossier: nothing is processing yet
    dossier = submitted(place)
    # when the officer tries to return a result
    response = act(client, place.officer, dossier, "return_result")
    # then 400 action_not_allowed on the field "action", and nothing changed
    assert_error(response, 400, field="action", code="action_not_allowed")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.NEW


def test_an_action_the_current_step_does_not_list_is_400(client, place):
    dossier = submitted(place)
    act(client, place.officer, dossier, "receive")
    act(client, place.head, dossier, "assign", assignee=place.specialist.pk)
    # step 1 (thẩm định) does not allow "finish"
    response = act(client, place.specialist, dossier, "finish", result_summary="GCN")
    assert_error(response, 400, field="action", code="action_not_allowed")


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("refuse", {}, "reasons"),
        ("refuse", {"reasons": [""]}, "reasons"),
        ("refuse", {"reasons": [1]}, "reasons.0"),
        ("request_supplement", {}, "items"),
        ("request_supplement", {"items": [{"name": "Tờ khai"}]}, "items.0.reason"),
        ("request_supplement", {"items": [{"reason": "Thiếu"}]}, "items.0.name"),
        ("withdraw", {}, "reason"),
        ("receive", {"note": ["not", "text"]}, "note"),
    ],
)
def test_a_missing_or_malformed_field_is_400_naming_it(client, place, action, payload, field):
    dossier = submitted(place)
    user = place.applicant if action == "withdraw" else place.officer
    response = act(client, user, dossier, action, **payload)
    assert_error(response, 400, field=field)
    assert Dossier.objects.get(pk=dossier.pk).status == Status.NEW
    assert not DossierEvent.objects.filter(dossier=dossier).exclude(action="submit").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 1}, "action"),
        ({"action": "receive"}, "version"),
        ({"action": "receive", "version": "one"}, "version"),
        ({"action": "receive", "version": -1}, "version"),
        ({"action": "fly", "version": 1}, "action"),
        ({"action": "x" * 51, "version": 1}, "action"),
    ],
)
def test_a_malformed_body_is_400_naming_the_field(client, place, body, field):
    dossier = submitted(place)
    assert_error(post_action(client, place.officer, dossier.code, body), 400, field=field)


@pytest.mark.parametrize("raw", ["", "{", "[]", '"receive"', "null"])
def test_a_body_that_is_not_a_json_object_is_400(client, place, raw):
    dossier = submitted(place)
    assert_error(post_action(client, place.officer, dossier.code, raw), 400)


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("assign", {"assignee": 10**30}, "assignee"),
        ("assign", {"assignee": -(10**30)}, "assignee"),
        ("assign", {"assignee": "12a"}, "assignee"),
        ("assign", {"assignee": [1]}, "assignee"),
        ("consult", {"unit": 10**30, "question": "?"}, "unit"),
        ("return_to_step", {"reason": "x", "step": 10**30}, "step"),
        ("apologize", {"reason": "x", "new_appointment_at": "31/12/2026"}, "new_appointment_at"),
        ("apologize", {"reason": "x", "new_appointment_at": 20261231}, "new_appointment_at"),
    ],
)
def test_odd_numbers_and_dates_are_400_never_500(client, place, action, payload, field):
    dossier = submitted(place)
    act(client, place.officer, dossier, "receive")
    user = place.specialist if action in {"consult", "return_to_step"} else place.head
    if user == place.specialist:
        act(client, place.head, dossier, "assign", assignee=place.specialist.pk)
    assert_error(act(client, user, dossier, action, **payload), 400, field=field)


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity", "NaN", "1e400", "4" * 30])
def test_numbers_json_allows_but_no_field_holds_are_400(client, place, literal):
    # Python's json, which reads the API's bodies, accepts Infinity and NaN as numbers.
    dossier = submitted(place)
    act(client, place.officer, dossier, "receive")
    version = Dossier.objects.get(pk=dossier.pk).version
    response = post_action(
        client,
        place.head,
        dossier.code,
        f'{{"action": "assign", "version": {version}, "assignee": {literal}}}',
    )
    assert_error(response, 400, field="assignee")


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+07:00", "2999-01-01"]
)
def test_an_appointment_beyond_the_calendar_is_400_not_500(client, place, moment):
    dossier = submitted(place)
    act(client, place.officer, dossier, "receive")
    response = act(
        client, place.head, dossier, "apologize", reason="Chờ ý kiến", new_appointment_at=moment
    )
    assert_error(response, 400, field="new_appointment_at")
    assert Dossier.objects.get(pk=dossier.pk).rescheduled_appointment_at is None


# --- 401, 403, 404 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [{}, {"HTTP_AUTHORIZATION": "Bearer mct_not-a-token"}, {"HTTP_AUTHORIZATION": "Basic eA=="}],
)
def test_without_valid_credentials_it_is_401(client, place, auth):
    dossier = submitted(place)
    response = post_action(
        client, None, dossier.code, {"action": "receive", "version": dossier.version}, auth=auth
    )
    assert_error(response, 401)
    assert client.get(f"/api/v1/dossiers/{dossier.code}/history", **auth).status_code == 401
    assert Dossier.objects.get(pk=dossier.pk).status == Status.NEW


def test_staff_of_the_agency_without_the_role_get_403(client, place):
    dossier = submitted(place)
    # a specialist cannot receive at the desk
    assert_error(act(client, place.specialist, dossier, "receive"), 403, field="action")
    act(client, place.officer, dossier, "receive")
    act(client, place.head, dossier, "assign", assignee=place.specialist.pk)
    # the second specialist is not the assignee; the receiving officer is not the head
    assert_error(act(client, place.specialist2, dossier, "forward"), 403, field="action")
    assert_error(act(client, place.officer, dossier, "assign", assignee=place.specialist2.pk), 403)


def test_a_head_of_another_unit_of_the_agency_gets_403(client, place):
    other_unit = UnitFactory(agency=place.agency, code="CCMT", name="Chi cục Bảo vệ môi trường")
    other_head = StaffFactory(agency=place.agency)
    other_head.staff_roles.create(unit=other_unit, role="unit_head")
    dossier = submitted(place)
    act(client, place.officer, dossier, "receive")
    response = act(client, other_head, dossier, "assign", assignee=place.specialist.pk)
    assert_error(response, 403)


def test_the_applicant_cannot_act_for_the_agency(client, place):
    dossier = submitted(place)
    assert_error(act(client, place.applicant, dossier, "receive"), 403)


def test_another_agencys_officer_and_another_citizen_get_404(client, place):
    dossier = submitted(place)
    foreign_agency = AgencyFactory(code="H48.01", name="Sở Nông nghiệp và Môi trường TP Đà Nẵng")
    foreign_desk = UnitFactory(agency=foreign_agency, code="MC", is_one_stop_desk=True)
    foreign_officer = StaffFactory(agency=foreign_agency)
    foreign_officer.staff_roles.create(unit=foreign_desk, role="receiving_officer")
    stranger = citizen()
    for user in (foreign_officer, stranger):
        assert_error(act(client, user, dossier, "receive"), 404, field="code")
        assert_error(history(client, user, dossier.code), 404, field="code")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.NEW


@pytest.mark.parametrize("code", ["H56.14-000000-0000", "nope", "%20", "x" * 300])
def test_an_unknown_code_is_404(client, place, code):
    response = post_action(client, place.officer, code, {"action": "receive", "version": 1})
    assert_error(response, 404)
    assert_error(history(client, place.officer, code), 404)


# --- 409 ------------------------------------------------------------------------------------


def test_a_stale_version_is_409_and_changes_nothing(client, place):
    dossier = submitted(place)
    seen = dossier.version
    # given two officers who opened the dossier at the same version; the first receives
    first = post_action(client, place.officer, dossier.code, {"action": "receive", "version": seen})
    assert first.status_code == 200
    events = DossierEvent.objects.filter(dossier=dossier).count()
    # when the second refuses with the version they saw
    response = post_action(
        client,
        place.officer,
        dossier.code,
        {"action": "refuse", "version": seen, "reasons": ["Không thuộc thẩm quyền"]},
    )
    # then 409 stale_version on "version", and the first one's work stands
    assert_error(response, 409, field="version", code="stale_version")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.PROCESSING
    assert DossierEvent.objects.filter(dossier=dossier).count() == events


def test_a_second_apology_is_409(client, place):
    dossier = submitted(place)
    act(client, place.officer, dossier, "receive")
    appointment = Dossier.objects.get(pk=dossier.pk).appointment_at
    new_date = appointment.date().replace(year=appointment.year + 1).isoformat()
    ok = act(client, place.head, dossier, "apologize", reason="Chờ", new_appointment_at=new_date)
    assert ok.status_code == 200, ok.content
    again = act(
        client, place.head, dossier, "apologize", reason="Lần hai", new_appointment_at=new_date
    )
    assert_error(again, 409, code="apology_exists")


# --- History --------------------------------------------------------------------------------


def _processed_with_internal_notes(client, place) -> Dossier:
    dossier = submitted(place)
    act(client, place.officer, dossier, "receive")
    act(client, place.head, dossier, "assign", assignee=place.specialist.pk)
    act(client, place.specialist, dossier, "inspect", findings="Ranh giới thửa đất lệch 2 m")
    act(client, place.specialist, dossier, "forward", note="Đề nghị trình ký")
    act(client, place.head, dossier, "return_to_step", reason="Bổ sung biên bản đo đạc")
    act(
        client,
        place.specialist,
        dossier,
        "request_supplement",
        items=[{"name": "Bản đồ địa chính", "reason": "Thiếu chữ ký"}],
        note="Nộp lại bản có chữ ký",
    )
    return dossier


def test_staff_read_every_event_with_notes_and_actors(client, place):
    dossier = _processed_with_internal_notes(client, place)
    response = history(client, place.head, dossier.code)
    assert response.status_code == 200
    events = response.json()
    actions = [event["action"] for event in events]
    assert actions == list(
        DossierEvent.objects.filter(dossier=dossier)
        .order_by("occurred_at", "pk")
        .values_list("action", flat=True)
    )
    assert {"assign", "inspect", "return_to_step"} <= set(actions)
    by_action = {event["action"]: event for event in events}
    assert by_action["inspect"]["note"] == "Ranh giới thửa đất lệch 2 m"
    assert by_action["return_to_step"]["note"] == "Bổ sung biên bản đo đạc"
    assert by_action["assign"]["actor"] == place.head.full_name
    assert by_action["assign"]["data"]["assignee"] == place.specialist.pk
    assert all(event["action_label"] and event["status_label"] for event in events)


def test_the_owner_reads_public_events_without_internal_notes(client, place):
    dossier = _processed_with_internal_notes(client, place)
    response = history(client, place.applicant, dossier.code)
    assert response.status_code == 200
    events = response.json()
    actions = [event["action"] for event in events]
    # then internal steps (assignment, inspection, return to a step) are not there at all
    assert not {"assign", "inspect", "return_to_step"} & set(actions)
    assert actions[:3] == ["submit", "receive", "forward"]
    # and no public event carries an officer's internal note, name or data
    text = json.dumps(events, ensure_ascii=False)
    for secret in ("Ranh giới", "Đề nghị trình ký", "biên bản đo đạc", place.head.full_name):
        assert secret not in text
    assert all(event["actor"] is None and event["data"] == {} for event in events)
    # but the reasons written for the applicant are
    supplement = next(event for event in events if event["action"] == "request_supplement")
    assert supplement["note"] == "Nộp lại bản có chữ ký"
