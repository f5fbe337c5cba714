"""Public air-quality API (no login): the current VN_AQI of every station, a station's hourly and
daily indices. Included in the monitoring router (monitoring/api.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from motcua.core.errors import NotFound
from motcua.core.schemas import ErrorSchema
from motcua.monitoring.aqi import CATEGORY_BY_LEVEL
from motcua.monitoring.aqi_selectors import (
    check_day_period,
    check_hour_period,
    daily_aqi_series,
    hourly_aqi_series,
    public_station,
    stations_current,
)
from motcua.monitoring.models import Station

router = Router(tags=["air-quality"])

HOURLY_DEFAULT = timedelta(hours=48)
DAILY_DEFAULT_DAYS = 30


class AqiPoint(Schema):
    time: str = Field(description="Giờ bắt đầu (ISO 8601, giờ Việt Nam) hoặc ngày (YYYY-MM-DD).")
    aqi: int | None = Field(description="VN_AQI; null khi quy tắc không cho giá trị.")
    category: str | None = Field(examples=["Trung bình"])
    color: str | None = Field(examples=["#ffff00"])
    dominant: str | None = Field(examples=["PM2.5"], description="Chất ô nhiễm chính.")
    sub_indices: dict[str, int] = Field(examples=[{"PM2.5": 75, "NO2": 40}])


class StationNowOut(Schema):
    code: str
    name: str
    owner: str
    latitude: float
    longitude: float
    province: str | None
    status: str
    time: str | None = Field(description="Giờ của chỉ số hiện tại; null khi chưa có.")
    aqi: int | None
    category: str | None
    color: str | None
    dominant: str | None


def aqi_point(moment: datetime | date, row) -> dict:
    """One hour or day as the API and the open-data JSON give it."""
    when = timezone.localtime(moment).isoformat() if isinstance(moment, datetime) else str(moment)
    category = CATEGORY_BY_LEVEL.get(row.category) if row is not None and row.category else None
    return {
        "time": when,
        "aqi": row.aqi if row is not None else None,
        "category": category.name_vi if category else None,
        "color": category.color if category else None,
        "dominant": (row.dominant or None) if row is not None else None,
        "sub_indices": row.sub_indices if row is not None else {},
    }


def _station(code: str) -> Station:
    station = public_station(code=code)
    if station is None:
        raise NotFound(_("Không có trạm quan trắc mã %(code)s.") % {"code": code}, field="code")
    return station


@router.get(
    "/air-quality/stations",
    response=list[StationNowOut],
    summary="Chỉ số VN_AQI hiện tại của các trạm",
)
def stations_now(request: HttpRequest):
    result = []
    for item in stations_current():
        station, current = item.station, item.current
        point = aqi_point(current.hour_start, current) if current else None
        result.append(
            {
                "code": station.code,
                "name": station.name,
                "owner": station.owner,
                "latitude": float(station.latitude),
                "longitude": float(station.longitude),
                "province": station.province.name if station.province else None,
                "status": station.status,
                "time": point["time"] if point else None,
                "aqi": point["aqi"] if point else None,
                "category": point["category"] if point else None,
                "color": point["color"] if point else None,
                "dominant": point["dominant"] if point else None,
            }
        )
    return result


def _hourly(code: str, start_text: str | None, end_text: str | None) -> list[dict]:
    station = _station(code)
    start, end = check_hour_period(start_text=start_text, end_text=end_text, default=HOURLY_DEFAULT)
    return [
        aqi_point(hour, row)
        for hour, row in hourly_aqi_series(station=station, start=start, end=end)
    ]


def _daily(code: str, start_text: str | None, end_text: str | None) -> list[dict]:
    station = _station(code)
    first, last = check_day_period(
        start_text=start_text, end_text=end_text, default_days=DAILY_DEFAULT_DAYS
    )
    return [
        aqi_point(day, row)
        for day, row in daily_aqi_series(station=station, first=first, last=last)
    ]


class Period(Schema):
    start: str | None = Field(
        None,
        alias="from",
        description="Từ (ngày YYYY-MM-DD theo giờ Việt Nam, hoặc ISO 8601 có múi giờ).",
    )
    end: str | None = Field(None, alias="to", description="Đến (ngày này tính trọn ngày).")


_RESPONSES = {200: list[AqiPoint], 400: ErrorSchema, 404: ErrorSchema}


@router.get(
    "/air-quality/stations/{code}/hourly",
    response=_RESPONSES,
    summary="VN_AQI giờ của một trạm",
    description="Mỗi giờ trong khoảng (mặc định 48 giờ gần nhất, tối đa 1 năm).",
)
def station_hourly(request: HttpRequest, code: str, period: Query[Period]):
    return _hourly(code, period.start, period.end)


@router.get(
    "/air-quality/stations/{code}/daily",
    response=_RESPONSES,
    summary="VN_AQI ngày của một trạm",
    description="Mỗi ngày trong khoảng (mặc định 30 ngày gần nhất, tối đa 1 năm).",
)
def station_daily(request: HttpRequest, code: str, period: Query[Period]):
    return _daily(code, period.start, period.end)


class AqiQuery(Period):
    kind: Literal["hourly", "daily"] = "hourly"


@router.get(
    "/monitoring/stations/{code}/aqi",
    response=_RESPONSES,
    summary="VN_AQI giờ hoặc ngày của một trạm",
    description="kind=hourly (mặc định) hoặc daily; như /air-quality/stations/{code}/hourly|daily.",
)
def station_aqi(request: HttpRequest, code: str, query: Query[AqiQuery]):
    if query.kind == "daily":
        return _daily(code, query.start, query.end)
    return _hourly(code, query.start, query.end)
