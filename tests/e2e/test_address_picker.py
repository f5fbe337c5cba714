"""Browser test: the address picker on the test-only page /dia-chi/thu/ (tests/core/
test_places_forms.py), with HTMX loading communes and searching without diacritics."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.core.models import Commune

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.core.test_places_forms"),
    pytest.mark.usefixtures("administrative_units"),
]


def test_choosing_a_province_fills_the_commune_list_and_search_narrows_it(page, tmp_path):
    # given the demo form with the commune list still empty
    page.goto("/dia-chi/thu/")
    commune = page.get_by_label("Xã, phường, đặc khu", exact=True).first
    expect(commune.locator("option")).to_have_count(1)
    # when the visitor chooses Hà Nội
    page.get_by_label("Tỉnh, thành phố", exact=True).first.select_option("01")
    # then the list fills with Hà Nội's communes (and a status for screen readers)
    expected = Commune.objects.filter(province_id="01").count() + 1
    page.wait_for_function(
        "n => document.querySelectorAll('#id_address_commune option').length === n", arg=expected
    )
    assert "Đã tải" in page.locator("#id_address_commune_status").inner_text()
    # when they type a name without diacritics
    page.locator("#id_address_q").press_sequentially("ba dinh", delay=20)
    page.wait_for_function(
        "() => document.querySelectorAll('#id_address_commune option').length === 2"
    )
    assert commune.locator("option").nth(1).inner_text() == "Phường Ba Đình"
    commune.select_option("00004")
    page.get_by_label("Họ và tên").fill("Nguyễn Văn A")
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / "picker.png", full_page=True)
    # and the form accepts the address
    page.get_by_role("button", name="Gửi").click()
    assert page.locator("#result").inner_text() == "Đã chọn: Phường Ba Đình, Thành phố Hà Nội"


def test_the_picker_works_without_javascript(browser, live_server):
    # given a browser that runs no JavaScript
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/dia-chi/thu/")
        # when the visitor chooses a province and presses the button shown without JavaScript
        page.locator("#id_address_province").select_option("04")
        page.get_by_role("button", name="Tải danh sách xã, phường, đặc khu").first.click()
        # then the page comes back with that province's communes to choose from
        expect(page.locator("#id_address_commune option")).to_have_count(
            Commune.objects.filter(province_id="04").count() + 1
        )
        page.locator("#id_address_commune").select_option(index=1)
        page.locator("#id_full_name").fill("Nguyễn Văn A")
        page.get_by_role("button", name="Gửi").click()
        assert "Tỉnh Cao Bằng" in page.locator("#result").inner_text()
    finally:
        context.close()
