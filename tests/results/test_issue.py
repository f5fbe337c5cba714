"""Issuing signed results when the director finishes a dossier at the signing step, their
immutability, re-issue and revocation (results/services.py, results/hooks.py)."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from motcua.catalog.models import StepKind
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.core.models import AuditEntry
from motcua.dossiers.models import Status
from motcua.dossiers.selectors_store import store_documents_of, store_reuse_choices
from motcua.notifications.models import Notification
from motcua.results.documents import agency_symbol, result_kind_for
from motcua.results.models import (
    ImmutableResult,
    Result,
    ResultKind,
    ResultNumberSequence,
    ResultStatus,
)
from motcua.results.selectors import holder_name_masked
from motcua.results.services import result_replace, result_revoke
from motcua.results.signing import SigningFailed
from tests.results.conftest import act, at_sign_step, signed

pytestmark = pytest.mark.django_db


def _text(result: Result) -> str:
    with result.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_finishing_at_the_signing_step_issues_a_signed_result(place):
    # Given a dossier waiting for the director at the "Ký duyệt" step
    dossier = at_sign_step(place)
    assert dossier.current_step.kind == StepKind.SIGN
    # When the director finishes it
    dossier = act(place.director, dossier, "finish", result_summary="Cấp giấy phép số 1")
    # Then it is done and has one valid result, numbered for the agency and the year
    assert dossier.status == Status.DONE
    result = Result.objects.get(dossier=dossier)
    assert result.status == ResultStatus.VALID
    assert result.number == "1/GP-SNNMT"
    assert result.kind == ResultKind.PERMIT
    # signed by the director, as the agency, with the certificate recorded
    assert (result.signer, result.signer_name, result.signer_title) == (
        place.director,
        "Nguyễn Văn Hùng",
        "Giám đốc",
    )
    assert "Motcua DEMO" in result.certificate_subject
    assert len(result.certificate_fingerprint) == 64
    assert result.signature_level == "PAdES-B-B"
    # the stored file is the signed PDF whose SHA-256 is recorded
    with result.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-") and b"/ByteRange" in data
    assert hashlib.sha256(data).hexdigest() == result.sha256 and len(data) == result.size
    # and the PDF carries the number, the holder, the signer and the verification address
    text = _text(result)
    for expected in ("1/GP-SNNMT", "Nguyễn Văn An", "Nguyễn Văn Hùng", "Cấp giấy phép số 1"):
        assert expected in text
    assert reverse("results:verify", args=[result.verify_token]) in text.replace("\n", "")
    # the token is unguessable and the issue is in the audit log
    assert len(result.verify_token) >= 32
    assert AuditEntry.objects.filter(action="result.issue", object_id=str(result.pk)).exists()


def test_numbers_follow_each_other_in_the_agency_and_year(place):
    # Given two dossiers finished one after the other
    first = signed(place).results.get()
    second = signed(place).results.get()
    # Then their numbers follow each other
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.number.startswith("2/")
    assert ResultNumberSequence.objects.get(agency=place.agency).last_number == 2


def test_finishing_at_a_step_that_is_not_for_signing_issues_nothing(administrative_units):
    # Given a one-step process whose step is a check (kind handle) that may finish
    from tests.dossiers.backoffice_samples import office, submitted
    from tests.factories import Role

    place = office(
        code="H56.21",
        steps=[
            ("Thẩm định và trả kết quả", "land", Role.SPECIALIST, "3", ["finish"], StepKind.HANDLE)
        ],
    )
    place.version.fees.all().delete()
    dossier = submitted(place)
    act(place.officer, dossier, "receive")
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    # When the specialist finishes it
    dossier = act(place.specialist, dossier, "finish", result_summary="Trả lời bằng văn bản")
    # Then it is done without a signed result
    assert dossier.status == Status.DONE
    assert not Result.objects.filter(dossier=dossier).exists()


def test_a_signing_failure_leaves_the_dossier_at_the_signing_step(place, settings):
    # Given the agency's key cannot be opened (wrong passphrase)
    dossier = at_sign_step(place)
    settings.RESULT_PKCS12_PASSPHRASE = "not-the-passphrase"
    # When the director finishes
    with pytest.raises(SigningFailed) as failure:
        act(place.director, dossier, "finish", result_summary="Cấp giấy phép")
    # Then the error speaks Vietnamese and names the signer
    assert failure.value.status == 503 and failure.value.field == "signer"
    assert "mật khẩu" in failure.value.message
    # and nothing happened: still at the signing step, no result, no number used, nobody told
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.current_step.kind == StepKind.SIGN
    assert not Result.objects.exists()
    assert not ResultNumberSequence.objects.filter(last_number__gt=0).exists()
    assert not Notification.objects.filter(event="result_ready").exists()
    # When the key is back, the same action succeeds
    settings.RESULT_PKCS12_PASSPHRASE = "motcua-demo-pki"
    dossier = act(place.director, dossier, "finish", result_summary="Cấp giấy phép")
    assert dossier.status == Status.DONE
    assert Result.objects.get(dossier=dossier).number == "1/GP-SNNMT"
    assert Notification.objects.filter(event="result_ready").exists()


def test_a_stored_result_cannot_be_changed_or_deleted(place):
    result = signed(place).results.get()
    # When someone tries to change its hash, number or file, or to delete it
    result.sha256 = "0" * 64
    with pytest.raises(ImmutableResult):
        result.save()
    with pytest.raises(ImmutableResult):
        result.save(update_fields=["sha256"])
    with pytest.raises(ImmutableResult):
        Result.objects.filter(pk=result.pk).update(number="99/GP-SNNMT")
    with pytest.raises(ImmutableResult):
        Result.objects.filter(pk=result.pk).delete()
    with pytest.raises(ImmutableResult):
        result.delete()
    result.file = ContentFile(b"%PDF-1.7 forged", name="forged.pdf")
    with pytest.raises(ImmutableResult):
        result.save()
    # Then the stored row is as issued
    stored = Result.objects.get(pk=result.pk)
    assert stored.number == "1/GP-SNNMT" and stored.sha256 != "0" * 64


def test_the_director_reissues_a_result_with_a_new_number(place):
    old = signed(place).results.get()
    # When the director re-issues it (a correction)
    new = result_replace(actor=place.director, result=old, reason="Sai địa chỉ thửa đất")
    # Then the new result has the next number and replaces the old one, which is marked replaced
    old.refresh_from_db()
    assert old.status == ResultStatus.REPLACED and old.replaced_at is not None
    assert new.status == ResultStatus.VALID and new.replaces == old
    assert new.number == "2/GP-SNNMT" and new.sha256 != old.sha256
    assert new.replacement_reason == "Sai địa chỉ thửa đất"
    assert old.replacement == new
    # and a replaced result cannot be replaced or revoked again
    with pytest.raises(Conflict):
        result_replace(actor=place.director, result=old, reason="Lần nữa")
    with pytest.raises(Conflict):
        result_revoke(actor=place.director, result=old, reason="Thu hồi")


def test_revocation_needs_a_director_and_a_reason(place):
    result = signed(place).results.get()
    # Given a specialist, or no reason
    with pytest.raises(PermissionDenied):
        result_revoke(actor=place.specialist, result=result, reason="Cấp sai đối tượng")
    with pytest.raises(InvalidInput) as missing:
        result_revoke(actor=place.director, result=result, reason="  ")
    assert missing.value.field == "reason"
    # When the director revokes it with a reason
    result_revoke(actor=place.director, result=result, reason="Cấp sai đối tượng")
    # Then it is revoked, with when and why
    result.refresh_from_db()
    assert result.status == ResultStatus.REVOKED
    assert result.revoked_reason == "Cấp sai đối tượng"
    assert result.revoked_at is not None
    assert AuditEntry.objects.filter(action="result.revoke", object_id=str(result.pk)).exists()


def test_the_demo_procedure_has_its_own_certificate_layout(place):
    # Given the demo procedure 1.012783 (re-issue of a land-use certificate)
    from motcua.results.documents import result_template_names

    assert result_template_names("1.012783")[0] == "results/by_procedure/1.012783.html"
    procedure = place.version.procedure
    procedure.code = "1.012783"
    procedure.save(update_fields=["code"])
    dossier = at_sign_step(place)
    dossier.form_data = {"parcel_number": 125, "map_sheet": 14, "certificate_serial": "AA 123456"}
    dossier.save(update_fields=["form_data"])
    # When the director signs
    act(place.director, dossier, "finish", result_summary="Cấp đổi GCN")
    # Then the certificate shows the parcel and the certificate it replaces
    text = _text(Result.objects.get(dossier=dossier))
    assert "Thửa đất số" in text and "125" in text and "AA 123456" in text


@given(st.lists(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạ", min_size=1), min_size=1))
def test_the_masked_name_keeps_the_family_name_and_initials(words):
    masked = holder_name_masked(" ".join(words))
    parts = masked.split()
    assert parts[0] == words[0]
    assert [part[0] for part in parts[1:]] == [word[0] for word in words[1:]]
    assert all(set(part[1:]) <= {"*"} for part in parts[1:])
    assert len(masked) == len(" ".join(words))


def test_masks_and_symbols_read_as_people_write_them():
    assert holder_name_masked("Nguyễn Văn An") == "Nguyễn V** A*"
    assert agency_symbol("Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng") == "SNNMT"
    assert result_kind_for("Giấy chứng nhận quyền sử dụng đất.") == ResultKind.CERTIFICATE
    assert result_kind_for("Quyết định phê duyệt kết quả thẩm định") == ResultKind.DECISION
    assert result_kind_for("Văn bản trả lời") == ResultKind.NOTICE


def test_a_result_reissued_after_return_reaches_the_applicants_store(place):
    # given a result returned electronically: it is in the applicant's store
    dossier = signed(place)
    act(place.officer, dossier, "return_result", method="electronic")
    old = dossier.results.get()
    assert _stored_results(place.applicant) == [old.pk]
    # when the director re-issues it
    new = result_replace(actor=place.director, result=old, reason="Sai địa chỉ thửa đất")
    # then the new one joins the store, and only it is offered for reuse in a new dossier
    assert sorted(_stored_results(place.applicant)) == [old.pk, new.pk]
    wanted = place.version.documents.order_by("pk").first()
    wanted.reusable_from_data_store = True
    wanted.save(update_fields=["reusable_from_data_store"])
    [choices] = store_reuse_choices(owner=place.applicant, documents=[wanted]).values()
    offered = {d.result_id for d in choices.matching + choices.others if d.result_id}
    assert offered == {new.pk}


def test_a_result_reissued_before_return_waits_for_the_return(place):
    dossier = signed(place)
    new = result_replace(actor=place.director, result=dossier.results.get(), reason="Sai tên")
    assert _stored_results(place.applicant) == []
    act(place.officer, dossier, "return_result", method="electronic")
    assert _stored_results(place.applicant) == [new.pk]


def _stored_results(owner) -> list[int]:
    return [d.result_id for d in store_documents_of(owner=owner) if d.result_id]
