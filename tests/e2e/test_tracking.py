"""Browser: an anonymous visitor looks a dossier up by code and phone; its applicant finds it in
"Hồ sơ của tôi" and opens its history."""

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from motcua.dossiers.models import Status
from tests.catalog.factories import published_procedure
from tests.dossiers.test_tracking import STAFF_NOTE, submitted_dossier
from tests.factories import DEFAULT_TEST_PASSWORD, AgencyFactory, UnitFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def citizen_dossier(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tracking-browser",
        }
    }
    settings.AXES_ENABLED = False  # logging in is not what these tests are about
    agency = AgencyFactory(code="H56.14", name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng")
    UnitFactory(agency=agency, code="MOTCUA", name="Bộ phận một cửa Sở", is_one_stop_desk=True)
    version = published_procedure(agency=agency, name="Cấp giấy phép môi trường (cấp tỉnh)")
    citizen = UserFactory(full_name="Nguyễn Văn An", email="an.nguyen@example.vn")
    dossier = submitted_dossier(
        version=version,
        owner=citizen,
        status=Status.PROCESSING,
        submitted_at=datetime(2026, 10, 1, 9, 30, tzinfo=VN),
    )
    return citizen, dossier


def _screenshot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / name, full_page=True)


def test_an_anonymous_visitor_looks_up_a_dossier(page, citizen_dossier, tmp_path):
    _citizen, dossier = citizen_dossier
    # given the lookup page, reached from the main navigation
    page.goto("/")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Tra cứu hồ sơ"
    ).click()
    # when the visitor types the code in lower case and the phone with spaces
    page.get_by_label("Mã hồ sơ").fill(dossier.code.lower())
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_role("button", name="Tra cứu").click()
    # then they see the status, the unit, the appointment and the history, and only initials
    result = page.get_by_role("region", name="Kết quả tra cứu")
    expect(result.get_by_text("Đang xử lý").first).to_be_visible()
    expect(result.get_by_text("Bộ phận một cửa Sở")).to_be_visible()
    expect(result.get_by_text("N.V.A.")).to_be_visible()
    history = page.get_by_role("table")
    expect(history.get_by_role("row")).to_have_count(4)  # header + 3 steps
    expect(history.get_by_text("Tiếp nhận hồ sơ")).to_be_visible()
    assert "Nguyễn Văn An" not in page.content()
    _screenshot(page, tmp_path, "tracking-lookup.png")

    # when a wrong phone is typed, the answer names nothing
    page.get_by_label("Số điện thoại").fill("0987654321")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_role("alert").get_by_text("Không tìm thấy hồ sơ")).to_be_visible()
    expect(page.get_by_role("region", name="Kết quả tra cứu")).to_have_count(0)


def test_the_applicant_finds_the_dossier_in_my_dossiers(page, citizen_dossier, tmp_path):
    citizen, dossier = citizen_dossier
    # given the citizen logged in
    page.goto("/dang-nhap/?next=/ho-so/cua-toi/")
    page.get_by_label("Tên đăng nhập").fill(citizen.email)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url("**/ho-so/cua-toi/")
    # then "Hồ sơ của tôi" lists the dossier with its status
    expect(page.get_by_role("heading", name="Hồ sơ của tôi")).to_be_visible()
    item = page.get_by_role("listitem").filter(has_text=dossier.code)
    expect(item.get_by_text("Đang xử lý")).to_be_visible()
    # and filtering without diacritics keeps it
    page.get_by_label("Tìm theo mã hồ sơ hoặc tên thủ tục").fill("giay phep moi truong")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.get_by_role("link", name=dossier.code)).to_be_visible()
    _screenshot(page, tmp_path, "tracking-my-dossiers.png")
    # when they open it, they see its history with the officers' notes
    page.get_by_role("link", name=dossier.code).click()
    expect(page.get_by_role("heading", name=f"Hồ sơ {dossier.code}")).to_be_visible()
    expect(page.get_by_role("cell", name="Chuyển xử lý")).to_be_visible()
    expect(page.get_by_text(STAFF_NOTE)).to_be_visible()
    _screenshot(page, tmp_path, "tracking-my-dossier.png")
