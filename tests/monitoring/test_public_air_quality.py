"""The public air-quality pages and API: no login, current index per station with its colour
class, a station's charts data and advice, open-data downloads, errors with their field."""

import csv
import io
import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from motcua.monitoring.aqi_services import aqi_recompute
from motcua.monitoring.models import Alert, Station
from tests.monitoring.aqi_data import DAY, day_of, local_hour, put
from tests.monitoring.factories import station

pytestmark = pytest.mark.django_db


def _now_hour():
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def _live_station(code: str, pm25: float, **values) -> Station:
    """A station whose last six hours hold a steady PM2.5 (its current index)."""
    site = station(code=code, **values)
    now = _now_hour()
    put(site, "PM2.5", {now - timedelta(hours=h): pm25 for h in range(1, 7)})
    aqi_recompute(station_id=site.pk, start=now - timedelta(hours=6), end=now)
    return site


# --- API -----------------------------------------------------------------------------------


def test_api_lists_the_current_index_of_every_public_station(client, django_assert_num_queries):
    # given a good, a poor and a silent station, and a retired one
    _live_station("AQ-GOOD", 10, name="Trạm sạch", owner="Sở NN&MT")
    _live_station("AQ-POOR", 60)  # 50 / 30 × 10 + 100 = 116.7 → 117, Kém
    station(code="AQ-SILENT")
    station(code="AQ-OLD", status=Station.Status.RETIRED)
    # when anyone asks, in a fixed number of queries
    with django_assert_num_queries(2):
        response = client.get("/api/v1/air-quality/stations")
    # then each public station with its current index, colour and dominant pollutant
    assert response.status_code == 200
    by_code = {item["code"]: item for item in response.json()}
    assert set(by_code) == {"AQ-GOOD", "AQ-POOR", "AQ-SILENT"}
    assert by_code["AQ-GOOD"] | {"time": None} == {
        "code": "AQ-GOOD",
        "name": "Trạm sạch",
        "owner": "Sở NN&MT",
        "latitude": 11.9404,
        "longitude": 108.4583,
        "province": None,
        "status": "active",
        "time": None,
        "aqi": 20,
        "category": "Tốt",
        "color": "#00e400",
        "dominant": "PM2.5",
    }
    assert (by_code["AQ-POOR"]["aqi"], by_code["AQ-POOR"]["category"]) == (117, "Kém")
    assert by_code["AQ-SILENT"]["aqi"] is None and by_code["AQ-SILENT"]["time"] is None


def test_the_stations_list_costs_the_same_queries_for_many_stations(
    client, django_assert_num_queries
):
    for number in range(6):
        _live_station(f"AQ-{number}", 20 + number)
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/air-quality/stations").json()) == 6


@pytest.fixture
def day_station():
    site = station(code="AQ-DAY")
    put(site, "PM2.5", day_of(37.5))
    put(site, "NO2", {local_hour(10): 250})
    aqi_recompute(station_id=site.pk, start=local_hour(0), end=local_hour(24))
    return site


def test_hourly_series_has_every_hour_with_null_where_no_value(client, day_station):
    response = client.get(
        "/api/v1/air-quality/stations/AQ-DAY/hourly",
        {"from": "2026-03-10T00:00:00+07:00", "to": "2026-03-10T12:00:00+07:00"},
    )
    assert response.status_code == 200
    points = response.json()
    assert len(points) == 12
    assert points[0] == {
        "time": "2026-03-10T00:00:00+07:00",
        "aqi": None,
        "category": None,
        "color": None,
        "dominant": None,
        "sub_indices": {},
    }
    assert points[10] == {
        "time": "2026-03-10T10:00:00+07:00",
        "aqi": 105,
        "category": "Kém",
        "color": "#ff7e00",
        "dominant": "NO2",
        "sub_indices": {"PM2.5": 75, "NO2": 105},
    }


