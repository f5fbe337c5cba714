"""The Vietnamese working calendar: working days, working hours and deadlines (hạn xử lý).

Which days are working days
    Monday to Friday, minus the public holidays of the `holidays` package for Vietnam (it already
    applies the Labour Code's rule that a holiday falling on a weekend gives the next working day
    off, e.g. Hùng Kings' day on Sunday 26/4/2026 makes Monday 27/4 a day off, and it knows the
    government's announced swaps, e.g. Saturday 22/8/2026 worked for Monday 31/8/2026 off), plus
    the administrator's `CalendarOverride` rows, which win over everything: `day_off` makes any
    day a day off, `working_day` makes any day (usually a Saturday) a working day.

Caching, and why there is no "generation" counter
    The package's holidays of a year are computed once per process (`functools.lru_cache` keyed
    by year and language); they never change at run time. Overrides do change, in any process
    (the admin runs in one web worker, deadlines are computed in another and in the task
    worker), and Django's default cache is per process, so a cache version key would go stale.
    Instead, a `WorkingCalendar` is a snapshot of the override table, read with ONE query by
    `WorkingCalendar.load()`: the table holds a few rows a year, so reading it costs the same
    round trip as reading a max(updated)/count "generation", and it can never be stale or miss an
    in-place edit. Every function takes `calendar=`; a caller that computes many deadlines (a
    list, a report, a batch job) loads one snapshot and passes it to all of them; a caller that
    passes nothing gets a fresh snapshot (one query).

Working hours and the day coordinate (half-day precision)
    A working day has two sessions (buổi), morning and afternoon (default 07:00-11:30 and
    13:30-17:00, per agency). One working day is the whole working time of a day and half a day
    is one session: the morning is mapped linearly onto [0, ½] of the day and the afternoon onto
    [½, 1]. Adding N working days moves a moment to the same position N working days later; half
    a day moves it to the equivalent point of the other session, e.g. Monday 09:00 + 1 = Tuesday
    09:00; Monday 07:00 + ½ = Monday 11:30; Monday 09:15 (a half of the morning) + ½ = Monday
    15:15 (a half of the afternoon). Counting (`working_time_between`) is the exact inverse.
    A moment outside working time counts from the next working moment: after closing or on a
    non-working day from the next working morning, during lunch from 13:30, before opening from
    opening time. When a result falls exactly on a boundary it is given as the END of the earlier
    session, since a period ends when its last half-day ends: Monday 07:00 + 1 = Monday 17:00,
    received during Monday's lunch + 1 = Tuesday 11:30, received after closing + 1 = the next
    working day 17:00. Adding 0 gives the next working moment itself.

Calendar days
    `add_calendar_days` counts N days from the day the dossier starts counting (the date of its
    next working moment), gives the end of that day's working time (closing time), and moves it
    to the next working day's closing time when that day is not a working day.

Every moment is timezone-aware; inputs may use any offset, results are in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import InvalidInput

if TYPE_CHECKING:
    from motcua.accounts.models import Agency

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# The years the `holidays` package knows for Vietnam; outside them only weekends would count.
FIRST_YEAR, LAST_YEAR = 1901, 2100
# The longest duration accepted, in days: legal deadlines are weeks; this bounds the day loops.
MAX_AMOUNT = 3650
# working_time_between answers in days to this precision (about 0.03 s of working time).
_DAY_PRECISION = Decimal("0.000001")
_HALF = Fraction(1, 2)
# CalendarOverride.Kind.WORKING_DAY, spelled out: this module must not import models at load.
_OVERRIDE_WORKING_DAY = "working_day"
# The `holidays` package's language for each language of the site.
_HOLIDAY_LANGUAGES = {"vi": "vi", "en": "en_US"}


class DurationUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("ngày làm việc")
    CALENDAR_DAYS = "calendar_days", _("ngày theo lịch")


class DayKind(models.TextChoices):
    """What kind of day a day is, for display (the admin year view)."""

    WORKING = "working", _("Ngày làm việc")
    WEEKEND = "weekend", _("Nghỉ cuối tuần")
    HOLIDAY = "holiday", _("Nghỉ lễ, Tết")
    DAY_OFF = "day_off", _("Ngày nghỉ do quản trị bổ sung")
    MAKEUP = "makeup", _("Ngày làm việc bù")


_WORKING_KINDS = frozenset({DayKind.WORKING, DayKind.MAKEUP})

# --- Working hours --------------------------------------------------------------------------


def _seconds(moment: time) -> Fraction:
    return Fraction(moment.hour * 3600 + moment.minute * 60 + moment.second) + Fraction(
        moment.microsecond, 1_000_000
    )


def _time_of(seconds: Fraction) -> time:
    microseconds = math.floor(seconds * 1_000_000)
    whole, micro = divmod(microseconds, 1_000_000)
    return time(whole // 3600, whole // 60 % 60, whole % 60, micro)


@dataclass(frozen=True)
class WorkingHours:
    """The two working sessions of a day (buổi sáng, buổi chiều)."""

    morning_start: time
    morning_end: time
    afternoon_start: time
    afternoon_end: time

    def __post_init__(self) -> None:
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValueError(f"Working hours must be two ordered sessions, got {self}.")

    @classmethod
    def parse(cls, value: str) -> WorkingHours:
        """Read the form of settings.DEFAULT_WORKING_HOURS: "07:00-11:30,13:30-17:00"."""
        try:
            morning, afternoon = (part.strip() for part in value.split(","))
            times = [
                time.fromisoformat(t.strip()) for t in (*morning.split("-"), *afternoon.split("-"))
            ]
            return cls(*times)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"Invalid working hours {value!r}: {exc}") from exc

    def fraction_of_day(self, moment: time) -> Fraction:
        """Where `moment` stands in a working day: 0 before opening, ½ at lunch, 1 after closing."""
        seconds = _seconds(moment)
        morning_start, morning_end = _seconds(self.morning_start), _seconds(self.morning_end)
        afternoon_start, afternoon_end = (
            _seconds(self.afternoon_start),
            _seconds(self.afternoon_end),
        )
        if seconds <= morning_start:
            return Fraction(0)
        if seconds < morning_end:
            return (seconds - morning_start) / (2 * (morning_end - morning_start))
        if seconds <= afternoon_start:
            return _HALF
        if seconds < afternoon_end:
            return _HALF + (seconds - afternoon_start) / (2 * (afternoon_end - afternoon_start))
        return Fraction(1)

    def time_at(self, fraction: Fraction) -> time:
        """The earliest time of day at `fraction` (½ is the end of the morning, 11:30)."""
        if fraction <= _HALF:
            start, end = _seconds(self.morning_start), _seconds(self.morning_end)
            return _time_of(start + fraction * 2 * (end - start))
        start, end = _seconds(self.afternoon_start), _seconds(self.afternoon_end)
        return _time_of(start + (fraction - _HALF) * 2 * (end - start))

    def is_working_time(self, moment: time) -> bool:
        """Inside a session, both ends included (a deadline may be at 11:30 or 17:00)."""
        return (
            self.morning_start <= moment <= self.morning_end
            or self.afternoon_start <= moment <= self.afternoon_end
        )


@functools.lru_cache(maxsize=8)
def _default_hours(value: str) -> WorkingHours:
    try:
        return WorkingHours.parse(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DEFAULT_WORKING_HOURS: {exc}") from exc


def working_hours_for(agency: Agency | None = None) -> WorkingHours:
    """The agency's working hours, or settings.DEFAULT_WORKING_HOURS without an agency."""
    if agency is None:
        return _default_hours(settings.DEFAULT_WORKING_HOURS)
    return WorkingHours(
        agency.morning_start, agency.morning_end, agency.afternoon_start, agency.afternoon_end
    )


