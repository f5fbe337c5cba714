"""Browser test: an administrator edits a draft internal process from the keyboard (add a step,
move it into place) and publishes it after confirming."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from motcua.accounts.models import Role
from motcua.catalog import process
from motcua.catalog.models import ProcessDefinition
from tests.catalog.factories import published_procedure
from tests.factories import AgencyFactory, StaffFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_an_administrator_adds_a_step_moves_it_and_publishes(page, live_server, tmp_path):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    # given a land procedure of 17 working days and a draft process: the specialist checks, the
    # director signs; the head of unit's approval is missing
    agency = AgencyFactory(code="H56.14")
    land = UnitFactory(agency=agency, code="VPDKDD", name="Văn phòng Đăng ký đất đai")
    office = UnitFactory(agency=agency, code="VP", name="Văn phòng Sở")
    admin = StaffFactory(agency=agency, role=Role.ADMINISTRATOR, role__unit=office)
    procedure = published_procedure(code="1.012756", agency=agency, processing_time="17")
    draft = process.process_definition_create(
        actor=None, procedure=procedure.procedure, agency=agency
    )
    for name, unit, role, duration, actions in [
        ("Thẩm tra hồ sơ", land, Role.SPECIALIST, "8", ["forward", "inspect"]),
        ("Lãnh đạo Sở ký", office, Role.DIRECTOR, "3", ["return_to_step", "finish"]),
    ]:
        process.process_step_save(
            actor=None,
            definition=draft,
            name=name,
            unit=unit,
            role=role,
            duration=duration,
            actions=actions,
        )
    log_in(page, live_server, admin)

    # when the administrator opens the draft from the procedure's process page
    page.goto("/can-bo/quy-trinh/thu-tuc/1.012756/")
    page.get_by_role("link", name="Phiên bản 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quy trình nội bộ phiên bản 1")
    expect(page.get_by_text("Tổng thời gian các bước: 11 ngày làm việc")).to_be_visible()

    # and adds the head's approval (it goes to the end of the list)
    form = page.locator("#step-form")
    form.get_by_label("Tên bước", exact=True).fill("Lãnh đạo Văn phòng duyệt")
    form.get_by_label("Loại bước").select_option(label="Xem xét, phê duyệt")
    form.get_by_label("Thời gian (ngày làm việc)").fill("2,5")
    form.get_by_label("Đơn vị thực hiện").select_option(label="Văn phòng Đăng ký đất đai – H56.14")
    form.get_by_label("Vai trò thực hiện").select_option(label="Lãnh đạo phòng")
    form.get_by_label("Chuyển bước tiếp theo").check()
    form.get_by_label("Trả lại bước trước").check()
    form.get_by_role("button", name="Thêm bước").click()

    # then the table shows it third, the running total and why it cannot be published yet
    status = page.locator("#process-status")
    expect(status).to_contain_text("Đã thêm bước 3")
    rows = page.locator("table.process-steps tbody tr")
    expect(rows.nth(2)).to_contain_text("Lãnh đạo Văn phòng duyệt")
    expect(rows.nth(2).locator("td").nth(3)).to_have_text("13,5")
    expect(page.get_by_text("Chưa công bố được:")).to_contain_text("chỉ bước cuối cùng")

    # when it is moved up with the keyboard
    move_up = page.get_by_role("button", name="Lên (chuyển bước 3 lên trên)")
    move_up.focus()
    page.keyboard.press("Enter")

    # then it is second, the focus stays on its "Lên" button, and the process is ready
    expect(status).to_contain_text("tới vị trí 2")
    expect(rows.nth(1)).to_contain_text("Lãnh đạo Văn phòng duyệt")
    focused = page.evaluate("document.activeElement.textContent")
    assert "chuyển bước 2 lên trên" in focused
    expect(page.get_by_text("Quy trình đã đủ điều kiện để công bố.")).to_be_visible()
    page.screenshot(path=folder / "process-editor.png", full_page=True)

    # when the administrator publishes and confirms
    page.get_by_role("link", name="Công bố quy trình…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Công bố quy trình phiên bản 1")
    page.get_by_role("button", name="Xác nhận công bố").click()

    # then the version is in force and read-only
    expect(page.get_by_text("Đã công bố quy trình phiên bản 1")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Đang áp dụng")
    expect(page.get_by_role("button", name="Thêm bước")).to_have_count(0)
    draft.refresh_from_db()
    assert draft.status == ProcessDefinition.Status.PUBLISHED
    assert list(draft.steps.values_list("name", flat=True)) == [
        "Thẩm tra hồ sơ",
        "Lãnh đạo Văn phòng duyệt",
        "Lãnh đạo Sở ký",
    ]
    assert errors == []
