"""Browser: a citizen's online dossier goes through the staff workspace: the receiving officer
receives it (form 01 appears), the head assigns it, the specialist asks for a supplement, the
citizen supplements, the specialist and the head forward it, the director finishes it and the
officer returns the result. Keyboard shortcuts are used on the way."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Dossier, Status
from tests.dossiers.backoffice_samples import office, submitted
from tests.factories import DEFAULT_TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def place(administrative_units, settings):
    settings.AXES_ENABLED = False  # logging in is not what this test is about
    return office()


def _screenshot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / name, full_page=True)


def _log_in(page, user) -> None:
    page.context.clear_cookies()
    page.goto("/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url("**/can-bo/")


def _open(page, dossier: Dossier) -> None:
    page.goto(f"/can-bo/ho-so/{dossier.code}/")


def _act(page, action: str, label: str) -> None:
    """Open the action's form, submit it and wait for the page section to come back."""
    form = page.locator(f"#act-{action}")
    details = page.locator("details", has=form)
    if details.count():
        details.locator("summary").click()
    form.get_by_role("button", name=label).click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()


def test_an_online_dossier_goes_through_the_workspace(page, place, tmp_path):
    dossier = submitted(place)
    document = place.version.documents.order_by("pk").first()

    # given the receiving officer on the workspace home, reached from the main navigation
    _log_in(page, place.officer)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Bàn làm việc"
    ).click()
    reception = page.get_by_role("region", name="Chờ tiếp nhận (1)")
    expect(reception.get_by_role("link", name=dossier.code)).to_be_visible()
    _screenshot(page, tmp_path, "workspace-home-officer.png")
    # when they press "j" to pick the first dossier and Enter to open it
    page.keyboard.press("j")
    expect(page.locator("tr.is-current").get_by_role("link", name=dossier.code)).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/can-bo/ho-so/{dossier.code}/")
    # and receive it
    page.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()
    # then form 01 can be printed and the dossier is at the land office, unassigned
    assert page.get_by_role("link", name="Mẫu 01 – Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    expect(page.get_by_text("Văn phòng Đăng ký đất đai – chưa phân công").first).to_be_visible()
    _screenshot(page, tmp_path, "workspace-dossier-received.png")

    # when the head of the land office assigns it to the first specialist
    _log_in(page, place.head)
    _open(page, dossier)
    page.locator("details", has=page.locator("#act-assign")).locator("summary").click()
    page.get_by_label("Cán bộ xử lý").select_option(label=place.specialist.full_name)
    page.locator("#act-assign").get_by_role("button", name="Phân công xử lý").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()
    assert page.get_by_text(f"Văn phòng Đăng ký đất đai – {place.specialist.full_name}").first

    # and the specialist, who finds it with "/" and the search, asks for a supplement
    _log_in(page, place.specialist)
    page.goto("/can-bo/ban-lam-viec/")
    page.keyboard.press("/")
    page.keyboard.type("nguyen van an")
    page.keyboard.press("Enter")
    page.wait_for_url("**/can-bo/ho-so/?q=*")
    _screenshot(page, tmp_path, "workspace-search.png")
    page.get_by_role("link", name=dossier.code).click()
    page.locator("details", has=page.locator("#act-request_supplement")).locator("summary").click()
    # a row without a reason is refused next to the field
    page.get_by_label("Giấy tờ (dòng 1)").select_option(value=str(document.pk))
    page.locator("#act-request_supplement").get_by_role(
        "button", name="Yêu cầu bổ sung hồ sơ"
    ).click()
    error = page.locator("#act-request_supplement-items-0-reason-error")
    error.wait_for()
    assert "lý do" in error.inner_text()
    assert page.get_by_label("Lý do (dòng 1)").evaluate("el => el === document.activeElement")
    page.get_by_label("Lý do (dòng 1)").fill("Bản chụp không rõ số thửa")
    page.locator("#act-request_supplement").get_by_role(
        "button", name="Yêu cầu bổ sung hồ sơ"
    ).click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()
    assert page.get_by_role("link", name="Mẫu 02 – Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (lần 1)")
    _screenshot(page, tmp_path, "workspace-dossier-supplement.png")

    # when the citizen supplements (through the engine, as the citizen's page would)
    dossier_act(
        actor=place.applicant,
        dossier=dossier.code,
        action="supplement",
        payload={"note": "Đã nộp bản chụp rõ"},
    )
    # then the specialist forwards it, the head forwards it, the director finishes it
    _open(page, dossier)
    _act(page, "forward", "Chuyển bước tiếp theo")
    _log_in(page, place.head)
    _open(page, dossier)
    _act(page, "forward", "Chuyển bước tiếp theo")
    _log_in(page, place.director)
    _open(page, dossier)
    page.locator("details", has=page.locator("#act-finish")).locator("summary").click()
    page.get_by_label("Kết quả giải quyết").fill("Giấy phép môi trường số 12/GPMT")
    page.locator("#act-finish").get_by_role("button", name="Hoàn thành, có kết quả").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()

    # and the officer returns the result from the "waiting for return" list
    _log_in(page, place.officer)
    page.goto("/can-bo/ban-lam-viec/")
    page.get_by_role("region", name="Chờ trả kết quả (1)").get_by_role(
        "link", name=dossier.code
    ).click()
    _act(page, "return_result", "Trả kết quả")
    expect(page.get_by_role("heading", level=1).filter(has_text="Đã trả kết quả")).to_be_visible()
    assert page.get_by_role("link", name="Phiếu kiểm soát quá trình giải quyết hồ sơ")
    _screenshot(page, tmp_path, "workspace-dossier-returned.png")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED
    assert [e.action for e in dossier.events.order_by("pk")] == [
        "submit",
        "receive",
        "forward",
        "assign",
        "request_supplement",
        "supplement",
        "forward",
        "forward",
        "finish",
        "return_result",
    ]


def test_question_mark_shows_the_shortcuts(page, place, tmp_path):
    _log_in(page, place.officer)
    page.goto("/can-bo/ban-lam-viec/")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Phím tắt bàn phím")
    dialog.wait_for()
    expect(dialog.get_by_text("Đưa con trỏ đến ô tìm kiếm")).to_be_visible()
    _screenshot(page, tmp_path, "workspace-shortcuts.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