def test_a_date_means_the_whole_local_day(client, day_station):
    points = client.get(
        "/api/v1/air-quality/stations/AQ-DAY/hourly", {"from": "2026-03-10", "to": "2026-03-10"}
    ).json()
    assert len(points) == 24
    assert points[0]["time"] == "2026-03-10T00:00:00+07:00"
    assert points[-1]["time"] == "2026-03-10T23:00:00+07:00"


def test_daily_series_and_the_issue_s_endpoint_agree(client, day_station):
    daily = client.get(
        "/api/v1/air-quality/stations/AQ-DAY/daily", {"from": "2026-03-09", "to": "2026-03-11"}
    ).json()
    assert [point["time"] for point in daily] == ["2026-03-09", "2026-03-10", "2026-03-11"]
    assert daily[0]["aqi"] is None
    assert (daily[1]["aqi"], daily[1]["dominant"]) == (105, "NO2")
    same = client.get(
        "/api/v1/monitoring/stations/AQ-DAY/aqi",
        {"kind": "daily", "from": "2026-03-09", "to": "2026-03-11"},
    ).json()
    assert same == daily
    hourly = client.get(
        "/api/v1/monitoring/stations/AQ-DAY/aqi", {"from": "2026-03-10", "to": "2026-03-10"}
    ).json()
    assert len(hourly) == 24


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "hôm qua"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-10T10:00:00"}, "from"),  # no offset
        ({"from": "2026-03-10", "to": "2026-03-09"}, "to"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "to"),  # more than a year
    ],
)
def test_bad_periods_answer_400_with_the_field(client, day_station, query, field):
    for kind in ("hourly", "daily"):
        response = client.get(f"/api/v1/air-quality/stations/AQ-DAY/{kind}", query)
        assert response.status_code == 400, (kind, query)
        body = response.json()
        assert body["field"] == field
        assert body["code"] == "invalid" and body["message"]


def test_an_unknown_station_is_404(client):
    for path in ("hourly", "daily"):
        response = client.get(f"/api/v1/air-quality/stations/KHONG-CO/{path}")
        assert response.status_code == 404
        assert response.json()["field"] == "code"
    assert client.get("/api/v1/monitoring/stations/KHONG-CO/aqi").status_code == 404


def test_a_wrong_kind_is_400(client, day_station):
    response = client.get("/api/v1/monitoring/stations/AQ-DAY/aqi", {"kind": "weekly"})
    assert response.status_code == 400
    assert response.json()["field"] == "kind"


# --- Pages ---------------------------------------------------------------------------------


