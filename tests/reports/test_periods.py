"""Reporting periods: parsing, checks and the quick choices of the statistics page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.core.errors import InvalidInput
from motcua.reports.periods import (
    MAX_PERIOD_DAYS,
    QUICK_CHOICES,
    parse_date,
    period_check,
    period_parse,
    quick_period,
)

days = st.dates(min_value=date(1991, 1, 1), max_value=date(2098, 12, 31))


@given(today=days)
def test_quick_periods_are_whole_months_quarters_and_years(today):
    this_month, quarter, year = (
        quick_period(key, today=today) for key in ("month", "quarter", "year")
    )
    for period in (this_month, quarter, year):
        assert period.start <= today <= period.end
        assert period.start.day == 1
        period_check(start=period.start, end=period.end)
    assert quarter.start.month in (1, 4, 7, 10)
    assert quarter.days in (90, 91, 92)
    assert (year.start, year.end) == (date(today.year, 1, 1), date(today.year, 12, 31))
    last_month = quick_period("last_month", today=today)
    assert last_month.end.month != today.month and last_month.start.day == 1
    assert (last_month.end - last_month.start).days + 1 == last_month.days
    assert quick_period("last_year", today=today).start == date(today.year - 1, 1, 1)
    assert {key for key, _label in QUICK_CHOICES} == {
        "month",
        "quarter",
        "year",
        "last_month",
        "last_year",
    }


def test_dates_in_iso_or_vietnamese_order():
    assert parse_date("2026-03-31", field="to") == date(2026, 3, 31)
    assert parse_date(" 31/03/2026 ", field="to") == date(2026, 3, 31)
    for bad in ("", "31-13-2026", "2026-02-30", "hôm nay"):
        with pytest.raises(InvalidInput) as error:
            parse_date(bad, field="to")
        assert error.value.field == "to"


def test_period_is_inclusive_and_bounded():
    period = period_parse(start="2026-03-01", end="2026-03-31")
    assert period.days == 31
    assert period.start_at.isoformat() == "2026-03-01T00:00:00+07:00"
    assert period.end_at.isoformat() == "2026-04-01T00:00:00+07:00"
    longest = period_check(
        start=date(2021, 1, 1), end=date(2021, 1, 1) + timedelta(days=MAX_PERIOD_DAYS - 1)
    )
    assert longest.days == MAX_PERIOD_DAYS
    with pytest.raises(InvalidInput):
        quick_period("decade", today=date(2026, 3, 1))
