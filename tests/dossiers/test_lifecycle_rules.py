"""The dossier state machine's rules, independent of the database."""

from hypothesis import given
from hypothesis import strategies as st

from motcua.dossiers.lifecycle import ALLOWED, FINAL, can_transition
from motcua.dossiers.models import NATIONAL_STATUS_CODE, Status

statuses = st.sampled_from(list(Status.values))


def test_every_status_but_draft_has_a_national_code():
    assert set(NATIONAL_STATUS_CODE) == set(Status.values) - {Status.DRAFT}
    assert sorted(NATIONAL_STATUS_CODE.values()) == list(range(1, 11))


def test_every_status_is_in_the_table_and_reachable_from_draft():
    assert set(ALLOWED) == set(Status.values)
    reached, frontier = {Status.DRAFT}, [Status.DRAFT]
    while frontier:
        for following in ALLOWED[frontier.pop()]:
            if following not in reached:
                reached.add(following)
                frontier.append(following)
    assert reached == set(Status.values)


def test_final_statuses_are_the_legal_ends():
    assert {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED} == FINAL


@given(statuses, statuses)
def test_nothing_leaves_a_final_status_and_nothing_returns_to_draft(from_status, to_status):
    if from_status in FINAL or to_status == Status.DRAFT:
        assert not can_transition(from_status, to_status)


@given(statuses)
def test_no_status_moves_to_itself(status):
    assert not can_transition(status, status)


@given(st.lists(statuses, min_size=1, max_size=30))
def test_any_walk_along_allowed_moves_ends_in_a_known_status(walk):
    current = Status.DRAFT
    for wanted in walk:
        if can_transition(current, wanted):
            current = wanted
    assert current in Status.values
    if current in FINAL:
        assert all(not can_transition(current, s) for s in Status.values)
