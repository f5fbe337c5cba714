"""The online submission pages: start or resume a draft, save (with and without JavaScript),
upload, review, submit once, the confirmation, the acknowledgement PDF and downloads."""

import io
import re

import pytest
from pypdf import PdfReader

from motcua.dossiers.models import Attachment, Dossier, Status
from motcua.dossiers.services import dossier_submit
from tests.dossiers.samples import (
    VALID_FORM,
    citizen,
    complete_draft,
    image_bytes,
    submission_procedure,
    upload,
)
from tests.factories import AgencyFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(administrative_units):
    return submission_procedure(
        agency=AgencyFactory(code="H56.14", name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng")
    )


@pytest.fixture
def applicant(administrative_units):
    return citizen(full_name="Nguyễn Thị Hoà")


@pytest.fixture
def logged_in(client, applicant):
    client.force_login(applicant)
    return client


def page_post(version, draft, **extra):
    """What the draft page posts: applicant, form (f-) and the version it was opened with."""
    data = {
        "expected_version": draft.version,
        "applicant-name": draft.applicant_name,
        "applicant-id_number": draft.applicant_id_number,
        "applicant-phone": draft.applicant_phone,
        "applicant-email": draft.applicant_email,
        "applicant-address": draft.applicant_address,
        "applicant-commune_province": draft.applicant_commune.province_id
        if draft.applicant_commune
        else "",
        "applicant-commune_commune": draft.applicant_commune_id or "",
        "f-project_name": VALID_FORM["project_name"],
        "f-copies": str(VALID_FORM["copies"]),
        "action": "save",
    }
    data.update(extra)
    return data


def test_the_procedure_page_links_to_online_submission(client, version):
    response = client.get(f"/thu-tuc/{version.procedure.code}/")
    assert f'href="/thu-tuc/{version.procedure.code}/nop-ho-so/"' in response.content.decode()


def test_starting_needs_a_login(client, version):
    response = client.get(f"/thu-tuc/{version.procedure.code}/nop-ho-so/")
    assert response.status_code == 302
    assert "/dang-nhap/" in response["Location"]


def test_start_creates_a_draft_once_and_then_resumes_it(logged_in, version, applicant):
    first = logged_in.get(f"/thu-tuc/{version.procedure.code}/nop-ho-so/")
    second = logged_in.get(f"/thu-tuc/{version.procedure.code}/nop-ho-so/")
    draft = Dossier.objects.get(owner=applicant)
    assert first["Location"] == second["Location"] == f"/ho-so/nhap/{draft.pk}/"


def test_an_unknown_procedure_is_404(logged_in):
    assert logged_in.get("/thu-tuc/0.000000/nop-ho-so/").status_code == 404


def test_the_draft_page_is_prefilled_and_has_every_step(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    html = logged_in.get(f"/ho-so/nhap/{draft.pk}/").content.decode()
    assert 'value="Nguyễn Thị Hoà"' in html
    assert f'value="{applicant.personal_id}"' in html
    assert 'name="f-project_name"' in html
    for document in version.documents.all():
        assert f'name="doc-{document.pk}"' in html
    assert 'hx-trigger="change delay:1s"' in html
    assert f'name="expected_version" id="expected-version" value="{draft.version}"' in html


def test_saving_without_javascript_keeps_fields_and_uploads_files(logged_in, version, applicant):
    draft = complete_draft(version, applicant, form={})
    document = version.documents.first()
    data = page_post(
        version,
        draft,
        **{
            "f-project_name": "Khu dân cư Đồi Thông",
            f"doc-{document.pk}": [upload("Bản vẽ.png", image_bytes()), upload("Thuyết minh.pdf")],
        },
    )
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/ho-so/nhap/{draft.pk}/#step-documents"
    draft.refresh_from_db()
    assert draft.form_data["project_name"] == "Khu dân cư Đồi Thông"
    names = set(
        draft.attachments.filter(required_document=document).values_list("original_name", flat=True)
    )
    assert {"Bản vẽ.png", "Thuyết minh.pdf"} <= names


def test_a_bad_file_is_named_next_to_its_document_and_the_rest_is_saved(
    logged_in, version, applicant
):
    draft = complete_draft(version, applicant, form={})
    document = version.documents.first()
    data = page_post(
        version, draft, **{f"doc-{document.pk}": upload("Giấy phép.pdf", image_bytes())}
    )
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="document-{document.pk}-error"' in html
    assert "Giấy phép.pdf" in html and "PNG" in html
    draft.refresh_from_db()
    assert draft.form_data["project_name"] == VALID_FORM["project_name"]


def test_a_stale_page_gets_409_and_keeps_what_was_typed(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    stale = page_post(version, draft, **{"f-project_name": "Bản của thẻ cũ"})
    logged_in.post(
        f"/ho-so/nhap/{draft.pk}/", page_post(version, draft, **{"f-project_name": "Bản mới"})
    )
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/", stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "tải lại trang" in html
    assert 'value="Bản của thẻ cũ"' in html
    draft.refresh_from_db()
    assert draft.form_data["project_name"] == "Bản mới"


def test_review_with_problems_shows_each_next_to_its_field(logged_in, version, applicant):
    draft = complete_draft(version, applicant, form={})
    Attachment.objects.filter(dossier=draft).delete()
    data = page_post(
        version,
        draft,
        **{
            "f-project_name": "",
            "f-copies": "mười",
            "applicant-phone": "",
            "applicant-email": "",
            "action": "review",
        },
    )
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_f-project_name-error"' in html
    assert 'id="id_f-copies-error"' in html
    assert 'id="id_applicant-phone_error"' in html
    for document in version.documents.all():
        assert f'id="document-{document.pk}-error"' in html
    assert 'href="#id_f-copies"' in html  # the summary links to the field
    assert 'value="mười"' in html


def test_applicant_format_errors_are_shown_and_nothing_is_saved(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    data = page_post(version, draft, **{"applicant-id_number": "123", "f-project_name": "Mới"})
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/", data)
    assert response.status_code == 400
    assert "12 chữ số" in response.content.decode()
    draft.refresh_from_db()
    assert draft.form_data["project_name"] == VALID_FORM["project_name"]


def test_autosave_answers_the_time_and_the_new_version(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    data = page_post(version, draft, **{"f-project_name": "Tự động"})
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/luu-tu-dong/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"Đã lưu lúc \d\d:\d\d", html)
    draft.refresh_from_db()
    assert f'value="{draft.version}" hx-swap-oob="true"' in html
    assert draft.form_data["project_name"] == "Tự động"
    # the same page saving again with its old version now conflicts
    stale = logged_in.post(
        f"/ho-so/nhap/{draft.pk}/luu-tu-dong/", {**data, "f-project_name": "Khác"}
    )
    assert stale.status_code == 409
    assert "tải lại trang" in stale.content.decode()


def test_autosave_skips_a_field_being_typed_wrong(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    data = page_post(version, draft, **{"applicant-email": "dang-go@", "f-project_name": "Vẫn lưu"})
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/luu-tu-dong/", data)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.form_data["project_name"] == "Vẫn lưu"
    assert draft.applicant_email == applicant.email


def test_review_submit_and_a_retry_make_one_dossier(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    review = logged_in.get(f"/ho-so/nhap/{draft.pk}/xem-lai/")
    assert review.status_code == 200
    assert "Nộp hồ sơ" in review.content.decode()
    first = logged_in.post(f"/ho-so/nhap/{draft.pk}/nop/")
    draft.refresh_from_db()
    assert draft.status == Status.NEW
    assert first["Location"] == f"/ho-so/{draft.code}/xac-nhan/"
    # a double click or back-and-resubmit lands on the same confirmation
    again = logged_in.post(f"/ho-so/nhap/{draft.pk}/nop/")
    assert again["Location"] == first["Location"]
    assert Dossier.objects.count() == 1
    page = logged_in.get(first["Location"]).content.decode()
    assert draft.code in page
    assert f"/ho-so/{draft.code}/giay-xac-nhan.pdf" in page


def test_submitting_an_incomplete_draft_shows_the_review_with_problems(
    logged_in, version, applicant
):
    draft = complete_draft(version, applicant, form={})
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/nop/")
    assert response.status_code == 400
    assert "Tên dự án" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_acknowledgement_pdf_holds_the_code_and_the_dates(logged_in, version, applicant):
    dossier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    response = logged_in.get(f"/ho-so/{dossier.code}/giay-xac-nhan.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert dossier.code in text
    assert "GIẤY XÁC NHẬN NỘP HỒ SƠ TRỰC TUYẾN" in text
    assert "Nguyễn Thị Hoà" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert f"{dossier.appointment_at.astimezone().strftime('%d/%m/%Y')}"[:2] in text


def test_others_cannot_see_the_confirmation_or_pdf(
    client, version, applicant, administrative_units
):
    dossier = dossier_submit(dossier=complete_draft(version, applicant), actor=applicant)
    client.force_login(citizen())
    assert client.get(f"/ho-so/{dossier.code}/xac-nhan/").status_code == 404
    assert client.get(f"/ho-so/{dossier.code}/giay-xac-nhan.pdf").status_code == 404
    client.force_login(StaffFactory())
    assert client.get(f"/ho-so/{dossier.code}/giay-xac-nhan.pdf").status_code == 404


def test_another_persons_draft_is_404(client, version, applicant, administrative_units):
    draft = complete_draft(version, applicant)
    client.force_login(citizen())
    assert client.get(f"/ho-so/nhap/{draft.pk}/").status_code == 404
    assert client.post(f"/ho-so/nhap/{draft.pk}/nop/").status_code == 404
    assert client.get(f"/ho-so/tep/{draft.attachments.first().pk}/").status_code == 404


def test_a_download_keeps_the_vietnamese_name(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    data = page_post(
        version, draft, **{f"doc-{version.documents.first().pk}": upload("Đơn đề nghị.pdf")}
    )
    logged_in.post(f"/ho-so/nhap/{draft.pk}/", data)
    attachment = draft.attachments.get(original_name="Đơn đề nghị.pdf")
    response = logged_in.get(f"/ho-so/tep/{attachment.pk}/")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%C4%90%C6%A1n%20%C4%91%E1%BB%81%20ngh%E1%BB%8B.pdf" in disposition
    assert response["Cache-Control"] == "private, no-store"


def test_removing_a_file_from_the_draft(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    attachment = draft.attachments.first()
    response = logged_in.post(
        f"/ho-so/nhap/{draft.pk}/", page_post(version, draft, remove=attachment.pk)
    )
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_the_drafts_list(logged_in, version, applicant):
    draft = complete_draft(version, applicant)
    html = logged_in.get("/ho-so/nhap/").content.decode()
    assert f"/ho-so/nhap/{draft.pk}/" in html
    assert version.name in html


@pytest.mark.parametrize(
    "extra",
    [
        {"expected_version": "abc"},
        {"remove": "x' OR 1=1"},
        {"reuse": "999999"},
        {"f-copies": "9" * 5000},
        {"f-project_name": "a\x00b"},
        {"applicant-commune_province": "99", "applicant-commune_commune": "xx"},
        {"applicant-name": "Đ\u0300" * 300},
    ],
)
def test_bad_posts_never_give_500(logged_in, version, applicant, extra):
    draft = complete_draft(version, applicant)
    response = logged_in.post(f"/ho-so/nhap/{draft.pk}/", page_post(version, draft, **extra))
    assert response.status_code in {302, 400, 409}


def test_a_document_is_reused_from_the_page(client, administrative_units):
    # given a citizen with an earlier submitted dossier of a procedure allowing reuse
    version = submission_procedure(reusable=True)
    person = citizen()
    earlier = dossier_submit(dossier=complete_draft(version, person), actor=person)
    source = earlier.attachments.order_by("-uploaded_at", "-pk").first()  # the newest is offered
    draft = complete_draft(version, person)
    draft.attachments.all().delete()
    document = version.documents.first()
    client.force_login(person)
    # when they pick the earlier file for the first document
    page = client.get(f"/ho-so/nhap/{draft.pk}/").content.decode()
    assert f'<option value="{source.pk}">' in page
    data = page_post(version, draft, reuse=document.pk, **{f"reuse-{document.pk}": source.pk})
    response = client.post(f"/ho-so/nhap/{draft.pk}/", data)
    # then the draft cites it without a new upload
    assert response.status_code == 302
    reused = draft.attachments.get(required_document=document)
    assert reused.is_reused and reused.reused_from == earlier.code
    assert reused.file.name == source.file.name
