"""The applicant's side of the back office in "Hồ sơ của tôi": answering form 02 with files,
withdrawing with a reason, rating after the return, and the form 04 and obligation notices."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.backoffice import dossier_act
from motcua.dossiers.models import Attachment, Dossier, Rating, Status, SupplementRequest
from tests.dossiers.backoffice_samples import Office, office, submitted
from tests.dossiers.samples import citizen, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(administrative_units) -> Office:
    return office()


@pytest.fixture
def signed_in(client, place):
    client.force_login(place.applicant)
    return client


def act(user, dossier: Dossier, action: str, **payload) -> Dossier:
    return dossier_act(actor=user, dossier=dossier.code, action=action, payload=payload)


def page_of(client, dossier: Dossier) -> str:
    response = client.get(f"/ho-so/cua-toi/{dossier.code}/")
    assert response.status_code == 200
    return response.content.decode()


def version_of(dossier: Dossier) -> int:
    return Dossier.objects.get(pk=dossier.pk).version


def pdf(name: str = "ban-do-dia-chinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def asked_during_processing(place: Office) -> Dossier:
    """A dossier at the specialist's step, sent back for two documents (form 02)."""
    dossier = act(place.officer, submitted(place), "receive")
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    document = place.version.documents.order_by("pk").first()
    return act(
        place.specialist,
        dossier,
        "request_supplement",
        items=[
            {"document_id": document.pk, "reason": "Bản quét bị mờ, không đọc được số thửa"},
            {"name": "Bản đồ địa chính thửa đất", "reason": "Thiếu chữ ký của người đo đạc"},
        ],
        note="Nộp bản quét màu, rõ nét",
    )


def returned(place: Office) -> Dossier:
    dossier = act(place.officer, submitted(place), "receive")
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    act(place.specialist, dossier, "forward")
    act(place.head, dossier, "forward")
    act(place.director, dossier, "finish", result_summary="Giấy chứng nhận số CS 01234")
    return act(place.officer, dossier, "return_result", method="electronic")


def error_linked(html: str, input_id: str) -> str:
    """The message of the error the input points to with aria-describedby."""
    tag = re.search(rf'<(?:input|textarea|fieldset|form)[^>]*id="{input_id}"[^>]*>', html)
    if tag is None:
        tag = re.search(rf'<fieldset[^>]*aria-describedby="{input_id}-error"[^>]*>', html)
    assert tag is not None, f"no input {input_id}"
    described = re.search(r'aria-describedby="([^"]+)"', tag.group(0))
    assert described is not None, f"{input_id} points to no error"
    error_id = next(part for part in described.group(1).split() if part.endswith("-error"))
    message = re.search(rf'id="{error_id}"[^>]*>([^<]+)<', html)
    assert message is not None, f"no element {error_id}"
    return message.group(1)


# --- Supplement (form 02) --------------------------------------------------------------------


def test_the_page_lists_what_to_supplement_and_why(signed_in, place):
    # given a dossier sent back for two documents during processing
    dossier = asked_during_processing(place)
    # when the applicant opens it
    html = page_of(signed_in, dossier)
    # then each requested document has its reason and its own labelled file input
    assert "Hồ sơ cần bổ sung, hoàn thiện (lần 1)" in html
    assert "Bản quét bị mờ, không đọc được số thửa" in html
    assert "Tệp bổ sung cho “Bản đồ địa chính thửa đất”" in html
    assert 'for="supplement-file-0"' in html and 'id="supplement-file-0"' in html
    assert 'name="file-1"' in html
    assert "Nộp bản quét màu, rõ nét" in html
    assert f"/ho-so/cua-toi/{dossier.code}/phieu/02.pdf" in html
    assert "Thời hạn giải quyết đang tạm dừng" in html


def test_uploading_the_files_sends_the_dossier_back_to_its_specialist(signed_in, place):
    dossier = asked_during_processing(place)
    # when the applicant uploads a file for each line and sends
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/bo-sung/",
        {
            "version": version_of(dossier),
            "file-0": pdf("to-khai.pdf"),
            "file-1": pdf("ban-do.pdf"),
            "note": "Đã ký và quét lại",
        },
    )
    # then the dossier is back in processing with the same specialist, files attached
    assert response.status_code == 302
    assert response["Location"] == f"/ho-so/cua-toi/{dossier.code}/"
    current = Dossier.objects.get(pk=dossier.pk)
    assert current.status == Status.PROCESSING
    assert current.assignee == place.specialist
    assert current.paused_at is None
    request = SupplementRequest.objects.get(dossier=dossier)
    files = Attachment.objects.filter(supplement_request=request).order_by("pk")
    assert [f.original_name for f in files] == ["to-khai.pdf", "ban-do.pdf"]
    document = place.version.documents.order_by("pk").first()
    assert files[0].required_document == document and files[1].required_document is None
    assert request.answered_at is not None and request.answer_note == "Đã ký và quét lại"
    # and the page says so and no longer offers the form
    html = page_of(signed_in, dossier)
    assert "Đã nộp bổ sung hồ sơ" in html
    assert "supplement-form" not in html


