"""Reporting periods: local dates from..to (inclusive), their checks and the quick choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.calendar import VIETNAM
from motcua.core.errors import InvalidInput

# Five years (with leap days): enough for a term of office, small enough to answer quickly.
MAX_PERIOD_DAYS = 366 * 5
# The dates a report may cover: no dossier is older, and beyond these the arithmetic of
# moments (the day after, UTC) would overflow.
EARLIEST = date(1990, 1, 1)
LATEST = date(2099, 12, 31)


@dataclass(frozen=True)
class Period:
    """Local (Vietnam) dates, both included."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=VIETNAM)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period: midnight at the end of `end`."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=VIETNAM)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_date(value: str | None, *, field: str) -> date:
    """An ISO date (2026-11-23) or a Vietnamese one (23/11/2026)."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("Thiếu ngày: nhập ngày theo dạng 2026-11-23."), field=field)
    for parse in (date.fromisoformat, _day_first):
        try:
            return parse(text)
        except ValueError:
            continue
    raise InvalidInput(
        _("Ngày “%(value)s” không hợp lệ: nhập theo dạng 2026-11-23 hoặc 23/11/2026.")
        % {"value": text[:20]},
        field=field,
    )


def _day_first(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def period_check(*, start: date, end: date) -> Period:
    """The period from `start` to `end`, or InvalidInput naming the field at fault."""
    for day, field in ((start, "from"), (end, "to")):
        if not EARLIEST <= day <= LATEST:
            raise InvalidInput(
                _("Ngày phải trong khoảng từ %(first)s đến %(last)s.")
                % {"first": EARLIEST.strftime("%d/%m/%Y"), "last": LATEST.strftime("%d/%m/%Y")},
                field=field,
            )
    if start > end:
        raise InvalidInput(_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."), field="from")
    period = Period(start, end)
    if period.days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            _("Kỳ báo cáo dài tối đa %(days)s ngày (5 năm).") % {"days": MAX_PERIOD_DAYS},
            field="to",
        )
    return period


def period_parse(*, start: str | None, end: str | None) -> Period:
    return period_check(start=parse_date(start, field="from"), end=parse_date(end, field="to"))


QUICK_CHOICES = (
    ("month", gettext_lazy("Tháng này")),
    ("quarter", gettext_lazy("Quý này")),
    ("year", gettext_lazy("Năm nay")),
    ("last_month", gettext_lazy("Tháng trước")),
    ("last_year", gettext_lazy("Năm trước")),
)


def quick_period(key: str, *, today: date) -> Period:
    """A usual period around `today`: this month, quarter or year (up to its last day), or the
    whole previous month or year."""
    if key == "month":
        start = today.replace(day=1)
        return Period(start, _month_end(start))
    if key == "quarter":
        start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return Period(start, _month_end(start.replace(month=start.month + 2)))
    if key == "year":
        return Period(today.replace(month=1, day=1), today.replace(month=12, day=31))
    if key == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    if key == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    raise InvalidInput(_("Lựa chọn kỳ báo cáo không hợp lệ."), field="period")


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