# --- Working days ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _PublicYear:
    names: Mapping[date, str]
    weekend_workdays: frozenset[date]


@functools.lru_cache(maxsize=256)
def _public_year(year: int, language: str = "vi") -> _PublicYear:
    # Neighbouring years too: a swap announced for one year may fall in the next (31/12/2018
    # was given off for Saturday 5/1/2019).
    source = holidays.country_holidays("VN", years=(year - 1, year, year + 1), language=language)
    return _PublicYear(
        names={day: name for day, name in source.items() if day.year == year},
        weekend_workdays=frozenset(day for day in source.weekend_workdays if day.year == year),
    )


@dataclass(frozen=True)
class DayInfo:
    """A day, its kind, and why: the holiday's name or the override's reason ("" if none)."""

    day: date
    kind: DayKind
    is_working: bool
    label: str


class WorkingCalendar:
    """Public holidays plus a snapshot of the administrator's overrides (see module docstring)."""

    __slots__ = ("_overrides", "_working")

    def __init__(self, overrides: Mapping[date, tuple[str, str]] | None = None):
        self._overrides: Mapping[date, tuple[str, str]] = dict(overrides or {})
        # A snapshot never changes, so each day's answer is remembered for its lifetime.
        self._working: dict[date, bool] = {}

    @classmethod
    def load(cls) -> WorkingCalendar:
        """One query: every override row (a handful per year)."""
        from motcua.core.models import CalendarOverride

        rows = CalendarOverride.objects.values_list("date", "kind", "reason")
        return cls({day: (kind, reason) for day, kind, reason in rows})

    def _kind(self, day: date, public: _PublicYear) -> DayKind:
        override = self._overrides.get(day)
        if override is not None:
            return DayKind.MAKEUP if override[0] == _OVERRIDE_WORKING_DAY else DayKind.DAY_OFF
        if day in public.weekend_workdays:
            return DayKind.MAKEUP
        if day in public.names:
            return DayKind.HOLIDAY
        return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKING

    def is_working_day(self, day: date) -> bool:
        working = self._working.get(day)
        if working is None:
            working = self._kind(day, _public_year(day.year)) in _WORKING_KINDS
            self._working[day] = working
        return working

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_between(self, first: date, last: date) -> int:
        """How many working days in [first, last)."""
        return sum(
            self.is_working_day(first + timedelta(days=offset))
            for offset in range((last - first).days)
        )

    def describe(self, day: date, *, language: str = "vi") -> DayInfo:
        """What the day is and why, in `language` ("vi" or "en") for holiday names."""
        public = _public_year(day.year, _HOLIDAY_LANGUAGES.get(language, "vi"))
        kind = self._kind(day, public)
        override = self._overrides.get(day)
        label = override[1] if override is not None else public.names.get(day, "")
        return DayInfo(day, kind, kind in _WORKING_KINDS, label)


