"""Two officials acting on the same dossier at the same moment, in real concurrent transactions
on PostgreSQL: exactly one succeeds, the other gets 409, and no event is lost or duplicated."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from motcua.accounts.models import Role, StaffRole
from motcua.accounts.services import api_token_issue
from motcua.core.audit import ChainState, audit_verify
from motcua.core.errors import Conflict, DomainError
from motcua.dossiers import backoffice
from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Dossier, DossierEvent, Handling, Status
from tests.dossiers.backoffice_samples import Office, office, submitted
from tests.factories import StaffFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite runs one writer at a time, so there is no real race to test; CI runs "
        "this file on PostgreSQL (DATABASE_URL=postgres://...)",
    ),
]

ROUNDS = 3  # each race is run on this many fresh dossiers


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None


def race(*calls: Callable[[], Any]) -> list[Outcome]:
    """Run the calls in threads, each on its own database connection, released together."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index].result = call()
        except BaseException as error:  # reported by one_winner, not lost in the thread
            outcomes[index].error = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a racing call never finished"
    return outcomes


def one_winner(outcomes: list[Outcome]) -> tuple[int, Conflict]:
    """The index of the call that succeeded; the other must have lost with a 409."""
    crashes = [o.error for o in outcomes if o.error and not isinstance(o.error, DomainError)]
    assert not crashes, crashes
    winners = [index for index, outcome in enumerate(outcomes) if outcome.error is None]
    assert len(winners) == 1, [outcome.error for outcome in outcomes]
    loser = outcomes[1 - winners[0]].error
    assert isinstance(loser, Conflict) and loser.status == 409, loser
    assert loser.code in {"stale_version", "invalid_transition"}
    return winners[0], loser


@dataclass(frozen=True)
class Seen:
    """What both officials saw when they opened the dossier."""

    version: int
    events: int

    @classmethod
    def of(cls, dossier: Dossier) -> Seen:
        return cls(
            version=Dossier.objects.get(pk=dossier.pk).version,
            events=DossierEvent.objects.filter(dossier=dossier).count(),
        )


def assert_only_the_winner_wrote(dossier: Dossier, seen: Seen, *, winner_events: list[str]):
    current = Dossier.objects.get(pk=dossier.pk)
    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("pk"))
    assert [event.action for event in events[seen.events :]] == winner_events
    assert current.version == seen.version + len(winner_events)
    assert events[-1].to_status == current.status
    assert Handling.objects.filter(dossier=dossier, completed_at__isnull=True).count() <= 1
    assert isinstance(audit_verify(), ChainState)


@pytest.fixture(autouse=True)
def _slow_permission_checks(monkeypatch):
    """Each action reads the actor's roles right after locking the dossier: a short pause
    there keeps the first transaction open while the second arrives, so that they overlap."""
    read_roles = backoffice.Actor.of.__func__

    def slowly(cls, user):
        time.sleep(0.05)
        return read_roles(cls, user)

    monkeypatch.setattr(backoffice.Actor, "of", classmethod(slowly))


@pytest.fixture
def place(administrative_units) -> Office:
    place = office()
    # a second receiving officer at the same desk
    place.officer2 = StaffFactory(agency=place.agency, username="tn2", full_name="Đỗ Thị Lan")
    StaffRole.objects.create(user=place.officer2, unit=place.desk, role=Role.RECEIVING_OFFICER)
    return place


def act(user, dossier: Dossier, action: str, version: int, **payload) -> Callable[[], Dossier]:
    return lambda: dossier_act(
        actor=user, dossier=dossier.code, action=action, payload=payload, version=version
    )


def at_first_step(place: Office, *, assignee=None) -> Dossier:
    dossier = submitted(place)
    dossier_act(actor=place.officer, dossier=dossier.code, action="receive")
    if assignee is not None:
        dossier_act(
            actor=place.head,
            dossier=dossier.code,
            action="assign",
            payload={"assignee": assignee.pk},
        )
    return Dossier.objects.get(pk=dossier.pk)


def test_receive_against_refuse(place):
    for _round in range(ROUNDS):
        # given a new dossier that two receiving officers opened at the same version
        dossier = submitted(place)
        seen = Seen.of(dossier)
        # when one receives it while the other refuses it, at the same moment
        outcomes = race(
            act(place.officer, dossier, "receive", seen.version),
            act(
                place.officer2, dossier, "refuse", seen.version, reasons=["Không thuộc thẩm quyền"]
            ),
        )
        # then exactly one did, and the history holds only what the winner did
        winner, _loser = one_winner(outcomes)
        expected = [["receive", "forward"], ["refuse"]][winner]
        assert_only_the_winner_wrote(dossier, seen, winner_events=expected)
        status = Dossier.objects.get(pk=dossier.pk).status
        assert status == [Status.PROCESSING, Status.REFUSED][winner]


