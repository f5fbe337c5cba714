"""The back-office engine: reception, processing along the internal process, clock rules,
permissions, conflicts and the late-dossier reminder (dossiers/backoffice.py)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from motcua.core.calendar import VIETNAM, add_working_days, due_at, working_time_between
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.dossiers.backoffice import (
    actions_available,
    apologies_due_request,
    dossier_act,
    least_loaded,
    outcome_of,
)
from motcua.dossiers.models import (
    ApologyLetter,
    Dossier,
    Handling,
    Outcome,
    Rating,
    Status,
    SupplementRequest,
)
from motcua.notifications.models import Notification
from tests.dossiers.backoffice_samples import office, submitted

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return datetime(*args, tzinfo=VIETNAM)


@pytest.fixture
def place(administrative_units):
    return office()


def act(user, dossier, action, at=None, **payload):
    return dossier_act(actor=user, dossier=dossier.code, action=action, payload=payload, at=at)


def test_a_dossier_goes_through_the_whole_process(place):
    # Given an online dossier submitted on Monday 2 November 2026 at 09:00
    dossier = submitted(place, at=local(2026, 11, 2, 9))
    # When the receiving officer accepts it at 10:00
    dossier = act(place.officer, dossier, "receive", at=local(2026, 11, 2, 10))
    # Then the legal 17 working days count from reception and it is at the first step
    assert dossier.status == Status.PROCESSING
    assert dossier.appointment_at == due_at(
        local(2026, 11, 2, 10), Decimal(17), "working_days", agency=place.agency
    )
    assert dossier.current_unit == place.land
    assert dossier.current_step.position == 1
    assert dossier.assignee is None  # two specialists: the head chooses
    assert [e.action for e in dossier.events.order_by("pk")] == ["submit", "receive", "forward"]
    # And the applicant is told, by SMS, e-mail and in the app
    assert set(
        Notification.objects.filter(
            dossier_code=dossier.code, event="dossier_received"
        ).values_list("channel", flat=True)
    ) == {"sms", "email", "in_app"}

    # When the head assigns by least load
    dossier = act(place.head, dossier, "assign", assignee="auto", at=local(2026, 11, 2, 11))
    assert dossier.assignee == place.specialist
    # And the specialist asks for a supplement on Tuesday; the applicant answers on Friday
    appointment = dossier.appointment_at
    dossier = act(
        place.specialist,
        dossier,
        "request_supplement",
        at=local(2026, 11, 3, 9),
        items=[{"name": "Bản đồ địa chính", "reason": "Thiếu chữ ký"}],
    )
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    dossier = act(place.applicant, dossier, "supplement", at=local(2026, 11, 6, 9), note="Đã ký")
    # Then it is back with the same specialist and the appointment moved by 3 working days
    assert dossier.status == Status.PROCESSING
    assert dossier.assignee == place.specialist
    assert working_time_between(appointment, dossier.appointment_at) == Decimal(3)
    request = SupplementRequest.objects.get(dossier=dossier)
    assert request.due_before == appointment and request.due_after == dossier.appointment_at

    # When it goes through the head and the director
    dossier = act(place.specialist, dossier, "forward", at=local(2026, 11, 9, 9))
    assert (dossier.current_step.position, dossier.assignee) == (2, place.head)
    dossier = act(place.head, dossier, "forward", at=local(2026, 11, 10, 9))
    assert (dossier.current_step.position, dossier.assignee) == (3, place.director)
    dossier = act(
        place.director, dossier, "finish", at=local(2026, 11, 11, 9), result_summary="GCN số 1"
    )
    assert dossier.status == Status.DONE
    assert dossier.current_unit == place.desk
    dossier = act(place.officer, dossier, "return_result", at=local(2026, 11, 12, 9))
    assert dossier.status == Status.RETURNED
    act(place.applicant, dossier, "rate", score=5, comment="Nhanh")

    # Then the control sheet has one line per hand-off, all early
    lines = list(Handling.objects.filter(dossier=dossier).order_by("pk"))
    assert [line.step.position if line.step else None for line in lines] == [None, 1, 2, 3, None]
    assert all(line.completed_at for line in lines)
    assert {line.outcome for line in lines[1:4]} == {Outcome.EARLY}
    assert Rating.objects.get(dossier=dossier).score == 5


def test_after_15_00_the_time_counts_from_the_next_working_morning(place):
    dossier = submitted(place, at=local(2026, 11, 2, 14))
    dossier = act(place.officer, dossier, "receive", at=local(2026, 11, 2, 15, 30))
    assert dossier.appointment_at == add_working_days(local(2026, 11, 3, 7), 17)


def test_a_supplement_at_reception_returns_the_dossier_to_reception(place):
    dossier = submitted(place)
    dossier = act(
        place.officer,
        dossier,
        "request_supplement",
        items=[{"name": "Tờ khai", "reason": "Sai số thửa"}],
    )
    assert dossier.status == Status.SUPPLEMENT_REQUESTED
    dossier = act(place.applicant, dossier, "supplement", note="Đã sửa số thửa")
    assert dossier.status == Status.NEW
    assert SupplementRequest.objects.get(dossier=dossier).answered_at is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "items"),
        ({"items": [{"name": "Tờ khai"}]}, "items.0.reason"),
        ({"items": [{"reason": "x"}]}, "items.0.name"),
        ({"items": "x"}, "items"),
    ],
)
def test_a_supplement_request_must_say_what_and_why(place, payload, field):
    dossier = submitted(place)
    with pytest.raises(InvalidInput) as error:
        act(place.officer, dossier, "request_supplement", **payload)
    assert error.value.field == field


def test_a_refusal_needs_reasons(place):
    dossier = submitted(place)
    with pytest.raises(InvalidInput) as error:
        act(place.officer, dossier, "refuse")
    assert error.value.field == "reasons"
    dossier = act(place.officer, dossier, "refuse", reasons=["Không thuộc thẩm quyền"])
    assert dossier.status == Status.REFUSED


def test_roles_units_state_and_step_are_checked(place):
    dossier = submitted(place)
    with pytest.raises(PermissionDenied):
        act(place.specialist, dossier, "receive")
    with pytest.raises(InvalidInput) as error:
        act(place.officer, dossier, "finish", result_summary="x")
    assert error.value.code == "action_not_allowed"
    dossier = act(place.officer, dossier, "receive")
    dossier = act(place.head, dossier, "assign", assignee=place.specialist.pk)
    with pytest.raises(PermissionDenied):  # not the assignee
        act(place.specialist2, dossier, "forward")
    with pytest.raises(InvalidInput) as error:  # step 1 does not allow finishing
        act(place.specialist, dossier, "finish", result_summary="x")
    assert error.value.code == "action_not_allowed"
    with pytest.raises(InvalidInput) as error:  # the director is not a land specialist
        act(place.head, dossier, "assign", assignee=place.director.pk)
    assert error.value.field == "assignee"


def test_a_stale_version_is_a_conflict(place):
    dossier = submitted(place)
    seen = dossier.version
    dossier_act(actor=place.officer, dossier=dossier.code, action="receive", version=seen)
    with pytest.raises(Conflict) as error:
        dossier_act(
            actor=place.officer,
            dossier=dossier.code,
            action="refuse",
            version=seen,
            payload={"reasons": ["x"]},
        )
    assert error.value.code == "stale_version"


def test_return_to_an_earlier_step_goes_back_to_its_handler(place):
    dossier = submitted(place)
    dossier = act(place.officer, dossier, "receive")
    dossier = act(place.head, dossier, "assign", assignee=place.specialist2.pk)
    dossier = act(place.specialist2, dossier, "forward")
    with pytest.raises(InvalidInput):
        act(place.head, dossier, "return_to_step")  # a reason is required
    dossier = act(place.head, dossier, "return_to_step", reason="Thiếu biên bản")
    assert (dossier.current_step.position, dossier.assignee) == (1, place.specialist2)


def test_a_financial_obligation_stops_the_clock(place):
    dossier = submitted(place)
    dossier = act(place.officer, dossier, "receive", at=local(2026, 11, 2, 8))
    dossier = act(place.head, dossier, "assign", assignee=place.specialist.pk)
    before = dossier.appointment_at
    dossier = act(
        place.specialist,
        dossier,
        "pause",
        at=local(2026, 11, 4, 8),
        amount=1250000,
        notice_number="TB-01",
    )
    assert dossier.status == Status.FINANCIAL_OBLIGATION
    dossier = act(place.officer, dossier, "resume", at=local(2026, 11, 5, 8), payment_ref="BL1")
    assert dossier.status == Status.PROCESSING
    assert working_time_between(before, dossier.appointment_at) == Decimal(1)


def test_the_applicant_withdraws_online_with_a_reason(place):
    dossier = submitted(place)
    dossier = act(place.officer, dossier, "receive")
    with pytest.raises(InvalidInput):
        act(place.applicant, dossier, "withdraw")
    dossier = act(place.applicant, dossier, "withdraw", reason="Nộp nhầm thủ tục")
    assert dossier.status == Status.WITHDRAWN
    assert dossier.current_unit is None
    assert not Handling.objects.filter(dossier=dossier, completed_at__isnull=True).exists()


def test_a_late_dossier_asks_the_head_once_and_form_04_moves_the_promise(place):
    dossier = submitted(place)
    dossier = act(place.officer, dossier, "receive", at=local(2026, 11, 2, 8))
    now = dossier.appointment_at - timedelta(hours=2)
    assert apologies_due_request(now=now) == 1
    assert apologies_due_request(now=now) == 0
    assert Notification.objects.filter(event="apology_needed", user=place.head).exists()
    with pytest.raises(InvalidInput) as error:
        act(place.head, dossier, "apologize", reason="Chờ ý kiến", new_appointment_at="2026-01-01")
    assert error.value.field == "new_appointment_at"
    new_date = (dossier.appointment_at + timedelta(days=7)).date().isoformat()
    dossier = act(
        place.head, dossier, "apologize", reason="Chờ ý kiến", new_appointment_at=new_date
    )
    assert dossier.promised_at.date().isoformat() == new_date
    assert ApologyLetter.objects.filter(dossier=dossier).count() == 1
    with pytest.raises(Conflict):
        act(place.head, dossier, "apologize", reason="x", new_appointment_at=new_date)


def test_the_outcome_is_compared_by_date():
    due = local(2026, 11, 2, 17)
    assert outcome_of(local(2026, 11, 1, 23), due) == Outcome.EARLY
    assert outcome_of(local(2026, 11, 2, 22), due) == Outcome.ON_TIME
    assert outcome_of(local(2026, 11, 3, 7), due) == Outcome.LATE


def test_least_load_picks_the_specialist_holding_fewer_dossiers(place):
    first = act(place.officer, submitted(place), "receive")
    act(place.head, first, "assign", assignee=place.specialist.pk)
    assert least_loaded(place.land.pk, "specialist") == place.specialist2


def test_actions_available_follow_role_and_step(place):
    dossier = submitted(place)
    assert {spec.name for spec in actions_available(dossier=dossier, user=place.officer)} >= {
        "receive",
        "refuse",
        "request_supplement",
    }
    assert actions_available(dossier=dossier, user=place.specialist) == []
    dossier = act(place.officer, dossier, "receive")
    dossier = Dossier.objects.get(pk=dossier.pk)
    names = {spec.name for spec in actions_available(dossier=dossier, user=place.head)}
    assert {"assign", "forward", "stop", "apologize"} <= names
    assert "finish" not in names


# --- Deadlines around Tết 2026 (holidays Saturday 14 to Sunday 22 February), by hand ----------


@pytest.fixture
def five_day_office(administrative_units):
    return office(processing_time="5")


def test_five_working_days_from_before_tet_end_after_it(five_day_office):
    place = five_day_office
    dossier = submitted(place, at=local(2026, 2, 12, 9))
    # Received Thursday 12/2 at 10:00: Fri 13 (1), Mon 23 (2), Tue 24 (3), Wed 25 (4), Thu 26 (5)
    dossier = act(place.officer, dossier, "receive", at=local(2026, 2, 12, 10))
    assert dossier.appointment_at == local(2026, 2, 26, 10)


def test_received_after_15_00_on_the_last_day_before_tet(five_day_office):
    place = five_day_office
    dossier = submitted(place, at=local(2026, 2, 13, 14))
    # Friday 13/2 at 15:30 counts from Monday 23/2 07:00; five whole days end Friday 27/2 17:00
    dossier = act(place.officer, dossier, "receive", at=local(2026, 2, 13, 15, 30))
    assert dossier.appointment_at == local(2026, 2, 27, 17)


def test_a_supplement_over_tet_moves_the_appointment_by_working_days_only(place):
    dossier = submitted(place, at=local(2026, 2, 9, 8))
    dossier = act(place.officer, dossier, "receive", at=local(2026, 2, 9, 9))
    dossier = act(place.head, dossier, "assign", assignee=place.specialist.pk)
    before = dossier.appointment_at
    dossier = act(
        place.specialist,
        dossier,
        "request_supplement",
        at=local(2026, 2, 11, 9),
        items=[{"name": "Sơ đồ thửa đất", "reason": "Thiếu"}],
    )
    # Wed 11/2 09:00 to Tue 24/2 09:00 is four working days: 11→12, 13, 23, 24
    dossier = act(place.applicant, dossier, "supplement", at=local(2026, 2, 24, 9), note="Đã nộp")
    assert working_time_between(before, dossier.appointment_at) == Decimal(4)
    # 17 working days from Monday 9/2 09:00: 10-13 Feb (4), 23-27 Feb (9), 2-6 Mar (14),
    # 9-11 Mar (17): Wednesday 11/3 09:00; plus the 4 days waited: 12, 13, 16, 17 March
    assert before == local(2026, 3, 11, 9)
    assert dossier.appointment_at == local(2026, 3, 17, 9)
