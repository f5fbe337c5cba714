"""Browser test: a visitor switches the portal to English with the language form, and back."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_switches_to_english_and_back(page, tmp_path):
    # given a visitor on the Vietnamese home page
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "vi"

    # when they choose English in the language form and press its button
    page.get_by_label("Ngôn ngữ").select_option("en")
    page.get_by_role("button", name="Đổi").click()

    # then the same page is shown in English
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("link", name="Home").get_attribute("aria-current") == "page"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Agriculture and Environment Public Service Portal"
    )
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / "home-en.png", full_page=True)

    # and choosing Tiếng Việt brings Vietnamese back
    page.get_by_label("Language").select_option("vi")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[lang=vi]")
    expect(page.get_by_role("link", name="Trang chủ")).to_be_visible()


def test_english_browser_still_opens_in_vietnamese(browser, live_server):
    # given a browser whose language is English
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        page = context.new_page()
        # when it opens the portal for the first time
        page.goto("/")
        # then the portal speaks Vietnamese, and offers the switch labelled in English too
        assert page.locator("html").get_attribute("lang") == "vi"
        expect(page.get_by_label("Language")).to_be_visible()
    finally:
        context.close()