def _calendar(calendar: WorkingCalendar | None) -> WorkingCalendar:
    return WorkingCalendar.load() if calendar is None else calendar


def is_working_day(day: date, *, calendar: WorkingCalendar | None = None) -> bool:
    return _calendar(calendar).is_working_day(day)


# --- Moments and durations ------------------------------------------------------------------


def parse_moment(value: str, *, field: str) -> datetime:
    """An ISO 8601 moment with its UTC offset, from outside (API, import files), in +07:00.

    A "+" left unencoded in a query string arrives as a space: "…T16:00:00 07:00" is read as
    "…T16:00:00+07:00" rather than refused."""
    text = value.strip()
    if " " in text and text.rsplit(" ", 1)[1][:2].isdigit() and "T" in text:
        text = "+".join(text.rsplit(" ", 1))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            gettext("Trường %(field)s phải là thời điểm ISO 8601, ví dụ 2026-02-13T16:00:00+07:00.")
            % {"field": field},
            field=field,
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            gettext("Trường %(field)s phải có múi giờ, ví dụ 2026-02-13T16:00:00+07:00.")
            % {"field": field},
            field=field,
        )
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidInput(
            gettext("Trường %(field)s phải nằm trong các năm %(first)s–%(last)s.")
            % {"field": field, "first": FIRST_YEAR, "last": LAST_YEAR},
            field=field,
        )
    return moment.astimezone(VIETNAM)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"The working calendar needs timezone-aware datetimes, got {moment!r}.")
    return moment.astimezone(VIETNAM)


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=VIETNAM)


