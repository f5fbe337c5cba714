"""Deadline computation. Due dates are stored when a dossier or step starts, but batch jobs
(re-computing after an administrator adds a day off, statistics over a year) compute tens of
thousands at once: one must stay at or below half a millisecond (2,000 per second on one core).
Uses an in-memory calendar snapshot (no database), as batch callers do."""

from datetime import datetime
from decimal import Decimal

from bench import Benchmark
from motcua.core.calendar import (
    VIETNAM,
    DurationUnit,
    WorkingCalendar,
    due_at,
)

_calendar = WorkingCalendar({})
_start = datetime(2026, 2, 10, 16, 20, tzinfo=VIETNAM)


def _due_in_30_working_days():
    return due_at(_start, Decimal(30), DurationUnit.WORKING_DAYS, calendar=_calendar)


def _due_in_17_and_a_half_working_days():
    return due_at(_start, Decimal("17.5"), DurationUnit.WORKING_DAYS, calendar=_calendar)


BENCHMARKS = [
    Benchmark("calendar: due date, 30 working days across Tết", _due_in_30_working_days, 2_000),
    Benchmark("calendar: due date, 17.5 working days", _due_in_17_and_a_half_working_days, 2_000),
]
