"""The working calendar: Vietnamese holidays, overrides, working hours and deadlines."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.core.calendar import (
    VIETNAM,
    DayKind,
    DeadlineClock,
    DurationUnit,
    WorkingCalendar,
    WorkingHours,
    add_calendar_days,
    add_working_days,
    due_at,
    extend_due_for_pause,
    is_working_day,
    next_working_moment,
    parse_moment,
    working_hours_for,
    working_time_between,
)
from motcua.core.errors import InvalidInput
from motcua.core.models import CalendarOverride
from tests.factories import AgencyFactory

PUBLIC = WorkingCalendar()  # public holidays only: these tests need no database
HOURS = WorkingHours(time(7), time(11, 30), time(13, 30), time(17))


def at(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def add(start, amount, calendar=PUBLIC):
    return add_working_days(start, amount, hours=HOURS, calendar=calendar)


# --- Which days are working days ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # New Year's Day
        (date(2026, 1, 2), True),
        (date(2026, 2, 13), True),  # the Friday before Tết
        *[(date(2026, 2, d), False) for d in range(14, 23)],  # Tết 2026: 9 days off
        (date(2026, 2, 23), True),
        (date(2026, 4, 26), False),  # Hùng Kings' day, a Sunday
        (date(2026, 4, 27), False),  # ... gives Monday off in lieu
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 8, 22), True),  # a Saturday worked in exchange for ...
        (date(2026, 8, 23), False),
        (date(2026, 8, 31), False),  # ... Monday 31/8 off
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        (date(2026, 11, 24), False),  # Vietnamese Culture Day
    ],
)
def test_public_calendar_2026(day, working):
    assert PUBLIC.is_working_day(day) is working


def test_describe_names_the_holiday_in_the_language_asked():
    # given Hùng Kings' day 2026
    # when it is described in Vietnamese and in English
    vietnamese = PUBLIC.describe(date(2026, 4, 26))
    english = PUBLIC.describe(date(2026, 4, 26), language="en")
    # then both name it
    assert vietnamese.kind == DayKind.HOLIDAY
    assert "Hùng Vương" in vietnamese.label
    assert "Hung Kings" in english.label
    assert PUBLIC.describe(date(2026, 8, 22)).kind == DayKind.MAKEUP
    assert PUBLIC.describe(date(2026, 8, 23)).kind == DayKind.WEEKEND
    assert PUBLIC.describe(date(2026, 8, 24)).kind == DayKind.WORKING


@pytest.mark.django_db
def test_overrides_change_the_calendar_and_win_over_holidays():
    # given an extra day off on a Wednesday, a make-up Saturday and a holiday declared worked
    CalendarOverride.objects.create(date=date(2026, 3, 4), kind="day_off", reason="Bão số 3")
    CalendarOverride.objects.create(date=date(2026, 3, 7), kind="working_day", reason="Làm bù")
    CalendarOverride.objects.create(date=date(2026, 11, 24), kind="working_day", reason="Thử")
    # when the calendar is loaded (one query)
    calendar = WorkingCalendar.load()
    # then the overrides decide
    assert not calendar.is_working_day(date(2026, 3, 4))
    assert calendar.is_working_day(date(2026, 3, 7))
    assert calendar.is_working_day(date(2026, 11, 24))
    assert calendar.describe(date(2026, 3, 4)).kind == DayKind.DAY_OFF
    assert calendar.describe(date(2026, 3, 4)).label == "Bão số 3"
    assert calendar.describe(date(2026, 3, 7)).kind == DayKind.MAKEUP
    assert is_working_day(date(2026, 3, 7))  # no calendar passed: a fresh snapshot


@pytest.mark.django_db
def test_loading_the_calendar_is_one_query(django_assert_num_queries):
    CalendarOverride.objects.create(date=date(2026, 3, 4), kind="day_off", reason="Bão")
    with django_assert_num_queries(1):
        calendar = WorkingCalendar.load()
        add_working_days(at(2026, 3, 2, 9), 30, calendar=calendar)
        add_calendar_days(at(2026, 3, 2, 9), 30, calendar=calendar)


# --- Working hours and the next working moment ----------------------------------------------


@pytest.mark.parametrize(
    ("received", "counted_from"),
    [
        (at(2026, 3, 2, 6, 30), at(2026, 3, 2, 7)),  # before opening
        (at(2026, 3, 2, 9, 10), at(2026, 3, 2, 9, 10)),  # in the morning
        (at(2026, 3, 2, 11, 30), at(2026, 3, 2, 13, 30)),  # at lunch time
        (at(2026, 3, 2, 12, 15), at(2026, 3, 2, 13, 30)),
        (at(2026, 3, 2, 16, 59), at(2026, 3, 2, 16, 59)),
        (at(2026, 3, 2, 17, 0), at(2026, 3, 3, 7)),  # at closing time
        (at(2026, 3, 6, 20, 0), at(2026, 3, 9, 7)),  # Friday evening -> Monday morning
        (at(2026, 2, 14, 10, 0), at(2026, 2, 23, 7)),  # during Tết
    ],
)
def test_next_working_moment(received, counted_from):
    assert next_working_moment(received, HOURS, calendar=PUBLIC) == counted_from


def test_working_hours_come_from_the_agency_or_the_settings(settings):
    settings.DEFAULT_WORKING_HOURS = "07:30-11:30,13:00-16:30"
    assert working_hours_for(None) == WorkingHours(
        time(7, 30), time(11, 30), time(13), time(16, 30)
    )
    agency = AgencyFactory.build(morning_start=time(8), afternoon_end=time(17, 30))
    assert working_hours_for(agency) == WorkingHours(
        time(8), time(11, 30), time(13, 30), time(17, 30)
    )


def test_working_hours_must_be_two_ordered_sessions():
    with pytest.raises(ValueError, match="ordered"):
        WorkingHours(time(13), time(11), time(13, 30), time(17))
    with pytest.raises(ValueError, match="Invalid"):
        WorkingHours.parse("07:00-11:30")


# --- Adding working days --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        (at(2026, 3, 2, 9), 1, at(2026, 3, 3, 9)),  # Monday 09:00 + 1 = Tuesday 09:00
        # 09:00 is 2/4.5 of the morning; the same share of the afternoon is 1h33m20s after 13:30
        (at(2026, 3, 2, 9), Decimal("0.5"), at(2026, 3, 2, 15, 3) + timedelta(seconds=20)),
        (
            at(2026, 3, 2, 9, 15),
            "0.5",
            at(2026, 3, 2, 15, 15),
        ),  # half the morning -> half the afternoon
        (at(2026, 3, 2, 7), 0.5, at(2026, 3, 2, 11, 30)),  # half a day = the morning
        (at(2026, 3, 2, 7), 1, at(2026, 3, 2, 17)),  # a day received at opening ends at closing
        (at(2026, 3, 2, 13, 30), 0.5, at(2026, 3, 2, 17)),
        (at(2026, 3, 2, 12, 0), 1, at(2026, 3, 3, 11, 30)),  # lunch counts from 13:30
        (at(2026, 3, 2, 18, 0), 1, at(2026, 3, 3, 17)),  # after closing: from the next morning
        (at(2026, 3, 2, 18, 0), 0, at(2026, 3, 3, 7)),
        (at(2026, 3, 2, 9), 5, at(2026, 3, 9, 9)),
    ],
)
def test_add_working_days(start, amount, expected):
    assert add(start, amount) == expected


def test_tet_2026_is_skipped():
    # given a dossier received on Friday 13 February 2026 at 16:00, the eve of the Tết break
    received = at(2026, 2, 13, 16)
    # when one working day is added
    due = add(received, 1)
    # then it is due on Monday 23 February at 16:00, after the nine days off
    assert due == at(2026, 2, 23, 16)


def test_the_swap_around_22_and_31_august_2026():
    # Saturday 22/8 is worked, Monday 31/8 is off, then 1-2/9 National Day
    assert add(at(2026, 8, 21, 9), 1) == at(2026, 8, 22, 9)
    assert add(at(2026, 8, 22, 9), 1) == at(2026, 8, 24, 9)
    assert add(at(2026, 8, 28, 9), 1) == at(2026, 9, 3, 9)


def test_holiday_on_a_sunday_gives_monday_off():
    # Hùng Kings' day 2026 is Sunday 26/4: Monday 27/4 is off in lieu, then 30/4 and 1/5
    assert add(at(2026, 4, 24, 10), 1) == at(2026, 4, 28, 10)
    assert add(at(2026, 4, 29, 10), 1) == at(2026, 5, 4, 10)


@pytest.mark.django_db
def test_override_rows_change_the_result():
    received = at(2026, 3, 6, 10)  # a Friday
    assert add(received, 1, WorkingCalendar.load()) == at(2026, 3, 9, 10)
    # given the Saturday is declared a make-up working day
    CalendarOverride.objects.create(date=date(2026, 3, 7), kind="working_day", reason="Làm bù")
    assert add(received, 1, WorkingCalendar.load()) == at(2026, 3, 7, 10)
    # given Monday then becomes a day off too
    CalendarOverride.objects.create(date=date(2026, 3, 9), kind="day_off", reason="Nghỉ bù")
    assert add(received, 2, WorkingCalendar.load()) == at(2026, 3, 10, 10)


def test_inputs_in_any_offset_give_vietnam_time():
    # 02:00 UTC is 09:00 in Hà Nội
    due = add(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), 1)
    assert due == at(2026, 3, 3, 9)
    assert due.utcoffset() == timedelta(hours=7)
    with pytest.raises(ValueError, match="timezone-aware"):
        add(datetime(2026, 3, 2, 9), 1)


@pytest.mark.parametrize("amount", [-1, "0.3", 1.25, "abc", "NaN", 3651])
def test_bad_amounts_are_refused_with_the_field(amount):
    with pytest.raises(InvalidInput) as error:
        add(at(2026, 3, 2, 9), amount)
    assert error.value.field == "amount"


# --- Calendar days --------------------------------------------------------------------------


def test_calendar_days_end_at_closing_and_move_off_non_working_days():
    # 2/3/2026 + 5 days is Saturday 7/3: moved to Monday 9/3, closing time
    assert add_calendar_days(at(2026, 3, 2, 9), 5, hours=HOURS, calendar=PUBLIC) == at(
        2026, 3, 9, 17
    )
    assert add_calendar_days(at(2026, 3, 2, 9), 3, hours=HOURS, calendar=PUBLIC) == at(
        2026, 3, 5, 17
    )
    # received after closing: counting starts the next day
    assert add_calendar_days(at(2026, 3, 2, 18), 1, hours=HOURS, calendar=PUBLIC) == at(
        2026, 3, 4, 17
    )
    # landing inside Tết: the first working day after it
    assert add_calendar_days(at(2026, 2, 10, 9), 5, hours=HOURS, calendar=PUBLIC) == at(
        2026, 2, 23, 17
    )
    with pytest.raises(InvalidInput, match="số nguyên"):
        add_calendar_days(at(2026, 3, 2, 9), 0.5, hours=HOURS, calendar=PUBLIC)


def test_due_at_dispatches_on_the_unit():
    start = at(2026, 3, 2, 9)
    agency = AgencyFactory.build(afternoon_end=time(16, 30))
    assert due_at(start, 1, DurationUnit.WORKING_DAYS, calendar=PUBLIC) == at(2026, 3, 3, 9)
    assert due_at(start, 1, "calendar_days", agency=agency, calendar=PUBLIC) == at(
        2026, 3, 3, 16, 30
    )
    with pytest.raises(InvalidInput) as error:
        due_at(start, 1, "weeks", calendar=PUBLIC)
    assert error.value.field == "unit"


# --- Counting and the clock -----------------------------------------------------------------


def test_working_time_between_counts_only_working_time():
    # Friday 16:00 -> Monday 09:00: the last hour of a 3.5-hour half day (1/7 of a day) plus
    # 2 hours of a 4.5-hour half day (2/9)
    between = working_time_between(
        at(2026, 3, 6, 16), at(2026, 3, 9, 9), hours=HOURS, calendar=PUBLIC
    )
    assert between == Decimal("0.365079")
    assert (
        working_time_between(at(2026, 3, 9, 9), at(2026, 3, 6, 16), hours=HOURS, calendar=PUBLIC)
        == -between
    )
    assert (
        working_time_between(at(2026, 2, 13, 17), at(2026, 2, 23, 7), hours=HOURS, calendar=PUBLIC)
        == 0
    )


def test_pausing_moves_the_due_date_by_the_working_time_waited():
    # given a dossier due Friday 13/3/2026 at 10:00
    clock = DeadlineClock(due_at=at(2026, 3, 13, 10))
    # when it waits for the applicant from Monday 9/3 09:00 to Wednesday 11/3 09:00 (2 working days)
    paused = clock.pause(at(2026, 3, 9, 9))
    assert paused.is_paused
    resumed = paused.resume(at(2026, 3, 11, 9), hours=HOURS, calendar=PUBLIC)
    # then the due date moves two working days: to Tuesday 17/3 10:00
    assert resumed.due_at == at(2026, 3, 17, 10)
    assert not resumed.is_paused
    with pytest.raises(ValueError, match="not stopped"):
        resumed.resume(at(2026, 3, 12, 9), hours=HOURS, calendar=PUBLIC)
    with pytest.raises(ValueError, match="already stopped"):
        paused.pause(at(2026, 3, 10, 9))


def test_a_pause_outside_working_time_does_not_move_the_due_date():
    due = at(2026, 3, 13, 10)
    # paused Friday evening, resumed Monday before opening: no working time passed
    assert (
        extend_due_for_pause(
            due, at(2026, 3, 6, 18), at(2026, 3, 9, 6), hours=HOURS, calendar=PUBLIC
        )
        == due
    )


# --- Parsing moments from outside -----------------------------------------------------------


def test_parse_moment():
    assert parse_moment("2026-02-13T09:00:00Z", field="start") == at(2026, 2, 13, 16)
    # an unencoded "+" in a query string arrives as a space
    assert parse_moment("2026-02-13T16:00:00 07:00", field="start") == at(2026, 2, 13, 16)
    for bad in [
        "2026-02-13T16:00:00",
        "13/02/2026",
        "2026-02-30T10:00:00+07:00",
        "1800-01-01T10:00+07:00",
    ]:
        with pytest.raises(InvalidInput) as error:
            parse_moment(bad, field="start")
        assert error.value.field == "start"


# --- Properties -----------------------------------------------------------------------------

OFFSETS = st.sampled_from(
    [VIETNAM, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))]
)
MOMENTS = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    OFFSETS,
)
HALF_DAYS = st.integers(min_value=0, max_value=120).map(lambda halves: Decimal(halves) / 2)
WHOLE_DAYS = st.integers(min_value=0, max_value=90)


def is_working_moment(moment: datetime) -> bool:
    local = moment.astimezone(VIETNAM)
    return PUBLIC.is_working_day(local.date()) and HOURS.is_working_time(local.time())


@settings(max_examples=300, deadline=None)
@given(start=MOMENTS, amount=HALF_DAYS)
def test_adding_then_counting_gives_back_the_amount(start, amount):
    due = add(start, amount)
    assert working_time_between(start, due, hours=HOURS, calendar=PUBLIC) == amount


@settings(max_examples=300, deadline=None)
@given(start=MOMENTS, amount=HALF_DAYS)
def test_working_due_dates_are_working_moments_in_vietnam_time(start, amount):
    due = add(start, amount)
    assert is_working_moment(due)
    assert due.utcoffset() == timedelta(hours=7)
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(first=MOMENTS, second=MOMENTS, amount=HALF_DAYS)
def test_working_due_dates_are_monotonic_in_start(first, second, amount):
    first, second = sorted([first, second])
    assert add(first, amount) <= add(second, amount)


@settings(max_examples=300, deadline=None)
@given(start=MOMENTS, smaller=HALF_DAYS, larger=HALF_DAYS)
def test_working_due_dates_are_monotonic_in_amount(start, smaller, larger):
    smaller, larger = sorted([smaller, larger])
    assert add(start, smaller) <= add(start, larger)
    if smaller < larger:
        assert add(start, smaller) < add(start, larger)


@settings(max_examples=300, deadline=None)
@given(first=MOMENTS, second=MOMENTS, smaller=WHOLE_DAYS, larger=WHOLE_DAYS)
def test_calendar_due_dates_are_working_days_and_monotonic(first, second, smaller, larger):
    first, second = sorted([first, second])
    smaller, larger = sorted([smaller, larger])

    def due(start, amount):
        return add_calendar_days(start, amount, hours=HOURS, calendar=PUBLIC)

    assert is_working_moment(due(first, smaller))
    assert due(first, smaller).time() == HOURS.afternoon_end
    assert due(first, smaller) <= due(second, smaller)
    assert due(first, smaller) <= due(first, larger)


@settings(max_examples=200, deadline=None)
@given(due=MOMENTS, paused=MOMENTS, waited=HALF_DAYS)
def test_a_pause_moves_the_due_date_by_exactly_the_time_waited(due, paused, waited):
    resumed = add(paused, waited)
    moved = extend_due_for_pause(due, paused, resumed, hours=HOURS, calendar=PUBLIC)
    assert moved >= due
    assert working_time_between(due, moved, hours=HOURS, calendar=PUBLIC) == waited
