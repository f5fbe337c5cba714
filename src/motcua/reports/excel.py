"""The dossier statistics as an Excel workbook (.xlsx): totals by channel, per procedure, per
unit; the same figures as the page."""

from __future__ import annotations

import io
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.catalog.models import Channel
from motcua.reports.selectors import DossierStatistics, Figures
from motcua.reports.service_index import ServiceIndex

RATE_FORMAT = "0.0%"


def figure_columns() -> list[tuple[str, str]]:
    """(Figures attribute, column title) in the order of the page's tables."""
    return [
        ("submitted", _("Nộp trong kỳ")),
        ("pending_reception", _("Chờ tiếp nhận cuối kỳ")),
        ("refused", _("Từ chối tiếp nhận")),
        ("carried_over", _("Kỳ trước chuyển sang")),
        ("new", _("Tiếp nhận mới")),
        ("received", _("Tổng số tiếp nhận")),
        ("early", _("Giải quyết trước hạn")),
        ("on_time", _("Giải quyết đúng hạn")),
        ("late", _("Giải quyết quá hạn")),
        ("handled", _("Tổng số đã giải quyết")),
        ("on_time_rate", _("Tỷ lệ đúng hạn")),
        ("withdrawn", _("Rút hồ sơ")),
        ("stopped", _("Dừng xử lý")),
        ("within_time", _("Đang giải quyết còn hạn")),
        ("overdue", _("Đang giải quyết quá hạn")),
        ("paused", _("Tạm dừng")),
        ("in_progress", _("Tổng số đang giải quyết")),
    ]


def unit_columns() -> list[tuple[str, str]]:
    return [
        ("early", _("Chuyển trước hạn")),
        ("on_time", _("Chuyển đúng hạn")),
        ("late", _("Chuyển quá hạn")),
        ("handed_off", _("Tổng số lượt chuyển")),
        ("on_time_rate", _("Tỷ lệ đúng hạn")),
        ("open_within", _("Đang giữ còn hạn")),
        ("open_overdue", _("Đang giữ quá hạn")),
    ]


def statistics_workbook(stats: DossierStatistics, *, made_at: datetime | None = None) -> bytes:
    made_at = timezone.localtime(made_at or timezone.now())
    book = Workbook()
    summary = book.active
    summary.title = _("Tổng hợp")
    _heading(summary, stats, made_at)
    channels = list(stats.by_channel.items())
    summary.append(
        [_("Chỉ tiêu"), _("Tổng số"), *(str(Channel(channel).label) for channel, _f in channels)]
    )
    _bold(summary)
    for name, title in figure_columns():
        summary.append(
            [title, _value(stats.totals, name), *(_value(f, name) for _c, f in channels)]
        )
        if name == "on_time_rate":
            for cell in summary[summary.max_row][1:]:
                cell.number_format = RATE_FORMAT

    procedures = book.create_sheet(_("Theo thủ tục"))
    _heading(procedures, stats, made_at)
    columns = figure_columns()
    procedures.append([_("Mã thủ tục"), _("Tên thủ tục"), *(title for _n, title in columns)])
    _bold(procedures)
    for row in stats.by_procedure:
        procedures.append([row.code, row.name, *(_value(row.figures, n) for n, _t in columns)])
    procedures.append([_("Tổng cộng"), "", *(_value(stats.totals, n) for n, _t in columns)])
    _bold(procedures)
    _rate_format(procedures, first_column=3, columns=columns)

    units = book.create_sheet(_("Theo đơn vị"))
    _heading(units, stats, made_at)
    columns = unit_columns()
    units.append([_("Cơ quan"), _("Mã đơn vị"), _("Tên đơn vị"), *(t for _n, t in columns)])
    _bold(units)
    for unit in stats.by_unit:
        units.append(
            [unit.agency_code, unit.code, unit.name, *(getattr(unit, n) for n, _t in columns)]
        )
    _rate_format(units, first_column=4, columns=columns)

    for sheet in book.worksheets:
        sheet.column_dimensions["A"].width = 34
        sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def service_index_workbook(index: ServiceIndex, *, made_at: datetime | None = None) -> bytes:
    """The indicators of the service-quality index: one row per input, points per indicator."""
    made_at = timezone.localtime(made_at or timezone.now())
    book = Workbook()
    sheet = book.active
    sheet.title = _("Chỉ số phục vụ")
    _heading(sheet, index, made_at, title=_("CHỈ SỐ CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP"))
    sheet.append(
        [
            _("Nhóm tiêu chí"),
            _("Chỉ số"),
            _("Công thức"),
            _("Số liệu"),
            _("Giá trị"),
            _("Điểm"),
            _("Điểm tối đa"),
        ]
    )
    _bold(sheet)
    for indicator in index.indicators:
        points = indicator.points
        if points is None:
            points = (
                _("chấm bởi cơ quan đánh giá")
                if indicator.scored_by_evaluator
                else _("không có dữ liệu")
            )
        for number, item in enumerate(indicator.inputs or (None,)):
            # The indicator's own cells on its first row only; one row per input.
            own = number == 0
            sheet.append(
                [
                    *(
                        (str(indicator.group_name), str(indicator.name), str(indicator.formula))
                        if own
                        else ("", "", "")
                    ),
                    str(item.label) if item else "",
                    item.value if item else None,
                    points if own else None,
                    indicator.max_points if own else None,
                ]
            )
    sheet.append(
        [
            _("Tổng điểm các chỉ số tính được"),
            "",
            "",
            "",
            None,
            index.total if index.total is not None else _("không có dữ liệu"),
            index.reachable,
        ]
    )
    _bold(sheet)
    for letter, width in zip("ABCDEFG", (30, 40, 50, 40, 10, 12, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _heading(
    sheet: Worksheet,
    stats: DossierStatistics | ServiceIndex,
    made_at: datetime,
    *,
    title: str | None = None,
) -> None:
    sheet.append([title or _("BÁO CÁO TÌNH HÌNH GIẢI QUYẾT HỒ SƠ THỦ TỤC HÀNH CHÍNH")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Cơ quan"), f"{stats.agency.name} ({stats.agency.code})"])
    if stats.include_children:
        sheet.append([_("Gồm các cơ quan"), ", ".join(stats.agency_codes)])
    sheet.append(
        [
            _("Kỳ báo cáo"),
            _("Từ ngày %(start)s đến ngày %(end)s")
            % {
                "start": stats.period.start.strftime("%d/%m/%Y"),
                "end": stats.period.end.strftime("%d/%m/%Y"),
            },
        ]
    )
    sheet.append([_("Lập lúc"), made_at.strftime("%H:%M %d/%m/%Y")])
    sheet.append([])


def _value(figures: Figures, name: str) -> int | float | None:
    return getattr(figures, name)


def _bold(sheet: Worksheet) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _rate_format(sheet: Worksheet, *, first_column: int, columns: list[tuple[str, str]]) -> None:
    names = [name for name, _t in columns]
    letter = get_column_letter(first_column + names.index("on_time_rate"))
    for cell in sheet[letter]:
        if isinstance(cell.value, float):
            cell.number_format = RATE_FORMAT
