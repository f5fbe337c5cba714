"""Dossier statistics (SPEC §4): each bucket with hand-built dossiers, and the counts checked
against a plain re-statement of the rules on random histories."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.catalog.models import Channel
from motcua.core.errors import InvalidInput
from motcua.dossiers.models import Status
from motcua.reports.selectors import Figures, dossier_statistics, on_time_rate
from tests.factories import AgencyFactory, UserFactory
from tests.reports.builders import at, dossier, handling

MARCH = {"start": date(2026, 3, 1), "end": date(2026, 3, 31)}
AFTER_MARCH = at(5, 1, 12)
S = Status


@pytest.fixture
def creator(db):
    return UserFactory()


def march(agency, **options):
    return dossier_statistics(
        agency=agency, now=options.pop("now", AFTER_MARCH), **MARCH, **options
    )


def test_handled_dossiers_are_early_on_time_or_late_by_date(department, permit, creator):
    # given dossiers due on 10 March, finished the day before, that evening, the next morning
    due = at(3, 10, 8)
    for finished in (at(3, 9, 16), at(3, 10, 22, 30), at(3, 11, 7, 30)):
        dossier(
            permit, creator=creator, status=S.DONE, received=at(3, 2), due=due, finished=finished
        )
    # and one late although form 04 promised a later date
    dossier(
        permit,
        creator=creator,
        status=S.RETURNED,
        received=at(3, 2),
        due=due,
        finished=at(3, 15),
        rescheduled_appointment_at=at(3, 20),
    )
    # when the statistics of March are read
    stats = march(department)
    # then the finished date is compared with the due date, form 04 notwithstanding
    totals = stats.totals
    assert (totals.early, totals.on_time, totals.late) == (1, 1, 2)
    assert totals.handled == 4
    assert totals.on_time_rate == 0.5


def test_carried_over_and_new_by_channel(department, permit, creator):
    # given a dossier received in February and finished in March, one received in February and
    # still open, one finished in February (out of the period), and two received in March
    dossier(
        permit,
        creator=creator,
        status=S.DONE,
        channel=Channel.COUNTER,
        received=at(2, 20),
        due=at(3, 5),
        finished=at(3, 4),
    )
    dossier(permit, creator=creator, channel=Channel.POST, received=at(2, 20), due=at(4, 25))
    dossier(
        permit, creator=creator, status=S.DONE, received=at(2, 1), due=at(2, 27), finished=at(2, 25)
    )
    dossier(permit, creator=creator, channel=Channel.ONLINE, received=at(3, 3), due=at(4, 20))
    dossier(permit, creator=creator, channel=Channel.COUNTER, received=at(3, 31, 16), due=at(4, 20))
    # and one received on 1 April (not in March)
    dossier(permit, creator=creator, received=at(4, 1, 8), due=at(4, 20))
    # when
    stats = march(department)
    # then
    assert (stats.totals.carried_over, stats.totals.new) == (2, 2)
    assert stats.by_channel[Channel.COUNTER].carried_over == 1
    assert stats.by_channel[Channel.COUNTER].new == 1
    assert stats.by_channel[Channel.POST].carried_over == 1
    assert stats.by_channel[Channel.ONLINE].new == 1
    assert stats.totals.early == 1


def test_reception_submitted_waiting_and_refused(department, permit, creator):
    # given a dossier submitted late on 31 March and received in April, one waiting for a
    # supplement at reception, one refused in March and one submitted in February, refused in
    # April (so still waiting at the end of March)
    dossier(permit, creator=creator, submitted=at(3, 31, 23), received=at(4, 1, 8), due=at(4, 20))
    dossier(permit, creator=creator, status=S.SUPPLEMENT_REQUESTED, submitted=at(3, 10))
    dossier(permit, creator=creator, status=S.REFUSED, submitted=at(3, 5), closed=at(3, 6))
    dossier(permit, creator=creator, status=S.REFUSED, submitted=at(2, 25), closed=at(4, 2))
    # when
    totals = march(department).totals
    # then
    assert totals.submitted == 3
    assert totals.pending_reception == 3
    assert totals.refused == 1
    assert totals.received == 0


def test_in_progress_at_the_end_of_a_past_period(department, permit, creator):
    # given, at the end of March: one overdue (due 25 March), one due on the last day (overdue
    # by the end of that day), one due early on 1 April and one later (within time), one
    # waiting for a supplement then (history), and one waiting for a supplement only since April
    dossier(permit, creator=creator, received=at(2, 20), due=at(3, 25))
    dossier(permit, creator=creator, received=at(3, 3), due=at(3, 31, 10))
    dossier(permit, creator=creator, received=at(3, 3), due=at(4, 1, 7))
    dossier(permit, creator=creator, received=at(3, 28), due=at(4, 10))
    dossier(
        permit,
        creator=creator,
        received=at(3, 5),
        due=at(4, 20),
        events=[(at(3, 20), S.SUPPLEMENT_REQUESTED), (at(4, 5), S.PROCESSING)],
    )
    dossier(
        permit,
        creator=creator,
        status=S.SUPPLEMENT_REQUESTED,
        received=at(3, 5),
        due=at(4, 20),
        events=[(at(3, 6), S.PROCESSING), (at(4, 10), S.SUPPLEMENT_REQUESTED)],
    )
    # when
    stats = march(department)
    # then
    assert stats.paused_from_events
    assert (stats.totals.overdue, stats.totals.within_time, stats.totals.paused) == (2, 3, 1)


def test_in_progress_of_a_period_that_reaches_today(department, permit, creator):
    # given today is 20 March at noon: dossiers due this afternoon, due yesterday, and paused
    dossier(permit, creator=creator, received=at(3, 2), due=at(3, 20, 17))
    dossier(permit, creator=creator, received=at(3, 2), due=at(3, 19, 17))
    dossier(permit, creator=creator, status=S.FINANCIAL_OBLIGATION, received=at(3, 2), due=at(3, 5))
    # when the statistics of the whole month are read today
    stats = march(department, now=at(3, 20, 12))
    # then the one due today is still within time, the paused one is apart
    assert not stats.paused_from_events
    assert (stats.totals.within_time, stats.totals.overdue, stats.totals.paused) == (1, 1, 1)


def test_withdrawn_and_stopped_count_apart_and_keep_the_balance(department, permit, creator):
    # given a dossier withdrawn in March, one stopped in April (open at the end of March,
    # overdue), one withdrawn in February (gone before March), one finished
    dossier(
        permit,
        creator=creator,
        status=S.WITHDRAWN,
        received=at(3, 3),
        due=at(3, 20),
        closed=at(3, 15),
    )
    dossier(
        permit,
        creator=creator,
        status=S.STOPPED,
        received=at(3, 3),
        due=at(3, 25),
        closed=at(4, 10),
    )
    dossier(
        permit,
        creator=creator,
        status=S.WITHDRAWN,
        received=at(2, 1),
        due=at(2, 20),
        closed=at(2, 10),
    )
    dossier(
        permit, creator=creator, status=S.STOPPED, received=at(2, 1), due=at(3, 20), closed=at(3, 2)
    )
    # when
    totals = march(department).totals
    # then
    assert (totals.withdrawn, totals.stopped) == (1, 1)
    assert (totals.carried_over, totals.new) == (1, 2)
    assert totals.overdue == 1
    assert (
        totals.received == totals.handled + totals.withdrawn + totals.stopped + totals.in_progress
    )


def test_per_procedure_and_child_agencies(
    department, commune, other_department, permit, land, creator
):
    # given dossiers of two procedures, one of the child commune agency, one of another province
    dossier(permit, creator=creator, received=at(3, 3), due=at(4, 20))
    dossier(land, creator=creator, received=at(3, 3), due=at(4, 20))
    dossier(land, creator=creator, received=at(3, 4), due=at(4, 20), agency=commune)
    dossier(land, creator=creator, received=at(3, 4), due=at(4, 20), agency=other_department)
    # when / then the department alone, then with its children
    alone = march(department)
    assert [(row.code, row.figures.new) for row in alone.by_procedure] == [
        ("1.004249", 1),
        ("1.012756", 1),
    ]
    assert alone.by_procedure[1].name == "Đăng ký đất đai lần đầu"
    with_children = march(department, include_children=True)
    assert with_children.totals.new == 3
    assert set(with_children.agency_ids) == {department.pk, commune.pk}


def test_units_from_the_process_control_sheet(
    department, permit, land_unit, environment_unit, creator
):
    # given lines of the land office handed on early, on the evening of their due day, late,
    # before March (not counted), and lines open at the end of March, overdue and within time
    row = dossier(permit, creator=creator, received=at(3, 2), due=at(4, 30))
    handling(row, unit=land_unit, started=at(3, 2), due=at(3, 5), completed=at(3, 4))
    handling(row, unit=land_unit, started=at(3, 4), due=at(3, 9, 8), completed=at(3, 9, 21))
    handling(row, unit=land_unit, started=at(3, 9), due=at(3, 12), completed=at(3, 16))
    handling(row, unit=land_unit, started=at(2, 9), due=at(2, 12), completed=at(2, 11))
    handling(row, unit=land_unit, started=at(3, 16), due=at(3, 20))
    other = dossier(permit, creator=creator, received=at(3, 2), due=at(4, 30))
    handling(other, unit=environment_unit, started=at(3, 25), due=at(4, 3))
    # when
    units = {unit.code: unit for unit in march(department).by_unit}
    # then
    land_office = units["VPDK"]
    assert (land_office.early, land_office.on_time, land_office.late) == (1, 1, 1)
    assert (land_office.open_overdue, land_office.open_within) == (1, 0)
    assert land_office.on_time_rate == pytest.approx(2 / 3)
    assert (units["CCBVMT"].open_within, units["CCBVMT"].handed_off) == (1, 0)


def test_period_is_checked():
    with pytest.raises(InvalidInput) as reversed_dates:
        dossier_statistics(agency=None, start=date(2026, 3, 2), end=date(2026, 3, 1))
    assert reversed_dates.value.field == "from"
    with pytest.raises(InvalidInput) as too_long:
        dossier_statistics(agency=None, start=date(2020, 1, 1), end=date(2026, 1, 1))
    assert too_long.value.field == "to"


@given(early=st.integers(0, 50), on_time=st.integers(0, 50), late=st.integers(0, 50))
def test_on_time_rate_is_a_share_of_the_handled(early, on_time, late):
    handled = early + on_time + late
    rate = on_time_rate(early=early, on_time=on_time, handled=handled)
    if handled == 0:
        assert rate is None
    else:
        assert 0 <= rate <= 1
        assert rate == (early + on_time) / handled


# --- The rules re-stated in plain Python, checked on random histories ------------------------

PERIOD_START, PERIOD_END = at(3, 1, 0), at(4, 1, 0)
ENDINGS = [None, S.DONE, S.WITHDRAWN, S.STOPPED]


@st.composite
def histories(draw):
    """(channel, received, due, ending, ended, pause) of one dossier: moments in hours from
    1 February; ending None (still open), done, withdrawn or stopped; pause None or (hours
    after reception, hours long)."""
    received = draw(st.integers(0, 24 * 70))
    return (
        draw(st.sampled_from(Channel.values)),
        received,
        received + draw(st.integers(1, 24 * 30)),
        draw(st.sampled_from(ENDINGS)),
        received + draw(st.integers(1, 24 * 60)),
        draw(st.none() | st.tuples(st.integers(1, 24 * 30), st.integers(1, 24 * 30))),
    )


def local_date(moment):
    return moment.astimezone(PERIOD_START.tzinfo).date()


def expected(rows, now) -> Figures:
    """SPEC §4 for the period, dossier by dossier, in the plainest words."""
    figures = Figures()
    for received, due, ending, ended, status_at_end in rows:
        if received >= PERIOD_END:
            continue
        if received >= PERIOD_START:
            figures.new += 1
        elif ended is not None and ended < PERIOD_START:
            continue  # finished or closed before the period: not carried over
        else:
            figures.carried_over += 1
        if ended is not None and PERIOD_START <= ended < PERIOD_END:
            if ending == S.DONE:
                late = (local_date(ended) - local_date(due)).days
                figures.add({"early" if late < 0 else "on_time" if late == 0 else "late": 1})
            else:
                figures.add({ending: 1})
        elif ended is None or ended >= PERIOD_END:
            if status_at_end == S.SUPPLEMENT_REQUESTED:
                figures.paused += 1
            elif due < min(PERIOD_END, now):
                figures.overdue += 1
            else:
                figures.within_time += 1
    return figures


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plans=st.lists(histories(), max_size=8))
def test_counts_follow_the_rules_on_random_histories(permit, creator, plans):
    # given random dossiers (received from February to mid-April, some finished, withdrawn or
    # stopped, some paused for a while), statistics read after the period
    agency = AgencyFactory()  # a fresh agency per example: earlier examples' rows stay apart
    origin = at(2, 1, 0)
    rows = []
    for channel, received, due, ending, ended, pause in plans:
        received_at = origin + timedelta(hours=received)
        ended_at = origin + timedelta(hours=ended) if ending else None
        events, status_at_end = [], S.PROCESSING
        if pause:
            pause_start = received_at + timedelta(hours=pause[0])
            pause_end = pause_start + timedelta(hours=pause[1])
            if ended_at is None or pause_end < ended_at:
                events = [(pause_start, S.SUPPLEMENT_REQUESTED), (pause_end, S.PROCESSING)]
                if pause_start < PERIOD_END <= pause_end:
                    status_at_end = S.SUPPLEMENT_REQUESTED
        dossier(
            permit,
            creator=creator,
            agency=agency,
            channel=channel,
            status=ending or S.PROCESSING,
            received=received_at,
            due=origin + timedelta(hours=due),
            finished=ended_at if ending == S.DONE else None,
            closed=ended_at if ending in (S.WITHDRAWN, S.STOPPED) else None,
            events=events,
        )
        rows.append((received_at, origin + timedelta(hours=due), ending, ended_at, status_at_end))
    # when
    totals = march(agency, now=at(6, 1)).totals
    # then
    want = expected(rows, at(6, 1))
    got = {
        name: getattr(totals, name)
        for name in (
            "carried_over",
            "new",
            "early",
            "on_time",
            "late",
            "withdrawn",
            "stopped",
            "within_time",
            "overdue",
            "paused",
        )
    }
    assert got == {name: getattr(want, name) for name in got}
    assert (
        totals.received == totals.handled + totals.withdrawn + totals.stopped + totals.in_progress
    )