def test_two_forwards_of_the_same_step(place):
    for _round in range(ROUNDS):
        # given a dossier at step 1 with the specialist; the unit head may also forward it
        dossier = at_first_step(place, assignee=place.specialist)
        seen = Seen.of(dossier)
        outcomes = race(
            act(place.specialist, dossier, "forward", seen.version),
            act(place.head, dossier, "forward", seen.version, note="Chuyển trình ký"),
        )
        one_winner(outcomes)
        # then the dossier moved one step, not two, with one control-sheet line per hand-off
        assert_only_the_winner_wrote(dossier, seen, winner_events=["forward"])
        current = Dossier.objects.select_related("current_step").get(pk=dossier.pk)
        assert current.current_step.position == 2
        assert Handling.objects.filter(dossier=dossier, step__position=2).count() == 1


def test_two_assignments_at_once(place):
    for _round in range(ROUNDS):
        # given an unassigned dossier at step 1; the unit head and the director both assign it
        dossier = at_first_step(place)
        seen = Seen.of(dossier)
        outcomes = race(
            act(place.head, dossier, "assign", seen.version, assignee=place.specialist.pk),
            act(place.director, dossier, "assign", seen.version, assignee=place.specialist2.pk),
        )
        winner, _loser = one_winner(outcomes)
        assert_only_the_winner_wrote(dossier, seen, winner_events=["assign"])
        chosen = [place.specialist, place.specialist2][winner]
        assert Dossier.objects.get(pk=dossier.pk).assignee_id == chosen.pk
        line = Handling.objects.get(dossier=dossier, completed_at__isnull=True)
        assert line.handler_id == chosen.pk


def test_the_applicant_withdraws_while_the_officer_receives(place):
    for _round in range(ROUNDS):
        dossier = submitted(place)
        seen = Seen.of(dossier)
        outcomes = race(
            act(place.applicant, dossier, "withdraw", seen.version, reason="Nộp nhầm thủ tục"),
            act(place.officer, dossier, "receive", seen.version),
        )
        winner, _loser = one_winner(outcomes)
        expected = [["withdraw"], ["receive", "forward"]][winner]
        assert_only_the_winner_wrote(dossier, seen, winner_events=expected)


def test_without_a_version_the_row_lock_still_lets_one_through(place):
    """A program that sends no version: the second call waits for the first one's lock, then
    sees the new state and is refused (400 or 409), never applied twice."""
    for _round in range(ROUNDS):
        dossier = submitted(place)
        seen = Seen.of(dossier)
        outcomes = race(
            act(place.officer, dossier, "receive", None),
            act(place.officer2, dossier, "receive", None),
        )
        crashes = [o.error for o in outcomes if o.error and not isinstance(o.error, DomainError)]
        assert not crashes, crashes
        assert sum(outcome.error is None for outcome in outcomes) == 1
        assert_only_the_winner_wrote(dossier, seen, winner_events=["receive", "forward"])


def test_two_programs_post_the_same_action_through_the_api(place):
    auth = {
        user.pk: {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(user=user).raw}"}
        for user in (place.officer, place.officer2)
    }
    for _round in range(ROUNDS):
        dossier = submitted(place)
        seen = Seen.of(dossier)
        body = json.dumps({"action": "receive", "version": seen.version})

        def post(user, body=body, code=dossier.code):
            return lambda: Client().post(
                f"/api/v1/dossiers/{code}/actions",
                body,
                content_type="application/json",
                **auth[user.pk],
            )

        outcomes = race(post(place.officer), post(place.officer2))
        assert all(outcome.error is None for outcome in outcomes), outcomes
        statuses = sorted(outcome.result.status_code for outcome in outcomes)
        # then one 200 and one 409 that names the version and says why
        assert statuses == [200, 409]
        lost = next(o.result for o in outcomes if o.result.status_code == 409).json()
        assert (lost["code"], lost["field"]) == ("stale_version", "version")
        # and reading the dossier again shows the loser the new state
        again = Client().get(f"/api/v1/dossiers/{dossier.code}", **auth[place.officer2.pk])
        assert again.json()["status"] == Status.PROCESSING
        assert_only_the_winner_wrote(dossier, seen, winner_events=["receive", "forward"])