def test_a_supplement_asked_at_reception_goes_back_to_reception(signed_in, place):
    dossier = act(
        place.officer,
        submitted(place),
        "request_supplement",
        items=[{"name": "Tờ khai", "reason": "Sai số thửa"}],
    )
    html = page_of(signed_in, dossier)
    assert "Thời hạn giải quyết đang tạm dừng" not in html  # nothing counts yet
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/bo-sung/",
        {"version": version_of(dossier), "note": "Đã sửa số thửa thành 125"},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).status == Status.NEW


def test_sending_nothing_is_refused_next_to_the_form(signed_in, place):
    dossier = asked_during_processing(place)
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/bo-sung/", {"version": version_of(dossier), "note": " "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vui lòng tải lên giấy tờ bổ sung" in error_linked(html, "supplement-form")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT_REQUESTED


def test_a_bad_file_is_refused_at_its_line_and_nothing_is_attached(signed_in, place):
    dossier = asked_during_processing(place)
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/bo-sung/",
        {
            "version": version_of(dossier),
            "file-0": pdf("dung.pdf"),
            "file-1": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert error_linked(html, "supplement-file-1")
    assert 'aria-invalid="true"' in html
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT_REQUESTED
    assert not Attachment.objects.filter(dossier=dossier, supplement_request__isnull=False).exists()


def test_a_stale_page_is_409_with_the_fresh_state(signed_in, place):
    dossier = asked_during_processing(place)
    seen = version_of(dossier)
    # an officer answers the supplement at the counter for the applicant meanwhile
    act(place.officer, dossier, "supplement", note="Nộp bản giấy tại bộ phận một cửa")
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/bo-sung/", {"version": seen, "note": "Tôi gửi lại"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Hồ sơ vừa được cơ quan cập nhật" in html
    assert "supplement-form" not in html  # the fresh state has nothing to supplement


def test_a_missing_version_is_400_never_500(signed_in, place):
    dossier = asked_during_processing(place)
    for version in ("", "abc", "-1"):
        response = signed_in.post(
            f"/ho-so/cua-toi/{dossier.code}/bo-sung/", {"version": version, "note": "x"}
        )
        assert response.status_code == 400
        assert "Thiếu phiên bản hồ sơ đang xem" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT_REQUESTED


# --- Withdraw ---------------------------------------------------------------------------------


def test_withdrawing_needs_a_reason(signed_in, place):
    dossier = act(place.officer, submitted(place), "receive")
    html = page_of(signed_in, dossier)
    assert 'id="withdraw-form"' in html and 'for="withdraw-reason"' in html
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/rut/", {"version": version_of(dossier), "reason": ""}
    )
    assert response.status_code == 400
    assert "lý do rút hồ sơ" in error_linked(response.content.decode(), "withdraw-reason")
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/rut/",
        {"version": version_of(dossier), "reason": "Nộp nhầm thủ tục"},
    )
    assert response.status_code == 302
    current = Dossier.objects.get(pk=dossier.pk)
    assert current.status == Status.WITHDRAWN
    assert current.events.filter(action="withdraw", note="Nộp nhầm thủ tục").exists()
    assert 'id="withdraw-form"' not in page_of(signed_in, dossier)


def test_withdrawing_is_not_offered_once_the_result_is_ready(signed_in, place):
    dossier = returned(place)
    assert 'id="withdraw-form"' not in page_of(signed_in, dossier)
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/rut/", {"version": version_of(dossier), "reason": "x"}
    )
    assert response.status_code == 400
    assert Dossier.objects.get(pk=dossier.pk).status == Status.RETURNED


# --- Rating -----------------------------------------------------------------------------------