def _position(
    moment: datetime, hours: WorkingHours, calendar: WorkingCalendar
) -> tuple[date, Fraction]:
    """A working day and a fraction in [0, 1) of it: where the moment stands on the working
    timeline (after closing is the next working day at 0)."""
    local = _local(moment)
    day = local.date()
    if calendar.is_working_day(day):
        fraction = hours.fraction_of_day(local.time())
        if fraction < 1:
            return day, fraction
    return calendar.next_working_day(day), Fraction(0)


def _amount(value: Decimal | float | int | str, *, whole_days: bool = False) -> Fraction:
    """Validate a duration in days: a multiple of ½ (of 1 with `whole_days`), 0..MAX_AMOUNT."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise InvalidInput(gettext("Thời hạn (amount) phải là một số."), field="amount")
    if number < 0:
        raise InvalidInput(gettext("Thời hạn (amount) không được là số âm."), field="amount")
    if number > MAX_AMOUNT:
        raise InvalidInput(
            gettext("Thời hạn (amount) không được vượt quá %(max)s ngày.") % {"max": MAX_AMOUNT},
            field="amount",
        )
    fraction = Fraction(number)
    if whole_days and fraction.denominator != 1:
        raise InvalidInput(
            gettext("Thời hạn tính theo ngày lịch (amount) phải là số nguyên ngày."), field="amount"
        )
    if (fraction * 2).denominator != 1:
        raise InvalidInput(
            gettext("Thời hạn (amount) phải là bội số của nửa ngày (0,5)."), field="amount"
        )
    return fraction


def next_working_moment(
    moment: datetime,
    hours: WorkingHours | None = None,
    *,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """When a dossier received at `moment` starts counting: itself inside a session; opening
    time before opening; 13:30 during lunch; the next working morning after closing or on a
    non-working day."""
    hours = hours or working_hours_for()
    calendar = _calendar(calendar)
    local = _local(moment)
    day, now = local.date(), local.time()
    if calendar.is_working_day(day):
        if now < hours.morning_start:
            return _at(day, hours.morning_start)
        if now < hours.morning_end:
            return local
        if now < hours.afternoon_start:
            return _at(day, hours.afternoon_start)
        if now < hours.afternoon_end:
            return local
    return _at(calendar.next_working_day(day), hours.morning_start)


def reception_start(
    moment: datetime,
    *,
    agency: Agency | None = None,
    cutoff: time | None = None,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """When the legal time of a dossier received at `moment` starts: as `next_working_moment`,
    except that one received at or after the reception cut-off of a working day (default 15:00,
    settings.RECEPTION_CUTOFF) counts from the next working morning."""
    hours = working_hours_for(agency)
    calendar = _calendar(calendar)
    if cutoff is None:
        cutoff = time.fromisoformat(settings.RECEPTION_CUTOFF)
    local = _local(moment)
    if calendar.is_working_day(local.date()) and local.time() >= cutoff:
        return _at(calendar.next_working_day(local.date()), hours.morning_start)
    return next_working_moment(local, hours, calendar=calendar)


def _advance(
    start: datetime, days: Fraction, hours: WorkingHours, calendar: WorkingCalendar
) -> datetime:
    """`days` (> 0) of working time after `start`; a boundary gives the earlier session's end."""
    day, fraction = _position(start, hours, calendar)
    target = fraction + days
    whole = math.floor(target)
    rest = target - whole
    if rest == 0:
        whole, rest = whole - 1, Fraction(1)
    for _day in range(whole):
        day = calendar.next_working_day(day)
    return _at(day, hours.time_at(rest))


