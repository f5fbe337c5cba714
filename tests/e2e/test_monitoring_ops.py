"""Browser test: a monitoring operator uploads a CSV file, checks the preview and confirms it,
then sees the stored hours on the station page."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.monitoring.models import HourlyMeasurement
from tests.factories import DEFAULT_TEST_PASSWORD
from tests.monitoring.factories import hours_ago, operator, station

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_uploads_a_csv_previews_it_and_confirms(page, settings, tmp_path):
    settings.AXES_ENABLED = False  # the login is not what this test is about
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    # given a monitoring operator, a station of their agency and a CSV file of three hours with
    # one bad line
    user = operator(username="quantrac.e2e")
    station(code="DL-E2E", name="Trạm Quảng trường Lâm Viên", agency=user.agency)
    hours = [hours_ago(h) for h in (4, 3, 2)]
    lines = ["station,parameter,time,value,period"]
    lines += [f"DL-E2E,PM2.5,{hour.isoformat()},{20 + i}.5,1h" for i, hour in enumerate(hours)]
    lines += [f"DL-E2E,PM10,{hours[0].isoformat()},khong-so,1h"]
    csv_file = tmp_path / "so-lieu-ngay.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # when they log in and open the upload page from the operations view
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url("**/can-bo/")
    page.goto("/quan-trac/van-hanh/")
    expect(page.get_by_role("heading", name="Vận hành mạng lưới quan trắc")).to_be_visible()
    page.get_by_role("link", name="Tải lên số liệu CSV").click()
    page.get_by_label("Tệp CSV").set_input_files(str(csv_file))
    page.get_by_role("button", name="Xem trước").click()

    # then the preview says three values will be stored and names the bad line and why
    page.wait_for_url("**/tai-len/*/")
    expect(page.get_by_text("3 giá trị sẽ được lưu.")).to_be_visible()
    rejected = page.get_by_role("table").first
    expect(rejected.get_by_text("Giá trị không phải là số.")).to_be_visible()
    expect(rejected.get_by_role("cell", name="5", exact=True)).to_be_visible()
    page.screenshot(path=folder / "monitoring-csv-preview.png", full_page=True)
    assert not HourlyMeasurement.objects.exists()

    # when they confirm
    page.get_by_role("button", name="Xác nhận lưu 3 giá trị").click()

    # then the values are stored once and the station page shows them
    expect(page.get_by_text("Đã lưu 3 giá trị").first).to_be_visible()
    assert HourlyMeasurement.objects.filter(station__code="DL-E2E").count() == 3
    page.goto("/quan-trac/van-hanh/tram/DL-E2E/")
    expect(page.get_by_role("cell", name="22,5")).to_be_visible()  # Vietnamese decimal comma
    page.screenshot(path=folder / "monitoring-station.png", full_page=True)
    page.get_by_role("link", name="Tổng quan trạm").click()
    overview = page.get_by_role("table", name="Trạm Quảng trường Lâm Viên (DL-E2E)")
    expect(overview.get_by_role("row", name="PM2.5")).to_be_visible()
    page.screenshot(path=folder / "monitoring-overview.png", full_page=True)