def test_after_the_return_the_applicant_rates_once(signed_in, place):
    dossier = returned(place)
    html = page_of(signed_in, dossier)
    assert html.count('name="score"') == 5 and 'for="rate-score-5"' in html
    # when they send no score, the question says why
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/danh-gia/", {"version": version_of(dossier)}
    )
    assert response.status_code == 400
    assert "mức độ hài lòng" in error_linked(response.content.decode(), "rate-score")
    # when they choose 4 with a comment
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/danh-gia/",
        {"version": version_of(dossier), "score": "4", "comment": "Cán bộ hướng dẫn tận tình"},
    )
    assert response.status_code == 302
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.score, rating.comment, rating.rated_by) == (
        4,
        "Cán bộ hướng dẫn tận tình",
        place.applicant,
    )
    # then the page thanks them instead of asking again; a second post is refused
    html = page_of(signed_in, dossier)
    assert "Bạn đã đánh giá 4/5" in html and 'name="score"' not in html
    again = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/danh-gia/",
        {"version": version_of(dossier), "score": "1"},
    )
    assert again.status_code == 409
    assert "Bạn đã đánh giá hồ sơ này" in again.content.decode()
    assert Rating.objects.get(dossier=dossier).score == 4


@pytest.mark.parametrize("score", ["0", "6", "năm", "4.5", "9" * 40])
def test_a_score_outside_1_to_5_is_400(signed_in, place, score):
    dossier = returned(place)
    response = signed_in.post(
        f"/ho-so/cua-toi/{dossier.code}/danh-gia/", {"version": version_of(dossier), "score": score}
    )
    assert response.status_code == 400
    assert not Rating.objects.filter(dossier=dossier).exists()


def test_rating_is_not_offered_before_the_return(signed_in, place):
    dossier = act(place.officer, submitted(place), "receive")
    assert 'name="score"' not in page_of(signed_in, dossier)


# --- Notices ------------------------------------------------------------------------------------


def test_the_apology_and_its_new_date_are_shown(signed_in, place):
    dossier = act(place.officer, submitted(place), "receive")
    new_date = (dossier.appointment_at + timedelta(days=10)).date()
    act(
        place.head,
        dossier,
        "apologize",
        reason="Chờ ý kiến của Ủy ban nhân dân xã",
        new_appointment_at=new_date.isoformat(),
    )
    html = page_of(signed_in, dossier)
    assert "Cơ quan xin lỗi và hẹn lại ngày trả kết quả" in html
    assert "Chờ ý kiến của Ủy ban nhân dân xã" in html
    assert new_date.strftime("%d/%m/%Y") in html
    assert f"/ho-so/cua-toi/{dossier.code}/phieu/04.pdf" in html


def test_the_financial_obligation_is_shown_with_its_amount(signed_in, place):
    dossier = act(place.officer, submitted(place), "receive")
    act(place.head, dossier, "assign", assignee=place.specialist.pk)
    act(
        place.specialist,
        dossier,
        "pause",
        amount=1_250_000,
        notice_number="TB-2026-015",
        items=[{"name": "Lệ phí trước bạ", "amount": 1_250_000}],
    )
    html = page_of(signed_in, dossier)
    assert "Nghĩa vụ tài chính" in html
    assert "1.250.000 đồng" in html and "TB-2026-015" in html and "Lệ phí trước bạ" in html
    assert "Chưa nộp" in html
    assert "Hồ sơ đang tạm dừng chờ bạn thực hiện nghĩa vụ tài chính" in html


# --- Who may --------------------------------------------------------------------------------


def test_another_citizen_gets_404_and_changes_nothing(client, place):
    dossier = asked_during_processing(place)
    client.force_login(citizen())
    for url, data in (
        ("bo-sung", {"note": "x"}),
        ("rut", {"reason": "x"}),
        ("danh-gia", {"score": "5"}),
    ):
        response = client.post(
            f"/ho-so/cua-toi/{dossier.code}/{url}/", {"version": version_of(dossier), **data}
        )
        assert response.status_code == 404
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUPPLEMENT_REQUESTED


def test_anonymous_visitors_are_sent_to_log_in_and_get_is_not_allowed(client, signed_in, place):
    dossier = act(place.officer, submitted(place), "receive")
    assert signed_in.get(f"/ho-so/cua-toi/{dossier.code}/rut/").status_code == 405
    signed_in.logout()
    response = client.post(f"/ho-so/cua-toi/{dossier.code}/rut/", {"reason": "x"})
    assert response.status_code == 302 and "next=" in response["Location"]
