"""Browser: the director finishes a dossier at the signing step, the result is signed and stored;
once it is returned, the citizen opens it from "Hồ sơ của tôi", follows its verification page
(the address printed under its QR code) which says valid, downloads the original and uploads
it on /verify, which says it is unaltered with a valid signature."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.dossiers.models import ReturnMethod
from motcua.results.models import Result
from tests.factories import DEFAULT_TEST_PASSWORD
from tests.results.conftest import act, at_sign_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def place(administrative_units, settings):
    settings.AXES_ENABLED = False  # logging in is not what this test is about
    from tests.dossiers.backoffice_samples import office

    place = office()
    place.version.fees.all().delete()
    return place


def _screenshot(page, tmp_path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=folder / name, full_page=True)


def _log_in(page, username: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"/dang-nhap/?next={next_url}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEFAULT_TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url(f"**{next_url}")


def test_the_director_signs_and_the_citizen_verifies_the_result(page, place, tmp_path):
    # Given a dossier waiting for the director's signature
    dossier = at_sign_step(place)
    workspace = f"/can-bo/ho-so/{dossier.code}/"
    # When the director finishes it in the workspace
    _log_in(page, place.director.username, workspace)
    page.locator("details", has=page.locator("#act-finish")).locator("summary").click()
    page.get_by_label("Kết quả giải quyết").fill("Cấp giấy phép môi trường")
    page.locator("#act-finish").get_by_role("button", name="Hoàn thành, có kết quả").click()
    page.get_by_role("status").filter(has_text="Đã thực hiện").wait_for()
    # Then the signed result is listed on the dossier, valid
    section = page.get_by_role("region", name="Kết quả điện tử có chữ ký số")
    section.wait_for()
    result = Result.objects.get(dossier=dossier)
    expect(section.get_by_text(result.number)).to_be_visible()
    expect(section.get_by_text("Có hiệu lực")).to_be_visible()
    _screenshot(page, tmp_path, "results-workspace.png")

    # And once the desk returns it electronically, the citizen finds it on their dossier page
    act(place.officer, dossier, "return_result", method=ReturnMethod.ELECTRONIC)
    _log_in(page, place.applicant.email, f"/ho-so/cua-toi/{dossier.code}/")
    mine = page.get_by_role("region", name="Kết quả điện tử có chữ ký số")
    with page.expect_download() as download_info:
        mine.get_by_role("link", name="Tải bản gốc có chữ ký số (PDF)").click()
    original = Path(download_info.value.path()).read_bytes()
    assert original.startswith(b"%PDF-")
    # and the address under the PDF's QR code is the verification page they open
    text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(original)).pages)
    verify_path = f"/verify/{result.verify_token}"
    assert verify_path in text.replace("\n", "")
    mine.get_by_role("link", name="Trang xác minh").click()
    page.wait_for_url(f"**{verify_path}")
    # which says the result is valid, issued by the agency, with the holder's name masked
    status = page.get_by_role("status")
    assert "Có hiệu lực" in status.inner_text()
    expect(page.get_by_text(place.agency.name).first).to_be_visible()
    expect(page.get_by_text("Nguyễn V** A*")).to_be_visible()
    _screenshot(page, tmp_path, "results-verify-page.png")

    # When they upload the downloaded file on the verification page
    page.get_by_role("link", name="tải tệp lên để kiểm tra").click()
    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(
        files=[{"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": original}]
    )
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    # Then it is the unaltered original and its signature is valid
    verdict = page.get_by_role("region", name="Kết quả kiểm tra")
    verdict.wait_for()
    expect(verdict.get_by_text("Đúng, chưa bị sửa đổi")).to_be_visible()
    expect(verdict.get_by_text("Hợp lệ", exact=True)).to_be_visible()
    _screenshot(page, tmp_path, "results-upload-verdict.png")
