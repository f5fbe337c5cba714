"""Property-based test of the back-office engine on the real database: random sequences of
actions, by random people of the office, with valid and invalid payloads, never leave the
lifecycle's graph, never lose history, and fail without changing anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from django.db.models import Max
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from motcua.accounts.models import Role
from motcua.catalog.models import StepKind
from motcua.core.calendar import VIETNAM
from motcua.core.errors import DomainError
from motcua.core.models import AuditEntry
from motcua.dossiers.backoffice import (
    ACTIONS,
    actions_available,
    dossier_act,
    obligation_notice_received,
    obligation_paid,
    transfer_returned,
)
from motcua.dossiers.lifecycle import FINAL, can_transition
from motcua.dossiers.models import (
    Consultation,
    Dossier,
    DossierEvent,
    FinancialObligation,
    Handling,
    ReturnMethod,
    Status,
    SupplementRequest,
)
from motcua.dossiers.services import attachment_upload
from motcua.notifications.models import Notification
from tests.dossiers.backoffice_samples import CHECK, Office, office, submitted
from tests.dossiers.samples import citizen, upload

pytestmark = pytest.mark.django_db

S = Status
START = datetime(2026, 11, 2, 8, tzinfo=VIETNAM)  # a Monday morning
ACTORS = [
    "officer",
    "specialist",
    "specialist2",
    "head",
    "director",
    "applicant",
    "stranger",
    "system",
]
ACTION_NAMES = sorted(ACTIONS)
# The steered rule prefers the actions that carry a dossier to its result, then anything but
# the early endings (withdraw, refuse, stop), then anything; drawn in these proportions.
PROGRESS = frozenset(
    {"receive", "assign", "forward", "finish", "return_result", "rate", "supplement", "resume"}
)
PREFERENCES = {
    "progress": PROGRESS,
    "going on": frozenset(ACTIONS) - {"withdraw", "refuse", "stop"},
    "anything": frozenset(ACTIONS),
}
MODES = ("progress",) * 5 + ("going on",) * 3 + ("anything",)
# Statuses whose clock stands still (SPEC §3.6); status 5 only once the legal time runs, that
# is when the supplement was asked during processing (at reception nothing counts yet).
PAUSED = frozenset({S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION})
# How many control-sheet lines are open in each status (None: depends on the supplement stage).
OPEN_LINES = {
    S.NEW: 0,
    S.RECEIVED: 1,
    S.PROCESSING: 1,
    S.SUPPLEMENT_REQUESTED: None,
    S.FINANCIAL_OBLIGATION: 1,
    S.DONE: 1,
    **{status: 0 for status in FINAL},
}

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
# Values that no field expects, as JSON can carry them (Python's json reads Infinity, NaN).
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.sampled_from(["9999-12-31T23:00:00-05:00", "0001-01-01", "2026-02-30", "1e400"]),
    st.text(max_size=8).filter(lambda text: "\x00" not in text),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=2),
    st.dictionaries(st.sampled_from(["name", "reason"]), st.integers(), max_size=2),
)
FIELDS = [
    "note",
    "reason",
    "reasons",
    "items",
    "assignee",
    "step",
    "unit",
    "question",
    "days",
    "consultation",
    "answer",
    "findings",
    "date",
    "amount",
    "notice_number",
    "payment_ref",
    "attachment_ids",
    "result_summary",
    "method",
    "new_appointment_at",
    "score",
    "comment",
    "forward",
]


@dataclass(frozen=True)
class Snapshot:
    """Everything an action may change, to compare before and after."""

    dossier: tuple
    events: tuple
    handlings: tuple
    related: tuple
    audit: int
    notifications: int

    @classmethod
    def of(cls, dossier_id: int) -> Snapshot:
        dossier = Dossier.objects.filter(pk=dossier_id)
        newest = {
            name: Max("pk")
            for name in ("transfers", "supplement_requests", "consultations", "attachments")
        }
        return cls(
            dossier=dossier.annotate(**{f"last_{name}": agg for name, agg in newest.items()})
            .values_list(
                "status",
                "version",
                "paused_at",
                "appointment_at",
                "rescheduled_appointment_at",
                "current_step_id",
                "current_unit_id",
                "current_role",
                "assignee_id",
                "waiting_on",
                "apology__pk",
                "rating__pk",
                *(f"last_{name}" for name in newest),
            )
            .get(),
            events=tuple(
                DossierEvent.objects.filter(dossier_id=dossier_id)
                .order_by("pk")
                .values_list("pk", "action", "from_status", "to_status", "note", "occurred_at")
            ),
            handlings=tuple(
                Handling.objects.filter(dossier_id=dossier_id)
                .order_by("pk")
                .values_list("pk", "unit_id", "handler_id", "due_at", "completed_at", "outcome")
            ),
            # Rows an action updates in place: answered requests and consultations, paid
            # obligations, attachments taken into the dossier.
            related=(
                tuple(
                    SupplementRequest.objects.filter(dossier_id=dossier_id)
                    .order_by("pk")
                    .values_list("pk", "answered_at")
                ),
                tuple(
                    Consultation.objects.filter(dossier_id=dossier_id)
                    .order_by("pk")
                    .values_list("pk", "answered_at")
                ),
                tuple(
                    FinancialObligation.objects.filter(dossier_id=dossier_id)
                    .order_by("pk")
                    .values_list("pk", "paid_at")
                ),
            ),
            audit=AuditEntry.objects.aggregate(last=Max("sequence"))["last"] or 0,
            notifications=Notification.objects.aggregate(last=Max("pk"))["last"] or 0,
        )

    @property
    def version(self) -> int:
        return self.dossier[1]


class BackOffice(RuleBasedStateMachine):
    """One dossier of the office per example; each rule is one call into the engine."""

    place: Office  # set by the test before the machine runs

    def __init__(self):
        super().__init__()
        self.clock = START
        self.dossier_id = submitted(self.place, at=self.clock).pk
        self._read: Dossier | None = None
        self._offers: tuple[int, list[tuple[str, str]]] | None = None
        self.people = {
            "officer": self.place.officer,
            "specialist": self.place.specialist,
            "specialist2": self.place.specialist2,
            "head": self.place.head,
            "director": self.place.director,
            "applicant": self.place.applicant,
            "stranger": self.stranger,
            "system": None,
        }

    stranger = None

    # --- Payloads -------------------------------------------------------------------------

    def _dossier(self) -> Dossier:
        """The dossier as the last engine call left it (read once per step: the checks are
        many and the database is the slow part of this test)."""
        if self._read is None:
            self._read = Dossier.objects.select_related("agency").get(pk=self.dossier_id)
        return self._read

    def _offered(self) -> list[tuple[str, str]]:
        """(person, action) pairs the engine offers now; asked again only once the dossier
        changed (most steps fail and change nothing)."""
        dossier = self._dossier()
        if self._offers is None or self._offers[0] != dossier.version:
            pairs = [
                (name, spec.name)
                for name in ACTORS
                for spec in actions_available(dossier=dossier, user=self.people[name])
            ]
            self._offers = (dossier.version, pairs)
        return self._offers[1]

    def _upload(self, user) -> list[int]:
        if user is None:
            return []
        return [attachment_upload(actor=user, uploaded_file=upload("bo-sung.pdf")).pk]

    def _valid_payload(self, data, action: str, user) -> dict[str, Any]:
        """A payload that a careful caller would send for `action` now (it may still fail: the
        state, the step or the role decide)."""
        place, text = self.place, data.draw(TEXT)
        if action == "receive":
            return data.draw(st.sampled_from([{}, {"forward": False}, {"note": text}]))
        if action in ("refuse", "stop"):
            return {"reasons": [text]}
        if action == "request_supplement":
            document = place.version.documents.order_by("pk").first()
            return data.draw(
                st.sampled_from(
                    [
                        {"items": [{"name": text, "reason": text}], "note": text},
                        {"items": [{"document_id": document.pk, "reason": text}]},
                    ]
                )
            )
        if action == "assign":
            people = [place.specialist.pk, place.specialist2.pk, place.head.pk, "auto"]
            return {"assignee": data.draw(st.sampled_from(people))}
        if action == "forward":
            return data.draw(st.sampled_from([{}, {"note": text}]))
        if action == "return_to_step":
            step = data.draw(st.sampled_from([None, 1, 2]))
            return {"reason": text, **({"step": step} if step else {})}
        if action == "consult":
            unit = data.draw(st.sampled_from([place.leaders, place.desk, place.land]))
            return {"unit": unit.pk, "question": text, "days": data.draw(st.integers(1, 10))}
        if action == "answer_consultation":
            open_ = self._dossier().consultations.filter(answered_at__isnull=True).last()
            return {"consultation": open_.pk if open_ else 0, "answer": text}
        if action == "inspect":
            files = self._upload(user) if data.draw(st.booleans()) else []
            return {"findings": text, "attachment_ids": files}
        if action == "pause":
            return {"amount": data.draw(st.integers(0, 10**9)), "notice_number": text}
        if action == "resume":
            return {"payment_ref": text}
        if action == "withdraw":
            return {"reason": text}
        if action == "supplement":
            files = self._upload(user) if data.draw(st.booleans()) else []
            return {"note": text if not files else "", "attachment_ids": files}
        if action == "finish":
            files = self._upload(user) if data.draw(st.booleans()) else []
            return {"result_summary": text, "attachment_ids": files}
        if action == "return_result":
            return {"method": data.draw(st.sampled_from(ReturnMethod.values))}
        if action == "apologize":
            dossier = self._dossier()
            base = dossier.promised_at or self.clock
            days = data.draw(st.integers(-3, 30))
            return {"reason": text, "new_appointment_at": (base + timedelta(days=days)).date()}
        if action == "rate":
            return {"score": data.draw(st.integers(1, 5)), "comment": text}
        return {}

    def _junk_payload(self, data) -> Any:
        return data.draw(
            st.one_of(
                st.dictionaries(st.sampled_from(FIELDS), JUNK, max_size=4),
                st.lists(st.integers(), max_size=2),
                st.text(max_size=5),
            )
        )

    # --- Acting and checking ----------------------------------------------------------------

    def _tick(self, data) -> datetime:
        self.clock += timedelta(hours=data.draw(st.integers(0, 60), label="hours later"))
        return self.clock

    def _perform(self, call, *, action: str) -> None:
        """Run one engine call; compare the dossier before and after."""
        before = Snapshot.of(self.dossier_id)
        try:
            result = call()
        except DomainError:
            self._read = None
            assert Snapshot.of(self.dossier_id) == before, f"failed {action} changed data"
            return
        self._read = None
        after = Snapshot.of(self.dossier_id)
        if result is None:  # a callback that did not apply
            assert after == before
            return
        # the history only grows: the old events are there, unchanged, and new ones follow
        assert after.events[: len(before.events)] == before.events
        new = after.events[len(before.events) :]
        assert new, f"{action} succeeded without an event"
        # each transition bumps the version once; a rating is appended without one
        assert after.version - before.version == sum(1 for e in new if e[1] != "rate")
        assert after.audit - before.audit >= len(new)  # one audit entry per change at least
        if action in ACTIONS:
            assert new[0][1] == action
            assert [e[1] for e in new[1:]] in ([], ["forward"])  # receive goes on to step 1

    def _version(self, data) -> int | None:
        current = self._dossier().version
        return data.draw(st.sampled_from([None, current, current - 1, current + 1]))

    @rule(data=st.data())
    def act_as_someone_allowed(self, data):
        """Someone does one of the actions the engine offers them now, with a good payload;
        mostly one that keeps the dossier going, so that examples reach the later steps."""
        offered = self._offered()
        mode = data.draw(st.sampled_from(MODES), label="mode")
        names = list(PREFERENCES)
        for wanted in names[names.index(mode) :]:
            chosen = [pair for pair in offered if pair[1] in PREFERENCES[wanted]]
            if chosen:
                break
        else:
            return  # a final status: nobody may do anything
        name, action = data.draw(st.sampled_from(chosen), label="who and what")
        user = self.people[name]
        payload = self._valid_payload(data, action, user)
        at = self._tick(data)
        self._perform(
            lambda: dossier_act(
                actor=user, dossier=self._dossier(), action=action, payload=payload, at=at
            ),
            action=action,
        )

    @rule(data=st.data())
    def act_with_a_good_payload(self, data):
        """Anyone tries any action with a well-formed payload and any version."""
        user = self.people[data.draw(st.sampled_from(ACTORS), label="actor")]
        action = data.draw(st.sampled_from(ACTION_NAMES), label="action")
        payload = self._valid_payload(data, action, user)
        version = self._version(data)
        at = self._tick(data)
        self._perform(
            lambda: dossier_act(
                actor=user,
                dossier=self._dossier().code,
                action=action,
                payload=payload,
                version=version,
                at=at,
            ),
            action=action,
        )

    @rule(data=st.data())
    def act_with_anything(self, data):
        """Anyone sends anything: unknown actions, payloads of the wrong shape, odd values."""
        user = self.people[data.draw(st.sampled_from(ACTORS), label="actor")]
        action = data.draw(st.sampled_from([*ACTION_NAMES, "fly", ""]), label="action")
        payload = self._junk_payload(data)
        version = self._version(data)
        at = self._tick(data)
        self._perform(
            lambda: dossier_act(
                actor=user,
                dossier=self._dossier().code,
                action=action,
                payload=payload,
                version=version,
                at=at,
            ),
            action=action,
        )

    @precondition(lambda self: self._waits_for_another_agency())
    @rule(data=st.data())
    def the_other_agency_answers(self, data):
        """Callbacks of the tax authority: an obligation notice, its payment, or a plain
        answer; each may come at any time, repeated."""
        at = self._tick(data)
        kind = data.draw(st.sampled_from(["notice", "paid", "returned"]), label="callback")
        reference = data.draw(st.sampled_from(["TB-1", "TB-2"]), label="reference")
        if kind == "notice":
            call = lambda: obligation_notice_received(  # noqa: E731
                dossier_id=self.dossier_id,
                issuer="Chi cục Thuế khu vực",
                notice_number=reference,
                amount=data.draw(st.integers(0, 10**8)),
                items=[],
                external_ref=reference,
                at=at,
            )
        elif kind == "paid":
            call = lambda: obligation_paid(  # noqa: E731
                dossier_id=self.dossier_id, external_ref=reference, payment_ref="BL-1", at=at
            )
        else:
            call = lambda: transfer_returned(  # noqa: E731
                dossier_id=self.dossier_id, note="Đã xử lý", data={}, at=at
            )
        self._perform(call, action=kind)

    def _waits_for_another_agency(self) -> bool:
        dossier = self._dossier()
        return dossier.waiting_on == "transfer" or dossier.status == S.FINANCIAL_OBLIGATION

    # --- Invariants -------------------------------------------------------------------------

    @invariant()
    def the_status_follows_the_graph_and_the_history_explains_it(self):
        dossier = self._dossier()
        assert dossier.status in S.values
        events = list(dossier.events.order_by("pk"))
        assert events[0].action == "submit"
        for previous, event in pairwise(events):
            assert event.from_status == previous.to_status, (previous.action, event.action)
            moved = event.from_status != event.to_status
            if moved:
                assert can_transition(event.from_status, event.to_status), event.action
            else:
                assert event.to_status not in FINAL or event.action == "rate", event.action
        assert events[-1].to_status == dossier.status

    @invariant()
    def the_control_sheet_has_one_open_line_at_the_holder(self):
        dossier = self._dossier()
        open_lines = list(Handling.objects.filter(dossier=dossier, completed_at__isnull=True))
        expected = OPEN_LINES[dossier.status]
        if expected is None:
            expected = int(self._asked_during_processing(dossier))
        assert len(open_lines) == expected, (dossier.status, open_lines)
        if open_lines:
            line = open_lines[0]
            assert (line.unit_id, line.step_id) == (
                dossier.current_unit_id,
                dossier.current_step_id,
            )
            assert line.handler_id == dossier.assignee_id
        if dossier.status in FINAL:
            assert dossier.current_unit_id is None and dossier.assignee_id is None

    @invariant()
    def the_clock_stands_still_exactly_while_the_applicant_must_act(self):
        dossier = self._dossier()
        paused = dossier.status == S.FINANCIAL_OBLIGATION or (
            dossier.status == S.SUPPLEMENT_REQUESTED and self._asked_during_processing(dossier)
        )
        assert (dossier.paused_at is not None) == paused, (dossier.status, dossier.paused_at)

    @staticmethod
    def _asked_during_processing(dossier: Dossier) -> bool:
        request = (
            SupplementRequest.objects.filter(dossier=dossier, answered_at__isnull=True)
            .order_by("-number")
            .first()
        )
        return request is not None and request.stage == SupplementRequest.Stage.PROCESSING


@pytest.fixture
def transfer_place(administrative_units):
    """The usual three-step office, whose first step may also transfer to the tax authority."""
    return office(
        steps=[
            (
                "Thẩm định hồ sơ",
                "land",
                Role.SPECIALIST,
                "10",
                [*CHECK, "transfer"],
                StepKind.HANDLE,
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
            (
                "Ký duyệt",
                "leaders",
                Role.DIRECTOR,
                "3",
                ["finish", "return_to_step"],
                StepKind.SIGN,
            ),
        ]
    )


def test_random_actions_keep_the_dossier_consistent(transfer_place):
    BackOffice.place = transfer_place
    BackOffice.stranger = citizen(full_name="Trần Thị Khách")
    run_state_machine_as_test(
        BackOffice,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# --- Found while writing the properties (expected failures until backoffice.py is fixed) -----


@pytest.fixture
def place(administrative_units):
    return office()


def act(user, dossier: Dossier, action: str, at: datetime | None = None, **payload) -> Dossier:
    return dossier_act(actor=user, dossier=dossier.code, action=action, payload=payload, at=at)


def test_no_apology_before_the_dossier_is_received(place):
    # given a new dossier sent back for a supplement at reception (its legal time not started)
    dossier = submitted(place)
    dossier = act(
        place.officer,
        dossier,
        "request_supplement",
        items=[{"name": "Tờ khai", "reason": "Thiếu chữ ký"}],
    )
    assert Dossier.objects.get(pk=dossier.pk).received_at is None
    # then form 04 is neither offered nor accepted
    offered = {spec.name for spec in actions_available(dossier=dossier, user=place.director)}
    assert "apologize" not in offered
    with pytest.raises(DomainError):
        act(place.director, dossier, "apologize", reason="Chậm", new_appointment_at="2027-01-15")


def test_a_pause_after_form_04_moves_the_promised_date_too(place):
    # given a dossier at the specialist's step that got form 04 with a new date
    dossier = submitted(place, at=datetime(2026, 11, 2, 8, tzinfo=VIETNAM))
    dossier = act(place.officer, dossier, "receive", at=datetime(2026, 11, 2, 9, tzinfo=VIETNAM))
    dossier = act(place.head, dossier, "assign", assignee=place.specialist.pk)
    new_date = (dossier.appointment_at + timedelta(days=14)).date().isoformat()
    dossier = act(
        place.head, dossier, "apologize", reason="Chờ ý kiến", new_appointment_at=new_date
    )
    promised = Dossier.objects.get(pk=dossier.pk).promised_at
    # when the specialist asks for a supplement on Tuesday and the applicant answers on Friday
    dossier = act(
        place.specialist,
        dossier,
        "request_supplement",
        at=datetime(2026, 11, 3, 9, tzinfo=VIETNAM),
        items=[{"name": "Bản đồ", "reason": "Thiếu chữ ký"}],
    )
    act(
        place.applicant,
        dossier,
        "supplement",
        at=datetime(2026, 11, 6, 9, tzinfo=VIETNAM),
        note="Đã ký",
    )
    # then the promised date moved forward by the 3 working days waited, as the appointment did
    from motcua.core.calendar import working_time_between

    moved = Dossier.objects.get(pk=dossier.pk).promised_at
    assert working_time_between(promised, moved) == 3


def test_the_system_may_only_take_the_callback_actions(place):
    dossier = submitted(place)
    with pytest.raises(DomainError):
        act(None, dossier, "request_supplement", items=[{"name": "Tờ khai", "reason": "Thiếu"}])
