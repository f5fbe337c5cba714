"""Browser test: a citizen finds their signed result in "Kho dữ liệu của tôi", shares it, then
cites it and another stored document in a new submission instead of uploading them again."""

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfWriter

from motcua.dossiers.models import Attachment, Dossier, Status
from motcua.dossiers.store import store_add_result
from tests.dossiers.samples import citizen, submission_procedure
from tests.e2e.test_submission import log_in
from tests.factories import AgencyFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("administrative_units"),
]


@pytest.fixture
def folder(tmp_path) -> Path:
    """SCREENSHOT_DIR keeps the pictures for a human to look at."""
    return Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)


def _pdf(width: int) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=width, height=300)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_citizen_reuses_stored_documents_in_a_new_submission(page, settings, folder):
    # given a procedure whose documents may come from the data store
    agency = AgencyFactory(code="H56.14", name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng")
    version = submission_procedure(agency=agency, reusable=True, name="Cấp đổi giấy chứng nhận")
    first, second = version.documents.order_by("order", "pk")
    # and a citizen whose store holds a result returned electronically and another document
    person = citizen(full_name="Nguyễn Thị Kho", username="kho")
    result = store_add_result(
        owner=person,
        dossier=None,
        content=_pdf(210),
        title=f"{first.name} số 15/GCN-SNNMT",
        document_type=first.name,
        issuer=agency.name,
        result_id=4242,
    )
    other = store_add_result(
        owner=person, dossier=None, content=_pdf(220), title="Quyết định giao đất", issuer="UBND"
    )
    log_in(page, settings, person)

    # when they open their data store from the menu
    page.get_by_role("link", name="Kho dữ liệu của tôi").click()
    page.wait_for_url("**/kho-du-lieu/")
    card = page.locator(f"#document-{result.pk}")
    expect(card.get_by_role("heading", name=result.title)).to_be_visible()
    assert result.sha256 in card.inner_text()
    # and share the result: the link is shown once
    card.get_by_role("button", name=f"Tạo liên kết chia sẻ – {result.title}").click()
    page.wait_for_url("**/kho-du-lieu/*")
    assert "/chia-se/" in page.get_by_label("Liên kết chia sẻ").input_value()
    page.screenshot(path=folder / "store-list.png", full_page=True)

    # and start a new submission of the procedure
    page.goto(f"/thu-tuc/{version.procedure.code}/nop-ho-so/")
    page.wait_for_url("**/ho-so/nhap/*/")
    page.get_by_label("Tên dự án").fill("Khu dân cư Đà Lạt")
    page.get_by_label("Số bản").fill("1")
    # the first document's picker offers the result among documents of the same type
    picker = page.locator(f"#reuse-{first.pk}")
    same_type = picker.locator("optgroup[label='Kho dữ liệu: cùng loại giấy tờ'] option")
    assert same_type.first.get_attribute("value") == f"store:{result.pk}"
    picker.select_option(f"store:{result.pk}")
    page.get_by_role("button", name=f"Dùng lại – {first.name}").click()
    page.wait_for_url("**/ho-so/nhap/*/#step-documents")
    page.locator(f"#reuse-{second.pk}").select_option(f"store:{other.pk}")
    page.get_by_role("button", name=f"Dùng lại – {second.name}").click()
    page.wait_for_url("**/ho-so/nhap/*/#step-documents")
    expect(
        page.locator(f"#document-{first.pk}").get_by_text("dùng lại từ kho dữ liệu")
    ).to_be_visible()
    page.screenshot(path=folder / "store-reuse.png", full_page=True)

    # then the review and submission go through without any upload
    page.get_by_role("button", name="Xem lại và nộp").click()
    page.wait_for_url("**/xem-lai/")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/xac-nhan/")
    dossier = Dossier.objects.get(owner=person)
    assert dossier.status == Status.NEW
    attachments = {a.required_document_id: a for a in Attachment.objects.filter(dossier=dossier)}
    assert attachments[first.pk].reused_from == f"store:{result.pk}"
    assert attachments[first.pk].file.name == result.file.name
    assert attachments[second.pk].reused_from == f"store:{other.pk}"
    assert all(attachment.is_reused for attachment in attachments.values())
