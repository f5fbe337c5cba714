"""Browser: a receiving officer opens the dossier register (form 06), filters it and downloads
it as an Excel file."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from motcua.dossiers.models import Status
from tests.catalog.factories import published_procedure
from tests.dossiers.test_forms_pdf import make_dossier
from tests.factories import DEFAULT_TEST_PASSWORD, AgencyFactory, Role, StaffFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _screenshot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / name, full_page=True)


@pytest.fixture
def officer_with_dossiers(settings):
    settings.AXES_ENABLED = False  # logging in is not what this test is about
    agency = AgencyFactory(code="H56.14", name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng")
    desk = UnitFactory(agency=agency, code="MOTCUA", name="Bộ phận một cửa", is_one_stop_desk=True)
    officer = StaffFactory(
        agency=agency, full_name="Trần Văn Bình", role=Role.RECEIVING_OFFICER, role__unit=desk
    )
    version = published_procedure(agency=agency, name="Cấp giấy phép môi trường")
    now = timezone.now()
    today = timezone.localdate().strftime("%y%m%d")
    received = make_dossier(
        version=version, officer=officer, code=f"H56.14-{today}-0001", received_at=now
    )
    returned = make_dossier(
        version=version,
        officer=officer,
        code=f"H56.14-{today}-0002",
        status=Status.RETURNED,
        received_at=now,
        applicant_name="Công ty TNHH Chè Cầu Đất",
    )
    return officer, received, returned


def test_an_officer_reads_filters_and_downloads_the_register(page, officer_with_dossiers, tmp_path):
    officer, received, returned = officer_with_dossiers
    # given the officer logged in, sent on to the register
    page.goto("/dang-nhap/?next=/can-bo/so-theo-doi/")
    page.get_by_label("Tên đăng nhập").fill(officer.username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url("**/can-bo/so-theo-doi/")
    # then this month's register of their agency lists both dossiers
    expect(page.get_by_role("heading", name="Sổ theo dõi hồ sơ")).to_be_visible()
    table = page.get_by_role("table", name="Sổ theo dõi hồ sơ")
    expect(table.get_by_role("row")).to_have_count(3)  # header + 2 dossiers
    expect(table.get_by_role("link", name=received.code)).to_be_visible()
    _screenshot(page, tmp_path, "register.png")

    # when they keep only the returned dossiers
    page.get_by_label("Trạng thái").select_option(label="Đã trả kết quả")
    page.get_by_role("button", name="Xem sổ").click()
    # then only that one is left
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_text("Công ty TNHH Chè Cầu Đất")).to_be_visible()

    # when they download the Excel file
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải tệp Excel (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    # then it holds the filtered register
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    codes = [row[1] for row in rows if row and isinstance(row[0], int)]
    assert codes == [returned.code]
