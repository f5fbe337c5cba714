"""Browser test: a director opens the dossier statistics from the menu, chooses a period, reads
the figures and downloads the Excel file with the same figures."""

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from motcua.accounts.models import Agency, Role
from motcua.dossiers.models import Status
from tests.catalog.factories import published_procedure
from tests.factories import DEFAULT_TEST_PASSWORD, AgencyFactory, StaffFactory, UnitFactory
from tests.reports.builders import at, dossier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_director_reads_the_statistics_and_downloads_them(page, settings, tmp_path):
    settings.AXES_ENABLED = False  # the login is not what this test is about
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    # given a department whose March had two dossiers handled early, one late and one still
    # open past its due date
    department = AgencyFactory(
        code="H56.14",
        name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
        kind=Agency.Kind.DEPARTMENT,
    )
    unit = UnitFactory(agency=department, code="VPDK", name="Văn phòng đăng ký đất đai")
    director = StaffFactory(
        username="giamdoc.e2e", agency=department, role=Role.DIRECTOR, role__unit=unit
    )
    land = published_procedure(code="1.012756", name="Đăng ký đất đai lần đầu", agency=department)
    for finished in (at(3, 5), at(3, 6)):
        dossier(
            land,
            creator=director,
            status=Status.DONE,
            received=at(3, 2),
            due=at(3, 10),
            finished=finished,
        )
    dossier(
        land,
        creator=director,
        status=Status.DONE,
        received=at(3, 2),
        due=at(3, 10),
        finished=at(3, 12),
    )
    dossier(land, creator=director, received=at(3, 3), due=at(3, 20))

    # when the director logs in, opens "Báo cáo" and asks for March 2026
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(director.username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url("**/can-bo/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Báo cáo"
    ).click()
    page.wait_for_url("**/bao-cao/ho-so/")
    page.get_by_label("Từ ngày").fill("2026-03-01")
    page.get_by_label("Đến ngày (tính cả ngày này)").fill("2026-03-31")
    page.get_by_role("button", name="Xem số liệu").click()
    page.wait_for_url("**from=2026-03-01**")

    # then the cards and the procedure table show March's figures
    handled = page.locator(".report-card-handled")
    assert handled.locator(".report-number").inner_text() == "3"
    expect(handled.get_by_text("66,7 %")).to_be_visible()
    row = page.get_by_role("row", name="1.012756 Đăng ký đất đai lần đầu")
    assert row.get_by_role("link", name="1", exact=True).get_attribute("href") == (
        "/can-bo/ho-so/?procedure=1.012756&overdue=1"
    )
    page.screenshot(path=folder / "reports-dossiers.png", full_page=True)

    # when they download the Excel file
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải tệp Excel (.xlsx)").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    # then it opens and holds the same figures
    assert download.suggested_filename == "thong-ke-ho-so-H56.14-20260301-20260331.xlsx"
    summary = {
        row[0]: row[1]
        for row in load_workbook(saved)["Tổng hợp"].iter_rows(values_only=True)
        if row and row[0]
    }
    assert summary["Giải quyết trước hạn"] == 2
    assert summary["Giải quyết quá hạn"] == 1
    assert summary["Đang giải quyết quá hạn"] == 1
