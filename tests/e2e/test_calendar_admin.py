"""Browser test: an administrator reads the 2026 working calendar in the admin year view."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_sees_tet_2026_as_holidays(page, settings, tmp_path):
    settings.AXES_ENABLED = False  # the login below is not what this test is about
    # given an administrator
    admin = UserFactory(is_staff=True, is_superuser=True, kind="staff")
    # when they log into the admin and open the year view from the overrides list
    page.goto("/admin/login/")
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", DEFAULT_TEST_PASSWORD)
    page.click("input[type=submit]")
    page.goto("/admin/core/calendaroverride/")
    page.get_by_role("link", name="Xem lịch làm việc cả năm").click()
    page.fill("#id_year", "2026")
    page.get_by_role("button", name="Xem").click()
    # then the twelve months of 2026 are tables, and the Tết days are holidays
    expect(page.locator("table.calendar-month__table")).to_have_count(12)
    february = page.get_by_role("table", name="Tháng 2 năm 2026")
    expect(february).to_be_visible()
    for day in range(16, 21):
        cell = page.locator(f'td[data-date="2026-02-{day}"]')
        assert "calendar-day--holiday" in cell.get_attribute("class")
        assert "Lễ" in cell.inner_text()
    assert "calendar-day--working" in page.locator('td[data-date="2026-02-23"]').get_attribute(
        "class"
    )
    expect(page.get_by_text("Giao thừa Tết Nguyên Đán").first).to_be_visible()
    # SCREENSHOT_DIR keeps the picture for a human to look at
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / "calendar-year.png", full_page=True)
