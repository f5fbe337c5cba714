"""A newcomer finds "giấy phép môi trường" without typing accents and reads the procedure."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_catalogue(db):
    call_command("load_demo_catalog", verbosity=0)


@pytest.fixture
def screenshot(page, tmp_path):
    """SCREENSHOT_DIR keeps the pictures for a human to look at."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)

    def take(name: str, part=None) -> None:
        if part is None:
            page.screenshot(path=folder / name, full_page=True)
        else:
            part.screenshot(path=folder / name)

    return take


@pytest.fixture
def console_errors(page):
    """Errors the pages report: a Content-Security-Policy violation is one. (The admin has no
    icon link, so the browser's own request for /favicon.ico is not counted.)"""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico")
            and errors.append(f"{message.text} {message.location.get('url', '')}")
        ),
    )
    return errors


def test_find_a_procedure_without_accents_and_read_it(
    page, demo_catalogue, screenshot, console_errors
):
    # given the public catalogue
    page.goto("/thu-tuc/")
    assert page.get_by_role("heading", level=1).inner_text() == "Thủ tục hành chính"

    # when a person types the name without accents and searches
    page.get_by_role("searchbox", name="Tìm thủ tục").fill("giay phep moi truong")
    page.get_by_role("button", name="Tìm kiếm").click()

    # then the environmental permit is the first result
    # (the unfiltered list is on the page until the results arrive: wait for them)
    first = page.locator(".procedure-item h2 a").first
    expect(first).to_have_text("Cấp giấy phép môi trường (cấp tỉnh)")
    screenshot("catalog-list.png")

    # when they open it
    first.click()
    page.wait_for_url("**/thu-tuc/1.010727/")

    # then they see the time, the documents with their templates and the fees
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Cấp giấy phép môi trường (cấp tỉnh)"
    )
    assert "30 ngày theo lịch" in page.locator(".details").inner_text()
    documents = page.locator("#documents-title + .table-wrap table")
    assert "Văn bản đề nghị cấp giấy phép môi trường" in documents.inner_text()
    expect(documents.get_by_role("link", name="Tải mẫu")).to_have_count(1)
    fees = page.locator("#fees-title + .table-wrap table")
    assert "Phí thẩm định cấp giấy phép môi trường" in fees.inner_text()
    screenshot("catalog-detail.png")

    # and the blank form downloads
    with page.expect_download() as download:
        documents.get_by_role("link", name="Tải mẫu").click()
    assert download.value.suggested_filename.endswith(".docx")
    assert console_errors == []


def test_search_works_without_javascript(browser, live_server, demo_catalogue):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/thu-tuc/")
        page.get_by_role("searchbox", name="Tìm thủ tục").fill("cap doi giay chung nhan")
        page.get_by_role("button", name="Tìm kiếm").click()
        page.wait_for_url("**/thu-tuc/?q=cap+doi+giay+chung+nhan*")
        assert (
            page.locator(".procedure-item h2 a")
            .first.inner_text()
            .startswith("Cấp đổi Giấy chứng nhận")
        )
    finally:
        context.close()


def test_the_admin_previews_the_form_while_typing(
    page, live_server, demo_catalogue, screenshot, console_errors
):
    # given an administrator editing a draft revision of the environmental permit
    from django.conf import settings
    from django.test import Client

    from motcua.catalog import services
    from motcua.catalog.models import Procedure
    from tests.factories import UserFactory

    draft = services.procedure_revise(procedure=Procedure.objects.get(code="1.010727"), actor=None)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="staff"))
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"/admin/catalog/procedureversion/{draft.pk}/change/")

    # then the preview shows the form as applicants will see it
    preview = page.locator("#schema-preview")
    preview.get_by_label("Tên dự án, cơ sở").wait_for()
    assert "Lược đồ hợp lệ" in preview.inner_text()
    screenshot("catalog-admin-preview-form.png", page.locator(".schema-preview"))

    # when the schema is broken, the preview says why, in Vietnamese
    page.locator("#id_form_schema").fill(
        '{"type": "object", "properties": {"a": {"type": "string"}}}'
    )
    page.get_by_text("cần có “title”").wait_for()
    screenshot("catalog-admin-preview.png")
    assert console_errors == []
