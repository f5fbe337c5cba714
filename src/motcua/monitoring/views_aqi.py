"""Air-quality pages: the public map and station pages with their open-data downloads (no login),
and the monitoring operators' alerts page."""

from __future__ import annotations

import csv
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.core.errors import InvalidInput, NotFound
from motcua.monitoring.aqi import CATEGORIES
from motcua.monitoring.aqi_selectors import (
    alerts_visible_to,
    check_day_period,
    daily_aqi_series,
    hour_ceiling,
    hourly_aqi_series,
    local_midnight,
    public_open_alerts,
    public_station,
    station_current,
    stations_current,
    validated_hourly_rows,
)
from motcua.monitoring.aqi_services import alert_acknowledge
from motcua.monitoring.models import Station
from motcua.monitoring.views import operator_required

CHART_HOURS = 48
CHART_DAYS = 30
DOWNLOAD_DEFAULT_DAYS = 7


def _language() -> str:
    return translation.get_language() or "vi"


def _public_station(code: str) -> Station:
    station = public_station(code=code)
    if station is None:
        raise NotFound(_("Không có trạm quan trắc mã %(code)s.") % {"code": code}, field="code")
    return station


def _label(row) -> dict:
    """A row's index with its category in the visitor's language, for templates and charts."""
    category = row.aqi_category if row is not None else None
    return {
        "aqi": row.aqi if row is not None else None,
        "level": category.level if category else 0,
        "category": category.name(_language()) if category else "",
        "dominant": row.dominant if row is not None else "",
    }


def _legend() -> list[dict]:
    language = _language()
    return [
        {
            "level": category.level,
            "low": category.low,
            "high": category.high,
            "name": category.name(language),
            "advice_general": category.advice_general(language),
            "advice_sensitive": category.advice_sensitive(language),
        }
        for category in CATEGORIES
    ]


def _colors() -> dict[int, str]:
    return {category.level: category.color for category in CATEGORIES}


def air_quality_map(request: HttpRequest) -> HttpResponse:
    items = stations_current()
    stations = []
    for item in items:
        station, current = item.station, item.current
        stations.append(
            {
                "code": station.code,
                "name": station.name,
                "lat": float(station.latitude),
                "lon": float(station.longitude),
                "url": reverse("monitoring:air-quality-station", args=[station.code]),
                "time": timezone.localtime(current.hour_start).strftime("%H:%M %d/%m/%Y")
                if current
                else "",
                **_label(current),
            }
        )
    return render(
        request,
        "monitoring/public/map.html",
        {
            "items": [(item, row) for item, row in zip(items, stations, strict=True)],
            "map_data": {
                "stations": stations,
                "tiles": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
                "label": _("VN_AQI"),
                "open": _("Xem trạm"),
                "none": _("Chưa có số liệu"),
            },
            "legend": _legend(),
            "alerts": public_open_alerts()[:20],
        },
    )


def _station_context(station: Station) -> dict:
    now = timezone.now()
    today = timezone.localdate()
    current = station_current(station=station, now=now)
    end = hour_ceiling(now)
    hourly = [
        (hour, _label(row))
        for hour, row in hourly_aqi_series(
            station=station, start=end - timedelta(hours=CHART_HOURS), end=end
        )
    ]
    daily = [
        (day, _label(row))
        for day, row in daily_aqi_series(
            station=station, first=today - timedelta(days=CHART_DAYS - 1), last=today
        )
    ]
    category = current.aqi_category if current else None
    language = _language()
    return {
        "station": station,
        "current": current,
        "category": category,
        "category_name": category.name(language) if category else "",
        "advice_general": category.advice_general(language) if category else "",
        "advice_sensitive": category.advice_sensitive(language) if category else "",
        "hourly": hourly,
        "daily": daily,
        "has_daily": any(label["aqi"] is not None for _, label in daily),
        # [epoch seconds, index or null, category level] for static/monitoring/air-quality.js
        "chart_data": {
            "hourly": [[int(h.timestamp()), v["aqi"], v["level"]] for h, v in hourly],
            "daily": [[int(local_midnight(d).timestamp()), v["aqi"], v["level"]] for d, v in daily],
            "label": _("VN_AQI"),
            "colors": _colors(),
        },
        "legend": _legend(),
        "alerts": public_open_alerts(station=station),
        "download": {
            "from": (today - timedelta(days=DOWNLOAD_DEFAULT_DAYS - 1)).isoformat(),
            "to": today.isoformat(),
        },
        "license": settings.OPEN_DATA_LICENSE,
        "license_url": settings.OPEN_DATA_LICENSE_URL,
    }


def air_quality_station(request: HttpRequest, code: str) -> HttpResponse:
    station = _public_station(code)
    return render(request, "monitoring/public/station.html", _station_context(station))


def air_quality_data(request: HttpRequest, code: str) -> HttpResponse:
    """Open data: the station's validated hourly means for local days `from`..`to` (at most a
    year), as CSV or JSON. Bad dates give the station page again with the error (400)."""
    station = _public_station(code)
    chosen = request.GET.get("format", "csv")
    try:
        if chosen not in ("csv", "json"):
            raise InvalidInput(_("Chọn định dạng CSV hoặc JSON."), field="format")
        first, last = check_day_period(
            start_text=request.GET.get("from") or None,
            end_text=request.GET.get("to") or None,
            default_days=DOWNLOAD_DEFAULT_DAYS,
        )
    except InvalidInput as error:
        context = _station_context(station)
        context["download"] = {
            "from": request.GET.get("from", ""),
            "to": request.GET.get("to", ""),
            "error": error,
        }
        return render(request, "monitoring/public/station.html", context, status=400)
    start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    rows = validated_hourly_rows(station=station, start=start, end=end)
    name = f"{station.code}_{first:%Y%m%d}-{last:%Y%m%d}"
    if chosen == "json":
        payload = {
            "station": {"code": station.code, "name": station.name, "owner": station.owner},
            "from": first.isoformat(),
            "to": last.isoformat(),
            "license": settings.OPEN_DATA_LICENSE,
            "license_url": settings.OPEN_DATA_LICENSE_URL,
            "note": _("Trung bình giờ đã qua kiểm tra chất lượng; thời gian là giờ bắt đầu."),
            "values": [
                {
                    "time": timezone.localtime(hour).isoformat(),
                    "parameter": parameter,
                    "unit": unit,
                    "value": value,
                }
                for hour, parameter, unit, value in rows
            ],
        }
        response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    response = StreamingHttpResponse(
        _csv_lines(station, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(station: Station, rows):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel reads UTF-8
    yield writer.writerow(["time", "station", "parameter", "unit", "value"])
    for hour, parameter, unit, value in rows:
        yield writer.writerow(
            [timezone.localtime(hour).isoformat(), station.code, parameter, unit, value]
        )


@operator_required
def alerts_page(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("tat-ca") == "1"
    return render(
        request,
        "monitoring/alerts/list.html",
        {
            "alerts": alerts_visible_to(user=request.user, open_only=not show_all)[:200],
            "show_all": show_all,
        },
    )


@operator_required
@require_POST
def alert_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = alerts_visible_to(user=request.user).filter(pk=pk).first()
    if alert is None:
        raise NotFound(_("Không tìm thấy cảnh báo."), field="alert")
    alert_acknowledge(actor=request.user, alert=alert)
    messages.success(request, _("Đã xác nhận cảnh báo."))
    return redirect("monitoring:alerts")
