"""Browser tests of the portal layout: landmarks, keyboard use, a clean console under the CSP."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page, name: str, tmp_path: Path) -> None:
    """SCREENSHOT_DIR keeps the picture for a human to look at."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / name, full_page=True)


def console_problems(page) -> list[str]:
    """Errors and warnings the page reports (a CSP violation is a console error)."""
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type in {"error", "warning"}:
            problems.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


def test_home_has_its_landmarks_and_a_clean_console(page, tmp_path):
    problems = console_problems(page)

    # when a visitor opens the home page
    page.goto("/")
    # HTMX (a vendored file allowed by its nonce) has loaded and started
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")

    # then the page has one of each landmark and one main heading
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Điều hướng chính")).to_have_count(1)
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert page.get_by_role("link", name="Trang chủ").get_attribute("aria-current") == "page"
    # and nothing was blocked by the Content-Security-Policy or failed to load
    assert problems == []
    screenshot(page, "home-vi.png", tmp_path)


def test_skip_link_takes_keyboard_users_to_the_content(page):
    page.goto("/")

    # when a keyboard user presses Tab once, the skip link appears, focused
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Chuyển đến nội dung chính")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["height"] > 0

    # and Enter moves the focus to the main content
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.url.endswith("#main")


def test_keyboard_focus_is_visible(page):
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the language select, after the skip link
    outline = page.evaluate(
        "() => { const style = getComputedStyle(document.activeElement);"
        " return [document.activeElement.id, style.outlineStyle, style.outlineWidth]; }"
    )
    assert outline[0] == "language-select"
    assert outline[1] != "none"
    assert float(outline[2].removesuffix("px")) >= 2


def test_home_fits_a_phone_screen(page, tmp_path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    expect(page.get_by_role("link", name="Đăng nhập").first).to_be_visible()
    screenshot(page, "home-mobile.png", tmp_path)
