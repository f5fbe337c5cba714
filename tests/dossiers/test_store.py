"""The personal electronic data store (dossiers/store.py, SPEC §6): uploads accepted at reception
and results returned electronically land in the owner's store, the counter certifies e-copies,
the owner reuses stored documents in a new submission, shares them by time-limited links and
deletes their own uploads; the pages and the API around it."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.core.models import AuditEntry
from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import (
    Attachment,
    AttachmentKind,
    Dossier,
    StoredDocument,
    StoredKind,
    StoreShareLink,
)
from motcua.dossiers.selectors_store import store_reuse_choices, store_share_get
from motcua.dossiers.services import (
    attachment_remove,
    attachment_reuse_stored,
    attachment_upload,
    dossier_draft_create,
    dossier_submit,
)
from motcua.dossiers.store import (
    attachment_certify,
    store_add_result,
    store_add_upload,
    store_document_delete,
    store_share_create,
    store_share_open,
    store_share_revoke,
)
from motcua.results.models import Result
from motcua.results.signing import SigningFailed
from tests.dossiers.backoffice_samples import Office, office
from tests.dossiers.samples import (
    VALID_FORM,
    citizen,
    image_bytes,
    office_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


def pdf_of(width: int) -> bytes:
    """A one-page PDF whose content (and hash) depends on `width`."""
    writer = PdfWriter()
    writer.add_blank_page(width=width, height=300)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def place(administrative_units) -> Office:
    place = office()
    place.version.fees.all().delete()
    place.version.documents.update(reusable_from_data_store=True)
    return place


def act(user, dossier: Dossier, action: str, **payload) -> Dossier:
    return dossier_act(actor=user, dossier=dossier.code, action=action, payload=payload)


def submitted_with(place: Office, contents: list[bytes], *, owner=None) -> Dossier:
    """An online dossier whose required documents carry `contents`, one file each, submitted."""
    owner = owner or place.applicant
    draft = dossier_draft_create(
        procedure_code=place.version.procedure.code, owner=owner, actor=owner
    )
    draft.form_data = VALID_FORM
    draft.save(update_fields=["form_data"])
    for document, content in zip(place.version.documents.order_by("pk"), contents, strict=True):
        attachment_upload(
            actor=owner,
            uploaded_file=upload(f"giay-to-{document.pk}", content),
            required_document=document,
            dossier=draft,
        )
    return dossier_submit(dossier=draft, actor=owner)


def received(place: Office, contents: list[bytes] | None = None, **kwargs) -> Dossier:
    dossier = submitted_with(place, contents or [pdf_of(201), pdf_of(202)], **kwargs)
    return act(place.officer, dossier, "receive")


def signed_and_done(place: Office) -> Dossier:
    """A dossier the director finished at the "Ký duyệt" step: it has its signed result."""
    dossier = received(place)
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    act(place.specialist, dossier, "forward")
    act(place.head, dossier, "forward")
    return act(place.director, dossier, "finish", result_summary="Cấp đổi Giấy chứng nhận")


def stored_upload(place: Office, **values) -> StoredDocument:
    dossier = received(place)
    document = StoredDocument.objects.filter(source_dossier=dossier).order_by("pk").first()
    if values:
        StoredDocument.objects.filter(pk=document.pk).update(**values)
        document.refresh_from_db()
    return document


def new_draft(place: Office, owner=None) -> Dossier:
    owner = owner or place.applicant
    return dossier_draft_create(
        procedure_code=place.version.procedure.code, owner=owner, actor=owner
    )


def store_files(settings) -> list[str]:
    from pathlib import Path

    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "private" / "store"
    return [str(path) for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- What lands in the store -------------------------------------------------------------------


def test_reception_puts_the_applicants_uploads_in_their_store_by_reference(place):
    # given a submitted dossier with two different documents
    dossier = submitted_with(place, [pdf_of(201), pdf_of(202)])
    assert not StoredDocument.objects.exists()
    # when the desk receives it
    act(place.officer, dossier, "receive")
    # then both uploads are in the applicant's store, typed by their required document
    stored = list(StoredDocument.objects.order_by("pk"))
    attachments = list(dossier.attachments.order_by("pk"))
    assert [s.kind for s in stored] == [StoredKind.UPLOAD, StoredKind.UPLOAD]
    assert {s.owner for s in stored} == {place.applicant}
    assert [s.sha256 for s in stored] == [a.sha256 for a in attachments]
    assert [s.document_type for s in stored] == [a.required_document.name for a in attachments]
    # the files are the attachments' own, not copies, and the change is audited
    assert [s.file.name for s in stored] == [a.file.name for a in attachments]
    assert [s.source_dossier_id for s in stored] == [dossier.pk, dossier.pk]
    assert AuditEntry.objects.filter(action="store.add").count() == 2


def test_the_same_content_is_stored_once(place):
    # given a dossier whose two documents are the same file, received
    received(place, [pdf_of(210), pdf_of(210)])
    # and a later dossier with that file again
    received(place, [pdf_of(210), pdf_of(211)])
    # then the store holds each content once
    stored = sorted(StoredDocument.objects.values_list("sha256", flat=True))
    assert stored == sorted(set(Attachment.objects.values_list("sha256", flat=True)))
    assert len(stored) == 2


def test_a_refused_dossier_and_a_counter_scan_do_not_fill_the_store(place):
    # given a dossier refused at the desk
    refused = submitted_with(place, [pdf_of(220), pdf_of(221)])
    act(place.officer, refused, "refuse", reasons=["Không thuộc thẩm quyền"])
    # and a received dossier with a file the officer scanned for the applicant
    dossier = submitted_with(place, [pdf_of(222), pdf_of(223)])
    scan = attachment_upload(actor=place.officer, uploaded_file=upload("scan.pdf", pdf_of(224)))
    Attachment.objects.filter(pk=scan.pk).update(dossier=dossier, is_digitized=True)
    act(place.officer, dossier, "receive")
    # then only the applicant's own uploads of the received dossier are stored
    assert set(StoredDocument.objects.values_list("sha256", flat=True)) == set(
        dossier.attachments.filter(uploaded_by=place.applicant).values_list("sha256", flat=True)
    )


def test_an_electronic_return_puts_the_signed_result_in_the_store(place):
    # given a finished dossier with its signed result
    dossier = signed_and_done(place)
    result = Result.objects.get(dossier=dossier)
    # when the desk returns it electronically
    act(place.officer, dossier, "return_result", method="electronic")
    # then the result is in the applicant's store, with the agency, number, date and hash
    stored = StoredDocument.objects.get(kind=StoredKind.RESULT)
    assert stored.owner == place.applicant
    assert stored.result_id == result.pk
    assert stored.sha256 == result.sha256 and stored.file.name == result.file.name
    assert stored.issuer == place.agency.name
    assert result.number in stored.title
    assert stored.issued_on == timezone.localdate(result.issued_at)
    assert not stored.deletable


def test_a_return_at_the_counter_stores_no_result(place):
    dossier = signed_and_done(place)
    act(place.officer, dossier, "return_result", method="counter")
    assert not StoredDocument.objects.filter(kind=StoredKind.RESULT).exists()


def test_without_a_signed_result_the_result_attachments_are_stored(place, monkeypatch):
    # given a finished dossier whose result is an uploaded file (no signed result)
    monkeypatch.setattr("motcua.dossiers.store._signed_results", lambda dossier: [])
    dossier = signed_and_done(place)
    file = attachment_upload(actor=place.director, uploaded_file=upload("kq.pdf", pdf_of(230)))
    Attachment.objects.filter(pk=file.pk).update(dossier=dossier, kind=AttachmentKind.RESULT)
    # when it is returned electronically
    act(place.officer, dossier, "return_result", method="electronic")
    # then that file is the stored result
    stored = StoredDocument.objects.get(kind=StoredKind.RESULT)
    assert stored.sha256 == file.sha256 and stored.result_id is None
    assert stored.title == "Cấp đổi Giấy chứng nhận"


def test_store_add_result_keeps_one_document_per_result_and_content(place, settings):
    # given a result handed over by the results app as bytes
    content = pdf_of(240)
    first = store_add_result(
        owner=place.applicant,
        dossier=None,
        content=content,
        title="Giấy phép môi trường số 12/GP-SNNMT",
        issuer=place.agency.name,
        result_id=987,
    )
    # when it arrives again, by id or by content
    again = store_add_result(
        owner=place.applicant, dossier=None, content=content, title="x", issuer="y", result_id=987
    )
    same_bytes = store_add_result(
        owner=place.applicant, dossier=None, content=content, title="x", issuer="y"
    )
    # then there is one stored document and one stored file
    assert first.pk == again.pk == same_bytes.pk
    assert StoredDocument.objects.count() == 1 and len(store_files(settings)) == 1
    assert first.content_type == "application/pdf" and first.kind == StoredKind.RESULT


def test_a_result_arriving_as_an_earlier_upload_becomes_the_result(place):
    # given an applicant who uploaded a file that the agency then returns as their result
    stored = stored_upload(place)
    with stored.file.open("rb") as handle:
        content = handle.read()
    # when the result with those bytes is stored
    result = store_add_result(
        owner=place.applicant, dossier=None, content=content, title="Quyết định", issuer="Sở"
    )
    # then the stored document is now the agency's result, no longer deletable
    assert result.pk == stored.pk and result.kind == StoredKind.RESULT
    assert not result.deletable


def test_only_citizens_and_organisations_have_a_store(place):
    with pytest.raises(InvalidInput) as error:
        store_add_result(
            owner=place.officer, dossier=None, content=pdf_of(250), title="x", issuer="y"
        )
    assert error.value.field == "owner"


# --- Digitization at the counter ---------------------------------------------------------------


def _signature(data: bytes) -> dict:
    reader = PdfReader(io.BytesIO(data))
    field = reader.get_fields()["Chu-ky-co-quan"]
    return field["/V"]


def test_an_officer_certifies_a_scanned_document_into_the_applicants_store(place):
    # given a received dossier and a scanned document in it
    dossier = received(place)
    attachment = dossier.attachments.order_by("pk").first()
    # when the receiving officer certifies its e-copy against the original
    stored = attachment_certify(
        officer=place.officer,
        attachment=attachment,
        issuer="UBND huyện Đức Trọng",
        issued_on="2019-05-20",
        valid_until="",
    )
    # then a signed certified copy is in the applicant's store
    assert stored.kind == StoredKind.CERTIFIED_COPY and stored.owner == place.applicant
    assert (stored.certified_by, stored.issuer) == (place.officer, "UBND huyện Đức Trọng")
    assert stored.issued_on.isoformat() == "2019-05-20" and stored.certified_at is not None
    with stored.file.open("rb") as handle:
        data = handle.read()
    signature = _signature(data)
    assert signature["/Reason"] == "Chứng thực bản sao điện tử từ bản chính"
    assert signature["/Name"] == place.desk.name  # signed as the officer's unit
    assert stored.certificate["fingerprint"] and stored.certificate["signer"] == place.desk.name
    assert stored.sha256 != attachment.sha256 and stored.source_attachment == attachment
    # and the attachment is flagged digitized, the act audited
    attachment.refresh_from_db()
    assert attachment.is_digitized
    assert AuditEntry.objects.filter(action="attachment.certify").count() == 1
    # a second certification of the same attachment is refused
    with pytest.raises(Conflict):
        attachment_certify(officer=place.officer, attachment=attachment)


def test_a_scanned_image_is_certified_as_a_pdf(place):
    dossier = received(place, [image_bytes("PNG"), pdf_of(260)])
    attachment = dossier.attachments.get(content_type="image/png")
    stored = attachment_certify(officer=place.officer, attachment=attachment)
    with stored.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-") and stored.content_type == "application/pdf"
    assert _signature(data)["/Reason"] == "Chứng thực bản sao điện tử từ bản chính"


@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ("specialist", PermissionDenied, "forbidden"),
        ("docx", InvalidInput, "not_certifiable"),
        ("no_owner", InvalidInput, "no_data_store"),
        ("result_file", InvalidInput, "not_certifiable"),
        ("dates", InvalidInput, "invalid"),
        ("bad_date", InvalidInput, "invalid"),
    ],
)
def test_certification_is_refused_when_it_cannot_apply(place, change, error, code):
    dossier = received(place, [office_bytes("docx"), pdf_of(270)])
    attachment = dossier.attachments.get(content_type="application/pdf")
    officer, extra = place.officer, {}
    if change == "specialist":
        officer = place.specialist
    elif change == "docx":
        attachment = dossier.attachments.exclude(content_type="application/pdf").get()
    elif change == "no_owner":
        Dossier.objects.filter(pk=dossier.pk).update(owner=None)
        attachment = Attachment.objects.select_related("dossier").get(pk=attachment.pk)
    elif change == "result_file":
        Attachment.objects.filter(pk=attachment.pk).update(kind=AttachmentKind.RESULT)
        attachment.refresh_from_db()
    elif change == "dates":
        extra = {"issued_on": "2024-01-02", "valid_until": "2023-01-01"}
    else:
        extra = {"issued_on": "20/13/2024"}
    with pytest.raises(error) as raised:
        attachment_certify(officer=officer, attachment=attachment, **extra)
    assert raised.value.code == code
    assert not StoredDocument.objects.filter(kind=StoredKind.CERTIFIED_COPY).exists()


def test_a_signing_failure_leaves_nothing_behind(place, monkeypatch, settings):
    # given a signer that is down
    dossier = received(place)
    attachment = dossier.attachments.order_by("pk").first()

    def down(*args, **kwargs):
        raise SigningFailed("Dịch vụ ký số từ xa không ký được tài liệu.", field="signer")

    monkeypatch.setattr("motcua.results.signing.sign_pdf", down)
    # when the officer certifies
    with pytest.raises(SigningFailed):
        attachment_certify(officer=place.officer, attachment=attachment)
    # then nothing was stored and the attachment is unchanged: it can be retried
    attachment.refresh_from_db()
    assert not attachment.is_digitized
    assert not StoredDocument.objects.filter(kind=StoredKind.CERTIFIED_COPY).exists()
    assert store_files(settings) == []


# --- Reuse in a new submission -----------------------------------------------------------------


def test_a_stored_document_is_reused_instead_of_an_upload(place):
    # given a stored upload and a new draft of a procedure allowing reuse
    stored = stored_upload(place)
    draft = new_draft(place)
    document = place.version.documents.order_by("pk").first()
    # when the applicant picks it from the store
    attachment = attachment_reuse_stored(
        dossier=draft, actor=place.applicant, stored=stored, required_document=document
    )
    # then the draft cites it: same file, flagged reused from the store
    assert attachment.is_reused and attachment.reused_from == f"store:{stored.pk}"
    assert attachment.file.name == stored.file.name and attachment.sha256 == stored.sha256
    assert not attachment.is_digitized
    # picking it twice gives the same attachment
    again = attachment_reuse_stored(
        dossier=draft, actor=place.applicant, stored=stored, required_document=document
    )
    assert again.pk == attachment.pk
    # and removing it from the draft keeps the stored file
    attachment_remove(actor=place.applicant, attachment=attachment)
    assert stored.file.storage.exists(stored.file.name)


def test_a_reused_certified_copy_counts_as_digitized(place):
    dossier = received(place)
    certified = attachment_certify(
        officer=place.officer, attachment=dossier.attachments.order_by("pk").first()
    )
    attachment = attachment_reuse_stored(
        dossier=new_draft(place),
        actor=place.applicant,
        stored=certified,
        required_document=place.version.documents.order_by("pk").first(),
    )
    assert attachment.is_digitized and attachment.is_reused


@pytest.mark.parametrize("case", ["other_owner", "deleted", "expired", "not_reusable"])
def test_reuse_from_the_store_is_refused_when_not_allowed(place, case):
    stored = stored_upload(place)
    draft = new_draft(place)
    document = place.version.documents.order_by("pk").first()
    expected = NotFound
    if case == "other_owner":
        draft = new_draft(place, owner=citizen(full_name="Trần Văn Khác"))
    elif case == "deleted":
        store_document_delete(owner=place.applicant, document=stored)
    elif case == "expired":
        stored.valid_until = timezone.localdate() - timedelta(days=1)
        stored.save()
        expected = InvalidInput
    else:
        place.version.documents.update(reusable_from_data_store=False)
        document.refresh_from_db()
        expected = InvalidInput
    with pytest.raises(expected) as error:
        attachment_reuse_stored(
            dossier=draft,
            actor=draft.owner,
            stored=stored,
            required_document=document,
        )
    assert error.value.field == "reuse"


def test_the_picker_offers_matching_documents_first_and_earlier_uploads_not_in_the_store(place):
    # given a stored upload of the first required document and an expired one
    stored = stored_upload(place)
    expired = StoredDocument.objects.exclude(pk=stored.pk).get()
    expired.valid_until = timezone.localdate() - timedelta(days=3)
    expired.save()
    # and an earlier submitted dossier not received yet (its files are not in the store)
    pending = submitted_with(place, [pdf_of(280), pdf_of(281)])
    documents = list(place.version.documents.order_by("pk"))
    # when the choices for a new draft are listed
    choices = store_reuse_choices(owner=place.applicant, documents=documents)
    first = choices[documents[0].pk]
    # then the same-type document comes first, the expired one is not offered
    assert first.matching == [stored]
    assert expired not in first.matching + first.others
    # and the pending dossier's uploads are offered as earlier files
    assert {a.dossier_id for a in first.earlier} == {pending.pk}


def test_an_owner_with_an_empty_store_gets_no_choices(place):
    documents = list(place.version.documents.all())
    choices = store_reuse_choices(owner=place.applicant, documents=documents)
    assert set(choices) == {document.pk for document in documents}
    assert not any(choices.values())
    assert store_reuse_choices(owner=None, documents=documents) == {}


# --- Share links and deletion ------------------------------------------------------------------


def test_a_share_link_works_until_revoked_and_counts_downloads(place):
    stored = stored_upload(place)
    # when the owner shares it for 7 days
    link, token = store_share_create(owner=place.applicant, document=stored, days=7)
    # then the token is unguessable and not kept, the link lasts 7 days
    assert len(token) >= 40 and token not in link.token_hash
    assert link.expires_at - link.created_at == timedelta(days=7)
    # anyone with it downloads the document, each download counted
    assert store_share_open(token=token) == stored
    assert store_share_open(token=token) == stored
    link.refresh_from_db()
    assert link.download_count == 2 and link.last_downloaded_at is not None
    # once revoked it answers like an unknown link
    store_share_revoke(owner=place.applicant, link=link)
    with pytest.raises(NotFound):
        store_share_open(token=token)
    with pytest.raises(NotFound):
        store_share_get(token="x" * 43)


def test_an_expired_link_no_longer_works(place):
    stored = stored_upload(place)
    link, token = store_share_create(owner=place.applicant, document=stored, days=1)
    StoreShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    with pytest.raises(NotFound):
        store_share_open(token=token)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(days=st.one_of(st.integers(-5, 40), st.text(max_size=4), st.none()))
def test_a_share_lasts_one_to_thirty_days(place, days):
    stored = StoredDocument.objects.filter(owner=place.applicant).first() or stored_upload(place)
    try:
        link, _token = store_share_create(owner=place.applicant, document=stored, days=days)
    except InvalidInput as error:
        assert error.field == "days"
        assert not (isinstance(days, int) and 1 <= days <= 30)
    else:
        assert 1 <= int(days) <= 30
        assert link.expires_at - link.created_at == timedelta(days=int(days))


def test_only_the_owner_shares_and_an_expired_document_is_not_shared(place):
    stored = stored_upload(place)
    with pytest.raises(NotFound):
        store_share_create(owner=citizen(full_name="Lê Thị Lạ"), document=stored)
    stored.valid_until = timezone.localdate() - timedelta(days=1)
    stored.save()
    with pytest.raises(InvalidInput):
        store_share_create(owner=place.applicant, document=stored)


def test_the_owner_deletes_an_upload_but_not_a_result_or_certified_copy(place):
    # given an upload with a live share link, and a certified copy
    stored = stored_upload(place)
    _link, token = store_share_create(owner=place.applicant, document=stored)
    certified = attachment_certify(
        officer=place.officer, attachment=Attachment.objects.order_by("pk").first()
    )
    # when the owner deletes the upload
    store_document_delete(owner=place.applicant, document=stored)
    # then it is hidden, its links stop, its file stays (the dossier still uses it)
    stored.refresh_from_db()
    assert stored.deleted_at is not None
    with pytest.raises(NotFound):
        store_share_open(token=token)
    assert stored.file.storage.exists(stored.file.name)
    # and a certified copy cannot be deleted
    with pytest.raises(PermissionDenied) as error:
        store_document_delete(owner=place.applicant, document=certified)
    assert error.value.code == "not_deletable"


# --- Pages -------------------------------------------------------------------------------------


def test_the_store_page_lists_documents_with_type_issuer_validity_and_hash(
    place, client, django_assert_max_num_queries
):
    stored = stored_upload(place)
    dossier = Dossier.objects.get(pk=stored.source_dossier_id)
    attachment_certify(
        officer=place.officer,
        attachment=dossier.attachments.order_by("pk").last(),
        issuer="UBND xã Hiệp Thạnh",
        valid_until="2030-12-31",
    )
    client.force_login(place.applicant)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("dossiers:store"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kho dữ liệu của tôi" in html
    assert stored.sha256 in html and stored.title in html
    assert "UBND xã Hiệp Thạnh" in html and "31/12/2030" in html
    assert "Bản sao điện tử có chứng thực" in html
    assert reverse("dossiers:store-delete", args=[stored.pk]) in html
    # the nav link leads there
    assert f'href="{reverse("dossiers:store")}" aria-current="page"' in html


def test_downloads_are_for_the_owner_only(place, client):
    stored = stored_upload(place)
    client.force_login(place.applicant)
    response = client.get(reverse("dossiers:store-download", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.force_login(citizen(full_name="Đỗ Văn Người Khác"))
    assert client.get(reverse("dossiers:store-download", args=[stored.pk])).status_code == 404


def test_sharing_from_the_page_shows_the_link_once_and_the_public_page_downloads(place, client):
    stored = stored_upload(place)
    client.force_login(place.applicant)
    response = client.post(reverse("dossiers:store-share", args=[stored.pk]), {"days": "3"})
    assert response.status_code == 302
    html = client.get(reverse("dossiers:store")).content.decode()
    url = re.search(r'value="(http[^"]+/chia-se/[^"]+/)"', html).group(1)
    assert url not in client.get(reverse("dossiers:store")).content.decode()
    # anyone with the link sees the document and downloads it
    client.logout()
    path = url.split("testserver", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and stored.sha256 in page.content.decode()
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "no-referrer"
    download = client.get(path + "tai-ve/")
    assert download.status_code == 200
    assert StoreShareLink.objects.get().download_count == 1
    # a bad share request answers with its message, never a 500
    client.force_login(place.applicant)
    response = client.post(reverse("dossiers:store-share", args=[stored.pk]), {"days": "99"})
    assert response.status_code == 302
    assert "từ 1 đến 30 ngày" in client.get(reverse("dossiers:store")).content.decode()


def test_a_revoked_link_page_says_it_is_gone(place, client):
    stored = stored_upload(place)
    link, token = store_share_create(owner=place.applicant, document=stored)
    client.force_login(place.applicant)
    response = client.post(reverse("dossiers:store-share-revoke", args=[link.pk]))
    assert response.status_code == 302
    client.logout()
    page = client.get(reverse("dossiers:store-shared", args=[token]))
    assert page.status_code == 404
    assert "đã bị chủ giấy tờ thu hồi" in page.content.decode()
    assert client.get(reverse("dossiers:store-shared", args=["%00bad"])).status_code in (400, 404)


def test_deleting_from_the_page_asks_first(place, client):
    stored = stored_upload(place)
    client.force_login(place.applicant)
    url = reverse("dossiers:store-delete", args=[stored.pk])
    assert "Bạn muốn xóa" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert stored.sha256 not in client.get(reverse("dossiers:store")).content.decode()


def test_the_counter_certifies_from_the_workspace_and_sees_reuse(place, client):
    # given a received dossier: the officer sees a certify form per document
    dossier = received(place)
    attachment = dossier.attachments.order_by("pk").first()
    page_url = reverse("dossiers:workspace-dossier", args=[dossier.code])
    client.force_login(place.officer)
    assert "Chứng thực bản điện tử" in client.get(page_url).content.decode()
    # when the officer certifies one
    response = client.post(
        reverse("dossiers:store-certify", args=[dossier.code, attachment.pk]),
        {"issuer": "UBND huyện Lâm Hà", "issued_on": "2020-01-15", "valid_until": ""},
    )
    # then the page says so and the copy is in the applicant's store
    assert response.status_code == 302
    html = client.get(page_url).content.decode()
    assert "Đã chứng thực bản điện tử" in html
    assert StoredDocument.objects.filter(kind=StoredKind.CERTIFIED_COPY).count() == 1
    # a bad date comes back as a message, not an error page
    other = dossier.attachments.order_by("pk").last()
    client.post(
        reverse("dossiers:store-certify", args=[dossier.code, other.pk]), {"issued_on": "abc"}
    )
    assert "Ngày không hợp lệ" in client.get(page_url).content.decode()
    # a specialist is not offered the form
    client.force_login(place.specialist)
    html = client.get(page_url).content.decode()
    assert "Chứng thực và lưu vào kho dữ liệu" not in html


def test_the_officer_sees_what_was_reused_from_the_store(place, client):
    # given a new dossier citing a stored certified copy
    earlier = received(place)
    certified = attachment_certify(
        officer=place.officer,
        attachment=earlier.attachments.order_by("pk").first(),
        issuer="UBND huyện Lâm Hà",
        issued_on="2020-01-15",
    )
    documents = list(place.version.documents.order_by("pk"))
    draft = new_draft(place)
    draft.form_data = VALID_FORM
    draft.save(update_fields=["form_data"])
    attachment_reuse_stored(
        dossier=draft, actor=place.applicant, stored=certified, required_document=documents[0]
    )
    attachment_upload(
        actor=place.applicant,
        uploaded_file=upload("b.pdf", pdf_of(290)),
        required_document=documents[1],
        dossier=draft,
    )
    dossier = dossier_submit(dossier=draft, actor=place.applicant)
    # when the officer opens it
    client.force_login(place.officer)
    html = client.get(reverse("dossiers:workspace-dossier", args=[dossier.code])).content.decode()
    # then the file says where it came from
    assert f"tái sử dụng từ kho dữ liệu: {certified.title}, UBND huyện Lâm Hà, 15/01/2020" in html


def test_the_draft_page_offers_and_reuses_stored_documents(place, client):
    stored = stored_upload(place)
    draft = new_draft(place)
    document = place.version.documents.order_by("pk").first()
    client.force_login(place.applicant)
    url = reverse("dossiers:draft", args=[draft.pk])
    html = client.get(url).content.decode()
    assert f'value="store:{stored.pk}"' in html and "Kho dữ liệu: cùng loại giấy tờ" in html
    data = {
        "expected_version": draft.version,
        "applicant-name": draft.applicant_name,
        "applicant-id_number": draft.applicant_id_number,
        "applicant-phone": draft.applicant_phone,
        "applicant-email": draft.applicant_email,
        "applicant-address": draft.applicant_address,
        "applicant-commune_province": draft.applicant_commune.province_id,
        "applicant-commune_commune": draft.applicant_commune_id,
        "f-project_name": VALID_FORM["project_name"],
        "f-copies": str(VALID_FORM["copies"]),
        "reuse": document.pk,
        f"reuse-{document.pk}": f"store:{stored.pk}",
    }
    assert client.post(url, data).status_code == 302
    reused = draft.attachments.get(required_document=document)
    assert reused.reused_from == f"store:{stored.pk}"
    assert "dùng lại từ kho dữ liệu" in client.get(url).content.decode()
    # someone else's stored document is not found, and said so next to the document
    data["expected_version"] = Dossier.objects.get(pk=draft.pk).version
    data[f"reuse-{document.pk}"] = "store:999999"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Không tìm thấy giấy tờ này trong kho dữ liệu của bạn." in response.content.decode()


# --- API ---------------------------------------------------------------------------------------


def test_the_api_lists_the_callers_documents_and_shares_one(place, client):
    stored = stored_upload(place)
    other = citizen(full_name="Phan Văn Khác")
    store_add_result(owner=other, dossier=None, content=pdf_of(300), title="x", issuer="y")
    client.force_login(place.applicant)
    listing = client.get("/api/v1/store/documents").json()
    assert listing["count"] == StoredDocument.objects.filter(owner=place.applicant).count()
    item = next(item for item in listing["items"] if item["id"] == stored.pk)
    assert item["sha256"] == stored.sha256 and item["kind"] == "upload" and item["deletable"]
    assert item["source_dossier"] == stored.source_dossier.code
    response = client.post(
        f"/api/v1/store/documents/{stored.pk}/share",
        {"days": 2},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert "/chia-se/" in body["url"]
    token = body["url"].rstrip("/").rsplit("/", 1)[1]
    assert store_share_get(token=token).document == stored


def test_the_api_answers_errors_in_its_shape(place, client):
    stored = stored_upload(place)
    response = client.get("/api/v1/store/documents")
    assert response.status_code == 401
    client.force_login(citizen(full_name="Vũ Thị Khác"))
    response = client.post(
        f"/api/v1/store/documents/{stored.pk}/share", {}, content_type="application/json"
    )
    assert response.status_code == 404 and response.json()["field"] == "document"
    client.force_login(place.applicant)
    response = client.post(
        f"/api/v1/store/documents/{stored.pk}/share", {"days": 0}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["field"] == "days"
    response = client.get("/api/v1/store/documents?page=9")
    assert response.status_code == 400 and response.json()["field"] == "page"


def test_store_add_upload_references_the_attachment_file(place):
    dossier = submitted_with(place, [pdf_of(310), pdf_of(311)])
    attachment = dossier.attachments.order_by("pk").first()
    stored = store_add_upload(owner=place.applicant, attachment=attachment, actor=None)
    assert stored.file.name == attachment.file.name and stored.kind == StoredKind.UPLOAD