def test_map_page_lists_stations_with_colour_classes(client, django_assert_max_num_queries):
    _live_station("AQ-GOOD", 10, name="Trạm sạch")
    _live_station("AQ-POOR", 60, name="Trạm bụi")
    with django_assert_max_num_queries(8):
        response = client.get("/chat-luong-khong-khi/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="aqi-badge aqi-1">20<' in html
    assert 'class="aqi-badge aqi-3">117<' in html
    assert "Trạm bụi" in html and "Kém" in html
    data = json.loads(html.split('id="aqi-map-data" type="application/json">')[1].split("<")[0])
    assert {s["code"]: s["level"] for s in data["stations"]} == {"AQ-GOOD": 1, "AQ-POOR": 3}
    # no inline script or style: the strict CSP would block them
    assert "style=" not in html
    assert "<script>" not in html


def test_station_page_shows_index_advice_charts_data_and_source(client):
    site = _live_station("AQ-POOR", 60, name="Trạm bụi", owner="Công ty Môi trường Xanh")
    response = client.get(f"/chat-luong-khong-khi/{site.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="aqi-now aqi-3"' in html
    assert ">117<" in html and "Kém" in html and "PM2.5" in html
    assert "Nếu thấy cay mắt" in html  # general advice of Kém
    assert "người bị hen suyễn" in html  # sensitive groups
    assert "Công ty Môi trường Xanh" in html
    assert "Dữ liệu đã qua kiểm tra chất lượng" in html
    chart = json.loads(html.split('id="aqi-chart-data" type="application/json">')[1].split("<")[0])
    assert len(chart["hourly"]) == 48 and len(chart["daily"]) == 30
    assert chart["hourly"][-2][1:] == [117, 3]
    assert chart["colors"]["3"] == "#ff7e00"


def test_station_page_in_english_gives_english_advice(client):
    site = _live_station("AQ-POOR", 60)
    client.cookies["django_language"] = "en"
    html = client.get(f"/chat-luong-khong-khi/{site.code}/").content.decode()
    assert "Poor" in html and "people with asthma" in html


def test_station_page_shows_open_alerts(client):
    site = _live_station("AQ-ALERT", 20)
    Alert.objects.create(
        station=site,
        kind=Alert.Kind.AQI_LEVEL,
        period="1h",
        value=180,
        limit=150,
        started_at=_now_hour() - timedelta(hours=2),
    )
    html = client.get(f"/chat-luong-khong-khi/{site.code}/").content.decode()
    assert "Cảnh báo đang diễn ra" in html and "mức cảnh báo 150" in html


def test_unknown_or_retired_station_page_is_404(client):
    station(code="AQ-OLD", status=Station.Status.RETIRED)
    assert client.get("/chat-luong-khong-khi/KHONG-CO/").status_code == 404
    assert client.get("/chat-luong-khong-khi/AQ-OLD/").status_code == 404


# --- Open data -----------------------------------------------------------------------------


def test_csv_download_holds_only_validated_hours(client, day_station):
    put(day_station, "SO2", {local_hour(3): 999}, validity="flagged")
    response = client.get(
        f"/chat-luong-khong-khi/{day_station.code}/du-lieu/",
        {"from": DAY.isoformat(), "to": DAY.isoformat(), "format": "csv"},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="AQ-DAY_20260310-20260310.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["time", "station", "parameter", "unit", "value"]
    assert len(rows) == 1 + 24 + 1  # PM2.5 every hour, NO2 at 10:00; not the flagged SO2
    assert rows[1] == ["2026-03-10T00:00:00+07:00", "AQ-DAY", "PM2.5", "µg/m³", "37.5"]
    assert not any(row[2] == "SO2" for row in rows)


def test_json_download_says_its_licence(client, day_station):
    response = client.get(
        f"/chat-luong-khong-khi/{day_station.code}/du-lieu/",
        {"from": DAY.isoformat(), "to": DAY.isoformat(), "format": "json"},
    )
    payload = response.json()
    assert payload["license"].endswith("(CC BY 4.0)")
    assert payload["station"]["code"] == "AQ-DAY"
    assert len(payload["values"]) == 25
    # by hour, then parameter: 10:00 has PM2.5 then NO2
    assert payload["values"][11] == {
        "time": "2026-03-10T10:00:00+07:00",
        "parameter": "NO2",
        "unit": "µg/m³",
        "value": 250.0,
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01", "to": "2026-03-10"}, "from"),
        ({"from": "2025-01-01", "to": "2026-03-10"}, "to"),
        ({"from": "2026-03-10", "to": "2026-03-10", "format": "xlsx"}, "format"),
    ],
)
def test_bad_download_requests_show_the_form_again_with_the_error(
    client, day_station, query, field
):
    response = client.get(f"/chat-luong-khong-khi/{day_station.code}/du-lieu/", query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert" id="download-error"' in html
    if field in ("from", "to"):
        assert (
            f'id="download-{field}" name="{field}" value="{query[field]}" aria-invalid="true"'
            in html
        )


def test_map_tiles_are_allowed_by_the_csp_only_when_configured():
    # settings are read at start-up: ask a fresh interpreter
    import subprocess
    import sys

    script = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'motcua.config.settings';"
        "from django.conf import settings; print(settings.SECURE_CSP['img-src'])"
    )

    def img_src(tile_url: str) -> str:
        env = {**os.environ, "MAP_TILE_URL": tile_url, "MOTCUA_ENV": "test"}
        return subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        ).stdout

    assert "tile" not in img_src("")
    assert "https://*.tile.example.org" in img_src("https://{s}.tile.example.org/{z}/{x}/{y}.png")
