"""Browser: the applicant answers a request for a supplement with a file (the dossier goes back
to its specialist), and rates the service once the result is returned."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from motcua.dossiers.models import Dossier, Rating, Status
from tests.dossiers.backoffice_samples import office
from tests.dossiers.samples import pdf_bytes
from tests.dossiers.test_applicant_actions import asked_during_processing, returned
from tests.factories import DEFAULT_TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def place(administrative_units, settings):
    settings.AXES_ENABLED = False  # logging in is not what these tests are about
    return office()


def _screenshot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / name, full_page=True)


def log_in_and_open(page, user, dossier: Dossier) -> None:
    page.goto(f"/dang-nhap/?next=/ho-so/cua-toi/{dossier.code}/")
    page.get_by_label("Tên đăng nhập").fill(user.email)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url(f"**/ho-so/cua-toi/{dossier.code}/")


def test_the_applicant_uploads_the_missing_document(page, place, tmp_path):
    # given a dossier the specialist sent back for two documents
    dossier = asked_during_processing(place)
    log_in_and_open(page, place.applicant, dossier)
    section = page.get_by_role("region", name="Hồ sơ cần bổ sung, hoàn thiện (lần 1)")
    expect(section.get_by_text("Thiếu chữ ký của người đo đạc")).to_be_visible()
    _screenshot(page, tmp_path, "applicant-supplement.png")
    # when they attach the signed map to its line, add a note and send
    section.get_by_label("Tệp bổ sung cho “Bản đồ địa chính thửa đất”").set_input_files(
        {"name": "ban-do-da-ky.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    section.get_by_label("Nội dung đã bổ sung, giải trình (nếu có)").fill("Đã ký và quét lại")
    section.get_by_role("button", name="Nộp bổ sung").click()
    # then the page confirms, the dossier is processing again and the form is gone
    expect(page.get_by_role("status").get_by_text("Đã nộp bổ sung hồ sơ")).to_be_visible()
    expect(page.locator(".tracking-status").get_by_text("Đang xử lý")).to_be_visible()
    expect(page.get_by_role("region", name="Hồ sơ cần bổ sung, hoàn thiện (lần 1)")).to_have_count(
        0
    )
    current = Dossier.objects.get(pk=dossier.pk)
    assert current.status == Status.PROCESSING
    assert current.assignee == place.specialist
    assert current.attachments.filter(original_name="ban-do-da-ky.pdf").exists()


def test_the_applicant_rates_after_the_return(page, place, tmp_path):
    dossier = returned(place)
    log_in_and_open(page, place.applicant, dossier)
    section = page.get_by_role("region", name="Đánh giá mức độ hài lòng")
    # when they send without choosing, the question says what is missing
    section.get_by_role("button", name="Gửi đánh giá").click()
    section = page.get_by_role("region", name="Đánh giá mức độ hài lòng")
    expect(section.get_by_text("Vui lòng chọn mức độ hài lòng")).to_be_visible()
    # when they choose "5 – Rất hài lòng" with a comment
    section.get_by_label("5 – Rất hài lòng").check()
    section.get_by_label("Góp ý (nếu có)").fill("Trả kết quả trực tuyến, rất nhanh")
    _screenshot(page, tmp_path, "applicant-rate.png")
    section.get_by_role("button", name="Gửi đánh giá").click()
    # then they are thanked and not asked again
    expect(page.get_by_role("status").get_by_text("Cảm ơn bạn đã đánh giá")).to_be_visible()
    expect(page.get_by_text("Bạn đã đánh giá 5/5")).to_be_visible()
    expect(page.get_by_role("button", name="Gửi đánh giá")).to_have_count(0)
    assert Rating.objects.get(dossier=dossier).score == 5