def add_working_days(
    start: datetime,
    amount: Decimal | float | int | str,
    *,
    hours: WorkingHours | None = None,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The moment `amount` working days (a multiple of ½) after `start` (module docstring)."""
    days = _amount(amount)
    hours = hours or working_hours_for()
    calendar = _calendar(calendar)
    if days == 0:
        return next_working_moment(start, hours, calendar=calendar)
    return _advance(start, days, hours, calendar)


def add_calendar_days(
    start: datetime,
    amount: Decimal | float | int | str,
    *,
    hours: WorkingHours | None = None,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """Closing time of the day `amount` whole days after the day counting starts, moved to the
    next working day's closing time when that day is not a working day."""
    days = _amount(amount, whole_days=True)
    hours = hours or working_hours_for()
    calendar = _calendar(calendar)
    day = next_working_moment(start, hours, calendar=calendar).date() + timedelta(days=int(days))
    if not calendar.is_working_day(day):
        day = calendar.next_working_day(day)
    return _at(day, hours.afternoon_end)


def _between(
    earlier: datetime, later: datetime, hours: WorkingHours, calendar: WorkingCalendar
) -> Fraction:
    if later < earlier:
        return -_between(later, earlier, hours, calendar)
    first_day, first_fraction = _position(earlier, hours, calendar)
    last_day, last_fraction = _position(later, hours, calendar)
    return calendar.working_days_between(first_day, last_day) + last_fraction - first_fraction


def working_time_between(
    earlier: datetime,
    later: datetime,
    *,
    hours: WorkingHours | None = None,
    calendar: WorkingCalendar | None = None,
) -> Decimal:
    """Working days from `earlier` to `later` (negative when `later` comes first); the inverse
    of `add_working_days`, to the microsecond."""
    days = _between(earlier, later, hours or working_hours_for(), _calendar(calendar))
    return (Decimal(days.numerator) / Decimal(days.denominator)).quantize(_DAY_PRECISION)


def due_at(
    start: datetime,
    amount: Decimal | float | int | str,
    unit: DurationUnit | str,
    *,
    agency: Agency | None = None,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The deadline of a duration stored as number + unit (procedure, step), for an agency."""
    hours = working_hours_for(agency)
    if unit == DurationUnit.WORKING_DAYS:
        return add_working_days(start, amount, hours=hours, calendar=calendar)
    if unit == DurationUnit.CALENDAR_DAYS:
        return add_calendar_days(start, amount, hours=hours, calendar=calendar)
    raise InvalidInput(
        gettext("Đơn vị thời hạn (unit) phải là working_days hoặc calendar_days."), field="unit"
    )


# --- Stopping the clock ---------------------------------------------------------------------


def extend_due_for_pause(
    due: datetime,
    paused_at: datetime,
    resumed_at: datetime,
    *,
    hours: WorkingHours | None = None,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The due date moved forward by the working time between pause and resume (the clock
    stands still while the dossier waits for the applicant); unchanged if none passed."""
    hours = hours or working_hours_for()
    calendar = _calendar(calendar)
    waiting = _between(paused_at, resumed_at, hours, calendar)
    if waiting <= 0:
        return _local(due)
    return _advance(due, waiting, hours, calendar)


@dataclass(frozen=True)
class DeadlineClock:
    """A deadline that can be stopped and restarted: `clock.pause(at)`, then
    `clock.resume(at)` gives a clock whose `due_at` moved by the working time it stood still."""

    due_at: datetime
    paused_at: datetime | None = None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def pause(self, at: datetime) -> DeadlineClock:
        if self.paused_at is not None:
            raise ValueError("The clock is already stopped.")
        return replace(self, paused_at=_local(at))

    def resume(
        self,
        at: datetime,
        *,
        hours: WorkingHours | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> DeadlineClock:
        if self.paused_at is None:
            raise ValueError("The clock is not stopped.")
        due = extend_due_for_pause(self.due_at, self.paused_at, at, hours=hours, calendar=calendar)
        return DeadlineClock(due_at=due)
