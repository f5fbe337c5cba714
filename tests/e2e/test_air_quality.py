"""Browser test: a visitor reads the air quality on the public map, opens a station, sees its
charts and health advice, and downloads the day's validated data as CSV."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.monitoring.aqi_services import aqi_recompute
from motcua.monitoring.models import Parameter
from tests.monitoring.aqi_data import put
from tests.monitoring.factories import station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _parameters():
    # A transactional test empties the tables the migrations seeded: put back what is used.
    for order, code in enumerate(["PM2.5", "PM10", "NO2"]):
        Parameter.objects.get_or_create(
            code=code, defaults={"name": code, "unit": "µg/m³", "sort_order": order}
        )


def test_visitor_reads_a_station_and_downloads_its_data(page, tmp_path):
    # given two stations with the last day of hourly data: one poor (Kém), one good
    _parameters()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=h) for h in range(1, 25)]
    poor = station(code="LD-TEST-01", name="Chợ trung tâm", owner="Sở Nông nghiệp và Môi trường")
    put(poor, "PM2.5", {hour: 55 + (i % 5) for i, hour in enumerate(hours)})
    put(poor, "NO2", {hour: 80 for hour in hours})
    good = station(code="LD-TEST-02", name="Công viên hồ", latitude="11.900000")
    put(good, "PM2.5", {hour: 12 for hour in hours})
    for site in (poor, good):
        aqi_recompute(station_id=site.pk, start=hours[-1], end=now)
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)

    # when a visitor opens the air-quality page
    page.goto("/chat-luong-khong-khi/")
    # then the table shows the poor station in orange with its category, and the map its pin
    row = page.locator('tr[data-station="LD-TEST-01"]')
    assert "aqi-3" in row.locator(".aqi-badge").get_attribute("class")
    assert "Kém" in row.inner_text()
    expect(page.locator(".aqi-pin.aqi-3")).to_have_count(1)
    expect(page.locator(".aqi-pin.aqi-1")).to_have_count(1)
    page.screenshot(path=folder / "air-quality-map.png", full_page=True)

    # when they open the station
    row.get_by_role("link", name="Chợ trung tâm").click()
    # then the current index in its colour, the advice, and two drawn charts
    page.wait_for_selector(".aqi-now.aqi-3")
    assert "Kém" in page.locator(".aqi-now").inner_text()
    expect(page.get_by_text("Người bình thường")).to_be_visible()
    expect(page.get_by_text("Nhóm nhạy cảm").first).to_be_visible()
    expect(page.locator("#aqi-chart-hourly canvas")).to_have_count(1)
    expect(page.locator("#aqi-chart-daily canvas")).to_have_count(1)
    box = page.locator("#aqi-chart-hourly canvas").bounding_box()
    assert box["width"] > 200 and box["height"] > 100
    page.screenshot(path=folder / "air-quality-station.png", full_page=True)

    # when they download today's data as CSV
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Tải CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("LD-TEST-01_")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    # then the validated hourly means are in it
    assert content.splitlines()[0] == "time,station,parameter,unit,value"
    assert ",LD-TEST-01,PM2.5,µg/m³," in content and ",NO2," in content
