"""Report statistics per period (and unit): received by channel and category, answered on time
or late, open and overdue at the period's end, average time to answer, share published,
rating; as figures for the page and as an Excel workbook.

Counted from the reports' own moments, so that a past period gives the same figures later:
received in the period; answered in the period (on time when answered by the deadline); open
at the period's end (received before it, neither answered nor closed by then), overdue when
its deadline passed before the end (or before now, for a period that has not ended).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from motcua.feedback.models import Channel, Report
from motcua.reports.periods import Period

_SECONDS_PER_DAY = 86400


@dataclass
class Figures:
    label: str = ""
    received: int = 0
    web: int = 0
    hotline: int = 0
    open311: int = 0
    on_time: int = 0
    late: int = 0
    open_within: int = 0
    open_overdue: int = 0
    published: int = 0
    rated: int = 0
    rating_sum: int = 0
    answer_seconds: float = 0.0

    @property
    def answered(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.answered if self.answered else None

    @property
    def published_share(self) -> float | None:
        return self.published / self.answered if self.answered else None

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def average_days(self) -> float | None:
        """Average calendar days from reception to the approved answer."""
        return self.answer_seconds / self.answered / _SECONDS_PER_DAY if self.answered else None


@dataclass
class FeedbackStatistics:
    period: Period
    total: Figures
    by_category: list[Figures] = field(default_factory=list)
    by_unit: list[Figures] = field(default_factory=list)


def _conditions(period: Period, now: datetime) -> dict[str, Q]:
    start, end = period.start_at, period.end_at
    horizon = min(end, now)
    received = Q(received_at__gte=start, received_at__lt=end)
    answered = Q(answered_at__gte=start, answered_at__lt=end)
    open_at_end = (
        Q(received_at__lt=end)
        & (Q(answered_at__isnull=True) | Q(answered_at__gte=end))
        & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    )
    return {
        "received": received,
        "web": received & Q(channel=Channel.WEB),
        "hotline": received & Q(channel=Channel.HOTLINE),
        "open311": received & Q(channel=Channel.OPEN311),
        "on_time": answered & Q(answered_at__lte=F("due_at")),
        "late": answered & Q(answered_at__gt=F("due_at")),
        "open_within": open_at_end & Q(due_at__gte=horizon),
        "open_overdue": open_at_end & Q(due_at__lt=horizon),
        "published": answered & Q(published_at__isnull=False),
        "rated": answered & Q(rating__isnull=False),
    }


def _counts(reports: QuerySet[Report], conditions: dict[str, Q], group: str | None):
    aggregates = {name: Count("pk", filter=condition) for name, condition in conditions.items()}
    aggregates["rating_sum"] = Sum("rating", filter=conditions["rated"])
    if group is None:
        return {None: reports.aggregate(**aggregates)}
    rows = reports.values(group).annotate(**aggregates).order_by(group)
    return {row.pop(group): row for row in rows}


def feedback_statistics(
    *, reports: QuerySet[Report], period: Period, now: datetime | None = None
) -> FeedbackStatistics:
    """The figures of `reports` (already limited to what the user may see) for `period`: one
    query per grouping, plus one for the answer times."""
    now = now or timezone.now()
    conditions = _conditions(period, now)
    reports = reports.order_by()
    # Every figure needs a report received before the end and still alive at the start.
    relevant = reports.filter(received_at__lt=period.end_at).filter(
        Q(closed_at__isnull=True)
        | Q(closed_at__gte=period.start_at)
        | Q(answered_at__gte=period.start_at)
    )
    groups = {"category": "category__name", "unit": "unit__name"}
    tables: dict[str | None, dict] = {
        None: _counts(relevant, conditions, None),
        "category": _counts(relevant, conditions, groups["category"]),
        "unit": _counts(relevant, conditions, groups["unit"]),
    }
    durations: dict[tuple[str, object], float] = defaultdict(float)
    answered = reports.filter(
        answered_at__gte=period.start_at, answered_at__lt=period.end_at
    ).values_list("category__name", "unit__name", "received_at", "answered_at")
    for category, unit, received_at, answered_at in answered:
        seconds = (answered_at - received_at).total_seconds()
        durations[("total", None)] += seconds
        durations[("category", category)] += seconds
        durations[("unit", unit)] += seconds

    def figures(kind: str, key, values: dict, label: str) -> Figures:
        clean = {name: int(value or 0) for name, value in values.items()}
        return Figures(label=label, answer_seconds=durations[(kind, key)], **clean)

    total = figures("total", None, tables[None][None], _("Tổng cộng"))
    by_category = [
        figures("category", name, values, name or _("(không rõ)"))
        for name, values in tables["category"].items()
        if any(values.values())
    ]
    by_unit = [
        figures("unit", name, values, name or _("(chưa giao đơn vị)"))
        for name, values in tables["unit"].items()
        if any(values.values())
    ]
    return FeedbackStatistics(period=period, total=total, by_category=by_category, by_unit=by_unit)


def figure_columns() -> list[tuple[str, str]]:
    return [
        ("received", _("Tiếp nhận")),
        ("web", _("Qua cổng")),
        ("hotline", _("Qua đường dây nóng")),
        ("open311", _("Qua hệ thống khác")),
        ("on_time", _("Trả lời đúng hạn")),
        ("late", _("Trả lời quá hạn")),
        ("open_within", _("Đang xử lý trong hạn")),
        ("open_overdue", _("Đang xử lý quá hạn")),
        ("average_days", _("Thời gian trả lời trung bình (ngày)")),
        ("published_share", _("Tỷ lệ công khai")),
        ("average_rating", _("Đánh giá trung bình (1-5)")),
    ]


def statistics_workbook(stats: FeedbackStatistics) -> bytes:
    """The same figures as the page: one sheet per grouping."""
    book = Workbook()
    columns = figure_columns()
    sheets = [
        (_("Tổng hợp"), [stats.total]),
        (_("Theo lĩnh vực"), stats.by_category),
        (_("Theo đơn vị"), stats.by_unit),
    ]
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title[:31]
        sheet.append(
            [
                _("Phản ánh, kiến nghị từ %(start)s đến %(end)s")
                % {
                    "start": stats.period.start.strftime("%d/%m/%Y"),
                    "end": stats.period.end.strftime("%d/%m/%Y"),
                }
            ]
        )
        sheet["A1"].font = Font(bold=True)
        sheet.append([_("Nhóm"), *[label for _name, label in columns]])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            values = [getattr(row, name) for name, _label in columns]
            sheet.append([row.label, *[round(v, 3) if isinstance(v, float) else v for v in values]])
        sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
