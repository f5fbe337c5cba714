"""Public verification of results: the page behind the QR code, the original's download, the
upload check and their API (results/views.py, results/api.py, results/verification.py)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from motcua.dossiers.models import ReturnMethod
from motcua.results.models import Result
from motcua.results.services import result_replace, result_revoke
from tests.dossiers.samples import citizen, pdf_bytes
from tests.results.conftest import act, signed

pytestmark = pytest.mark.django_db
API = "/api/v1/results/verify"


@pytest.fixture
def result(place) -> Result:
    return signed(place).results.get()


def _original(result: Result) -> bytes:
    with result.file.open("rb") as handle:
        return handle.read()


def _altered(data: bytes) -> bytes:
    """One byte changed inside the signed part of the file (the page's content), not in the
    signature itself."""
    start = data.index(b"stream", len(data) // 10) + 20
    changed = bytearray(data)
    changed[start] ^= 0x01
    return bytes(changed)


def _upload(client, data: bytes, *, api: bool = False, name: str = "ket-qua.pdf"):
    url = API if api else reverse("results:verify-upload")
    return client.post(url, {"file": SimpleUploadedFile(name, data, "application/pdf")})


# --- The page behind the QR code -------------------------------------------------------------


def test_the_verification_page_shows_the_public_facts(client, result, place):
    # When anyone opens the address printed in the QR code
    response = client.get(reverse("results:verify", args=[result.verify_token]))
    # Then it shows agency, number, date, the masked holder, the status and the hash
    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        place.agency.name,
        result.number,
        "Có hiệu lực",
        "Nguyễn V** A*",
        result.sha256,
    ):
        assert expected in page
    assert "Nguyễn Văn An" not in page
    # and no download for an anonymous visitor, only the way to log in
    assert reverse("results:download", args=[result.verify_token]) not in page
    assert "Đăng nhập để tải bản gốc" in page


def test_an_unknown_or_malformed_token_is_not_found(client):
    assert client.get(reverse("results:verify", args=["x" * 32])).status_code == 404
    assert client.get("/verify/%3Cscript%3E").status_code == 404
    response = client.get(f"{API}/{'y' * 32}")
    assert response.status_code == 404 and response.json()["field"] == "token"


def test_only_the_holder_and_staff_download_the_original(client, result, place):
    download = reverse("results:download", args=[result.verify_token])
    # An anonymous visitor is sent to log in
    assert client.get(download).status_code == 302
    # Another citizen does not even learn that there is a file
    client.force_login(citizen(full_name="Trần Thị Bình"))
    assert client.get(download).status_code == 404
    # The holder gets the exact signed file
    client.force_login(place.applicant)
    page = client.get(reverse("results:verify", args=[result.verify_token])).content.decode()
    assert download in page
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == _original(result)
    # And so do the agency's staff
    client.force_login(place.specialist)
    assert client.get(download).status_code == 200


def test_a_replaced_result_points_to_its_replacement(client, result, place):
    new = result_replace(actor=place.director, result=result, reason="Sai tên thửa đất")
    page = client.get(reverse("results:verify", args=[result.verify_token])).content.decode()
    assert "Đã được thay thế" in page and new.number in page
    body = client.get(f"{API}/{result.verify_token}").json()
    assert (body["status"], body["replaced_by"]) == ("replaced", new.number)


def test_a_revoked_result_says_so_with_the_reason(client, result, place):
    result_revoke(actor=place.director, result=result, reason="Cấp sai đối tượng")
    page = client.get(reverse("results:verify", args=[result.verify_token])).content.decode()
    assert "Đã bị thu hồi" in page and "Cấp sai đối tượng" in page


def test_the_api_answers_the_public_facts_by_token(client, result, place):
    response = client.get(f"{API}/{result.verify_token}")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == result.number and body["status"] == "valid"
    assert body["holder"] == "Nguyễn V** A*" and body["sha256"] == result.sha256
    assert body["agency_code"] == place.agency.code
    assert body["verify_url"].endswith(f"/verify/{result.verify_token}")


# --- Uploading a file -----------------------------------------------------------------------


def test_the_original_file_is_an_unaltered_issued_result_with_a_valid_signature(client, result):
    # When the holder uploads the file they downloaded
    response = _upload(client, _original(result))
    # Then the page says it is the original, and its signature is valid
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đúng, chưa bị sửa đổi" in page and "Hợp lệ" in page and result.number in page
    # And the API says the same
    body = _upload(client, _original(result), api=True).json()
    assert body["verdict"] == "issued" and body["issued"] is True
    assert body["signature_valid"] is True
    assert body["signatures"][0]["trusted"] and body["signatures"][0]["intact"]
    assert body["result"]["number"] == result.number


def test_a_changed_byte_makes_the_file_altered(client, result):
    # Given the signed file with one byte changed
    data = _altered(_original(result))
    # When it is uploaded
    body = _upload(client, data, api=True).json()
    # Then it is not an issued result, and its signature is broken
    assert body["verdict"] == "altered"
    assert body["issued"] is False and body["signature_valid"] is False
    assert body["signatures"][0]["intact"] is False
    page = _upload(client, data).content.decode()
    assert "tệp đã bị sửa đổi" in page


def test_a_pdf_without_signature_is_not_a_result(client):
    body = _upload(client, pdf_bytes(), api=True).json()
    assert body["verdict"] == "unsigned" and body["signatures"] == []


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"not a pdf at all, just text", 400, "not_pdf"),
        (b"", 400, "empty"),
        (b"%PDF-1.7\n" + b"\x00garbage\xff" * 200, 422, "malformed_pdf"),
    ],
)
def test_garbage_gets_a_clear_error(client, data, status, code):
    response = _upload(client, data, api=True)
    assert response.status_code == status
    body = response.json()
    assert (body["code"], body["field"]) == (code, "file")
    page = _upload(client, data)
    assert page.status_code == status
    assert 'aria-describedby="verify-file-help verify-file-error"' in page.content.decode()


def test_an_encrypted_pdf_cannot_be_checked(client):
    response = _upload(client, pdf_bytes(password="bí mật"), api=True)
    assert response.status_code == 422 and response.json()["code"] == "encrypted"


def test_a_huge_file_is_refused_before_it_is_read(client, settings):
    settings.RESULT_VERIFY_MAX_MB = 1
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue() + b"%" + b"x" * (1024 * 1024)
    response = _upload(client, data, api=True)
    assert response.status_code == 400 and response.json()["code"] == "too_large"


def test_a_missing_file_names_the_field(client):
    response = client.post(API, {})
    assert response.status_code == 400 and response.json()["field"] == "file"


def test_a_check_that_takes_too_long_is_stopped(client, settings, monkeypatch):
    # Given a check that would never end
    from motcua.results import pdfcheck, verification

    monkeypatch.setattr(
        verification,
        "check_isolated",
        lambda data, roots, seconds: pdfcheck.check_isolated(data, roots, seconds=0),
    )
    # When a PDF is uploaded, Then the verdict is a timeout error, not a hang or a 500
    response = _upload(client, pdf_bytes(), api=True)
    assert response.status_code == 422 and response.json()["code"] == "verification_timeout"


def test_uploads_are_rate_limited_per_client(client, settings):
    settings.RESULT_VERIFY_RATES = ["2/m"]
    for _ in range(2):
        assert _upload(client, b"plain text", api=True).status_code == 400
    response = _upload(client, b"plain text", api=True)
    assert response.status_code == 429 and "Retry-After" in response


# --- Where staff and the applicant find the result ------------------------------------------


def test_staff_see_the_results_in_the_workspace(client, result, place):
    client.force_login(place.director)
    page = client.get(reverse("dossiers:workspace-dossier", args=[result.dossier.code]))
    html = page.content.decode()
    assert "Kết quả điện tử có chữ ký số" in html and result.number in html
    assert reverse("results:verify", args=[result.verify_token]) in html


def test_the_applicant_gets_the_result_once_it_is_returned(client, result, place):
    dossier = result.dossier
    client.force_login(place.applicant)
    url = reverse("dossiers:mine-detail", args=[dossier.code])
    download = reverse("results:download", args=[result.verify_token])
    # Not before the desk returns it
    assert download not in client.get(url).content.decode()
    act(place.officer, dossier, "return_result", method=ReturnMethod.ELECTRONIC)
    html = client.get(url).content.decode()
    assert download in html
    assert reverse("results:verify", args=[result.verify_token]) in html
