"""API of reports: the dossier statistics of an agency for a period (SPEC §4)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field as SchemaField

from motcua.accounts.auth import session_or_token
from motcua.core.schemas import ErrorSchema
from motcua.reports.periods import period_parse
from motcua.reports.selectors import DossierStatistics, dossier_statistics, report_agency_get
from motcua.reports.service_index import ServiceIndex, service_index

router = Router(tags=["reports"])


class FiguresOut(Schema):
    submitted: int = SchemaField(description="Nộp trong kỳ.")
    pending_reception: int = SchemaField(description="Chờ tiếp nhận cuối kỳ.")
    refused: int = SchemaField(description="Từ chối tiếp nhận trong kỳ.")
    carried_over: int = SchemaField(description="Tiếp nhận từ kỳ trước chuyển sang.")
    new: int = SchemaField(description="Tiếp nhận mới trong kỳ.")
    received: int = SchemaField(description="carried_over + new.")
    early: int = SchemaField(description="Đã giải quyết trước hạn (so sánh theo ngày).")
    on_time: int = SchemaField(description="Đã giải quyết đúng hạn (cùng ngày hẹn).")
    late: int = SchemaField(description="Đã giải quyết quá hạn.")
    handled: int = SchemaField(description="early + on_time + late.")
    on_time_rate: float | None = SchemaField(
        description="(early + on_time) / handled, từ 0 đến 1; null khi chưa giải quyết hồ sơ nào."
    )
    withdrawn: int = SchemaField(description="Rút hồ sơ trong kỳ (sau khi tiếp nhận).")
    stopped: int = SchemaField(description="Dừng xử lý trong kỳ (sau khi tiếp nhận).")
    within_time: int = SchemaField(description="Đang giải quyết cuối kỳ, còn hạn.")
    overdue: int = SchemaField(description="Đang giải quyết cuối kỳ, đã quá hạn.")
    paused: int = SchemaField(description="Tạm dừng cuối kỳ (chờ bổ sung, nghĩa vụ tài chính).")
    in_progress: int = SchemaField(description="within_time + overdue + paused.")


class AgencyRef(Schema):
    code: str
    name: str


class ChannelFiguresOut(FiguresOut):
    channel: str = SchemaField(description="online, counter hoặc post.")


class ProcedureFiguresOut(FiguresOut):
    procedure_code: str
    procedure_name: str


class UnitFiguresOut(Schema):
    unit_id: int
    unit_code: str
    unit_name: str
    agency_code: str
    early: int
    on_time: int
    late: int
    handed_off: int = SchemaField(description="Số lượt chuyển đi trong kỳ.")
    on_time_rate: float | None
    open_within: int = SchemaField(description="Đang giữ cuối kỳ, còn hạn của bước.")
    open_overdue: int = SchemaField(description="Đang giữ cuối kỳ, quá hạn của bước.")


class DossierStatisticsOut(Schema):
    agency: AgencyRef
    include_children: bool
    agency_codes: list[str] = SchemaField(description="Các cơ quan được cộng số liệu.")
    from_: date = SchemaField(alias="from")
    to: date
    paused_from_history: bool = SchemaField(
        description=(
            "true: kỳ đã qua, trạng thái tạm dừng cuối kỳ lấy từ lịch sử hồ sơ; false: kỳ đến "
            "hôm nay, lấy trạng thái hiện tại."
        )
    )
    totals: FiguresOut
    by_channel: list[ChannelFiguresOut]
    by_procedure: list[ProcedureFiguresOut]
    by_unit: list[UnitFiguresOut]


def statistics_out(stats: DossierStatistics) -> dict:
    return {
        "agency": {"code": stats.agency.code, "name": stats.agency.name},
        "include_children": stats.include_children,
        "agency_codes": list(stats.agency_codes),
        "from": stats.period.start,
        "to": stats.period.end,
        "paused_from_history": stats.paused_from_events,
        "totals": stats.totals.as_dict(),
        "by_channel": [
            {"channel": channel, **figures.as_dict()}
            for channel, figures in stats.by_channel.items()
        ],
        "by_procedure": [
            {"procedure_code": row.code, "procedure_name": row.name, **row.figures.as_dict()}
            for row in stats.by_procedure
        ],
        "by_unit": [
            {
                "unit_id": unit.unit_id,
                "unit_code": unit.code,
                "unit_name": unit.name,
                "agency_code": unit.agency_code,
                "early": unit.early,
                "on_time": unit.on_time,
                "late": unit.late,
                "handed_off": unit.handed_off,
                "on_time_rate": unit.on_time_rate,
                "open_within": unit.open_within,
                "open_overdue": unit.open_overdue,
            }
            for unit in stats.by_unit
        ],
    }


@router.get(
    "/reports/dossiers",
    response={
        200: DossierStatisticsOut,
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        404: ErrorSchema,
    },
    auth=session_or_token,
    by_alias=True,
    summary="Thống kê tình hình giải quyết hồ sơ",
    description=(
        "Số liệu của một cơ quan trong kỳ (ngày theo giờ Việt Nam, tính cả hai đầu): tiếp nhận "
        "(kỳ trước chuyển sang, mới, theo kênh nộp), đã giải quyết (trước hạn, đúng hạn, quá "
        "hạn — so sánh theo ngày với ngày hẹn trả theo quy định), đang giải quyết cuối kỳ (còn "
        "hạn, quá hạn, tạm dừng), rút và dừng xử lý; theo thủ tục và theo đơn vị xử lý. Chỉ "
        "cán bộ, với cơ quan mình được xem. Lỗi: thiếu mã cơ quan 400, mã không có 404, ngoài "
        "phạm vi 403 (field agency); ngày sai, from > to, kỳ dài quá 5 năm hoặc ngoài các năm "
        "1990–2099: 400 (field from hoặc to)."
    ),
)
def dossier_statistics_read(
    request: HttpRequest,
    agency: Annotated[str, Query(description="Mã định danh cơ quan, ví dụ H56.14.")] = "",
    from_: Annotated[str, Query(alias="from", description="Từ ngày, 2026-01-01.")] = "",
    to: Annotated[str, Query(description="Đến ngày (tính cả ngày này), 2026-12-31.")] = "",
    include_children: Annotated[
        bool, Query(description="Cộng cả số liệu các cơ quan cấp dưới.")
    ] = False,
):
    found = report_agency_get(user=request.auth, code=agency)
    period = period_parse(start=from_, end=to)
    stats = dossier_statistics(
        agency=found, start=period.start, end=period.end, include_children=include_children
    )
    return statistics_out(stats)


class IndexInputOut(Schema):
    key: str
    label: str
    value: int | float | None


class IndicatorOut(Schema):
    key: str
    name: str
    group: str = SchemaField(
        description="transparency, progress, online, digitization hoặc satisfaction."
    )
    group_name: str
    formula: str
    inputs: list[IndexInputOut]
    max_points: int
    points: float | None = SchemaField(
        description="Làm tròn 2 chữ số; null khi không có dữ liệu hoặc do cơ quan đánh giá chấm."
    )
    scored_by_evaluator: bool


class ServiceIndexOut(Schema):
    agency: AgencyRef
    include_children: bool
    agency_codes: list[str]
    from_: date = SchemaField(alias="from")
    to: date
    indicators: list[IndicatorOut]
    total: float | None = SchemaField(description="Tổng điểm các chỉ số tính được.")
    reachable: int = SchemaField(description="Điểm tối đa của các chỉ số tính được.")


def service_index_out(index: ServiceIndex) -> dict:
    return {
        "agency": {"code": index.agency.code, "name": index.agency.name},
        "include_children": index.include_children,
        "agency_codes": list(index.agency_codes),
        "from": index.period.start,
        "to": index.period.end,
        "indicators": [
            {
                "key": indicator.key,
                "name": str(indicator.name),
                "group": indicator.group,
                "group_name": str(indicator.group_name),
                "formula": str(indicator.formula),
                "inputs": [
                    {"key": item.key, "label": str(item.label), "value": item.value}
                    for item in indicator.inputs
                ],
                "max_points": indicator.max_points,
                "points": indicator.points,
                "scored_by_evaluator": indicator.scored_by_evaluator,
            }
            for indicator in index.indicators
        ],
        "total": index.total,
        "reachable": index.reachable,
    }


@router.get(
    "/reports/service-index",
    response={
        200: ServiceIndexOut,
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        404: ErrorSchema,
    },
    auth=session_or_token,
    by_alias=True,
    summary="Chỉ số chất lượng phục vụ (Quyết định 766/QĐ-TTg)",
    description=(
        "Các chỉ số tính được từ hồ sơ của một cơ quan trong kỳ, mỗi chỉ số với công thức, số "
        "liệu đầu vào và điểm: tiến độ giải quyết, nộp và thanh toán trực tuyến, số hóa, kết "
        "quả điện tử, tái sử dụng dữ liệu, mức độ hài lòng; nhóm công khai, minh bạch do cơ "
        "quan đánh giá chấm (points null). Quyền và lỗi như /reports/dossiers."
    ),
)
def service_index_read(
    request: HttpRequest,
    agency: Annotated[str, Query(description="Mã định danh cơ quan, ví dụ H56.14.")] = "",
    from_: Annotated[str, Query(alias="from", description="Từ ngày, 2026-01-01.")] = "",
    to: Annotated[str, Query(description="Đến ngày (tính cả ngày này), 2026-12-31.")] = "",
    include_children: Annotated[
        bool, Query(description="Cộng cả số liệu các cơ quan cấp dưới.")
    ] = False,
):
    found = report_agency_get(user=request.auth, code=agency)
    period = period_parse(start=from_, end=to)
    index = service_index(
        agency=found, start=period.start, end=period.end, include_children=include_children
    )
    return service_index_out(index)
