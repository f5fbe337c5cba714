"""Public and staff pages of reports: the form with its spam protection, the follow-up, the
published answers and map without personal data, the officers' list and actions, the hotline,
and hostile text always shown escaped."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from motcua.accounts.models import Role
from motcua.feedback.challenge import challenge_new
from motcua.feedback.models import Report, Status
from motcua.feedback.services import report_accept, report_answer_approve, report_answer_write
from tests.factories import StaffFactory, UserFactory
from tests.feedback.conftest import COMMUNE_CODE

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> ‮ 🏭'


def _answer(question: str) -> str:
    first, second = map(int, re.findall(r"\d+", question)[:2])
    return str(first + second)


def _form(client, **overrides) -> dict:
    page = client.get(reverse("feedback:submit"))
    assert page.status_code == 200
    challenge = page.context["form"].initial["challenge_token"]
    question = page.context["question"]
    return {
        "category": overrides.pop("category"),
        "description": "Khói đen từ nhà máy",
        "commune_province": "01",
        "commune_commune": COMMUNE_CODE,
        "latitude": "21.035000",
        "longitude": "105.834000",
        "is_anonymous": "on",
        "challenge_token": challenge,
        "challenge_answer": _answer(question),
        **overrides,
    }


def _photo() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "khoi.png"
    return buffer


def test_anonymous_report_with_photo_then_follow(client, categories, commune, air_rule):
    # given the public form
    data = _form(client, category=categories["air"].pk, photos=_photo())
    # when an anonymous person sends it
    response = client.post(reverse("feedback:submit"), data)
    # then they see the code and the secret once
    assert response.status_code == 302
    shown = client.get(response["Location"])
    code, secret = shown.context["code"], shown.context["secret"]
    report = Report.objects.get(code=code)
    assert report.is_anonymous and report.attachments.count() == 1
    assert client.get(reverse("feedback:submitted")).status_code == 302
    # and a new visitor follows it with code + secret
    other = client.__class__()
    wrong = other.post(reverse("feedback:follow"), {"code": code, "secret": "WRONG123"})
    assert wrong.status_code == 400
    assert "không đúng" in wrong.content.decode()
    right = other.post(reverse("feedback:follow"), {"code": code.lower(), "secret": secret})
    assert right["Location"] == reverse("feedback:follow-report", args=[code])
    page = other.get(right["Location"])
    assert page.status_code == 200 and "Khói đen" in page.content.decode()
    # and adds information
    added = other.post(right["Location"], {"info-text": "Thêm: 17h vẫn khói", "info-submit": "1"})
    assert added.status_code == 302
    assert report.events.filter(action="add_info").exists()


def test_wrong_challenge_is_refused_with_the_field(client, categories, commune):
    data = _form(client, category=categories["air"].pk, challenge_answer="999")
    response = client.post(reverse("feedback:submit"), data)
    assert response.status_code == 400
    assert "Kết quả phép tính chưa đúng" in response.content.decode()
    assert not Report.objects.exists()


def test_token_works_once(client, categories, commune):
    data = _form(client, category=categories["air"].pk)
    assert client.post(reverse("feedback:submit"), data).status_code == 302
    replay = client.post(reverse("feedback:submit"), data)
    assert replay.status_code == 400 and Report.objects.count() == 1


def test_too_fast_is_refused(client, settings, categories, commune):
    settings.FEEDBACK_CHALLENGE_MIN_SECONDS = 60
    data = _form(client, category=categories["air"].pk)
    response = client.post(reverse("feedback:submit"), data)
    assert response.status_code == 400 and not Report.objects.exists()


def test_rate_limit_per_client(client, settings, categories, commune):
    settings.FEEDBACK_RATE_LIMITS = ["2/h"]
    for _ in range(2):
        assert (
            client.post(
                reverse("feedback:submit"), _form(client, category=categories["air"].pk)
            ).status_code
            == 302
        )
    response = client.post(reverse("feedback:submit"), _form(client, category=categories["air"].pk))
    assert response.status_code == 429 and Report.objects.count() == 2


def test_wrong_photo_type_is_refused(client, categories, commune):
    fake = io.BytesIO(b"#!/bin/sh\nrm -rf /\n")
    fake.name = "anh.jpg"
    response = client.post(
        reverse("feedback:submit"), _form(client, category=categories["air"].pk, photos=fake)
    )
    assert response.status_code == 400
    assert "anh.jpg" in response.content.decode() and not Report.objects.exists()


def test_garbage_input_never_gives_500(client, categories):
    response = client.post(
        reverse("feedback:submit"),
        {"category": "x", "latitude": "abc", "longitude": "1e999", "challenge_token": "x"},
    )
    assert response.status_code == 400


def test_public_pages_show_answers_without_personal_data(
    client, submit, air_rule, specialist, head
):
    # given an answered report whose reporter left a name and phone, with hostile text
    report = submit(description=HOSTILE, reporter_name="Nguyễn Bí Mật").report
    report_accept(report=report, actor=specialist)
    report_answer_write(report=report, actor=specialist, text="Đã xử phạt " + HOSTILE)
    report_answer_approve(report=report, actor=head)
    personal = submit(latitude=None, longitude=None).report
    report_accept(report=personal, actor=specialist)
    report_answer_write(report=personal, actor=specialist, text="Thư riêng", is_personal=True)
    report_answer_approve(report=personal, actor=head)
    # when anyone opens the list and the map
    page = client.get(reverse("feedback:index")).content.decode()
    map_page = client.get(reverse("feedback:map")).content.decode()
    # then the answer is there, escaped, with no contact and no personal answer
    assert report.code in page and "Đã xử phạt" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "Thư riêng" not in page
    for text in (page, map_page):
        assert "Nguyễn Bí Mật" not in text and "0912345678" not in text
    assert report.code in map_page and "<script>alert" not in map_page


def test_staff_list_detail_actions_and_escaping(client, submit, air_rule, specialist, head):
    report = submit(description=HOSTILE + "x" * 5000).report
    client.force_login(specialist)
    listing = client.get(reverse("feedback:staff-list"))
    assert listing.status_code == 200 and report.code in listing.content.decode()
    detail = client.get(reverse("feedback:staff-detail", args=[report.code])).content.decode()
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail
    assert "0912345678" in detail  # staff see the contact
    url = reverse("feedback:staff-detail", args=[report.code])
    assert client.post(url, {"action": "accept", "version": report.version}).status_code == 302
    bad = client.post(url, {"action": "reject", "reason": ""})
    assert bad.status_code == 400 and "lý do" in bad.content.decode()
    # the error is at the reject form's reason, not at the other forms' "reason" fields
    html = bad.content.decode()
    assert re.search(r'id="reject-reason"[^>]*aria-invalid="true"', html)
    assert 'id="reject-reason-error"' in html and 'id="reassign-reason-error"' not in html
    assert not re.search(r'id="reassign-reason"[^>]*aria-invalid', html)
    # and what the officer typed in the failed form is kept
    merge = client.post(url, {"action": "merge", "into": "PA-KHONG-CO"})
    assert merge.status_code == 400
    assert re.search(r'id="merge-into"[^>]*value="PA-KHONG-CO"', merge.content.decode())
    assert "Không tìm thấy phản ánh có mã này để gộp vào." in merge.content.decode()
    client.post(url, {"action": "write_answer", "answer_text": "Đã xử lý"})
    assert client.post(url, {"action": "approve_answer"}).status_code == 403
    client.force_login(head)
    assert client.post(url, {"action": "approve_answer"}).status_code == 302
    assert Report.objects.get(pk=report.pk).status == Status.ANSWERED
    assert client.post(url, {"action": "nonsense"}).status_code == 400


def test_duplicate_is_merged_from_the_page(client, submit, air_rule, specialist):
    first = submit().report
    second = submit(reporter_phone="0987000111").report
    client.force_login(specialist)
    url = reverse("feedback:staff-detail", args=[second.code])
    page = client.get(url)
    assert page.context["duplicates"][0][0] == first
    assert client.post(url, {"action": "merge", "into": first.code}).status_code == 302
    assert Report.objects.get(pk=second.pk).merged_into == first


def test_staff_pages_are_for_staff_in_scope(client, submit, air_rule, other_agency):
    report = submit().report
    client.force_login(UserFactory())
    assert client.get(reverse("feedback:staff-list")).status_code == 403
    client.force_login(StaffFactory(agency=other_agency, role=Role.SPECIALIST))
    assert report.code not in client.get(reverse("feedback:staff-list")).content.decode()
    assert client.get(reverse("feedback:staff-detail", args=[report.code])).status_code == 404


def test_hotline_operator_records_a_call(client, categories, commune, air_rule, specialist):
    client.force_login(specialist)
    response = client.post(
        reverse("feedback:hotline"),
        {
            "category": categories["air"].pk,
            "description": "Người gọi báo mùi hôi",
            "reporter_phone": "0977 111 222",
            "commune_province": "01",
            "commune_commune": COMMUNE_CODE,
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.channel == "hotline" and report.reporter_phone == "0977111222"
    assert report.recorded_by == specialist
    missing = client.post(reverse("feedback:hotline"), {"category": categories["air"].pk})
    assert missing.status_code == 400


def test_challenge_question_is_vietnamese():
    assert "cộng" in challenge_new().question


def test_staff_filters_overdue_and_awaiting(client, submit, air_rule, specialist, head):
    from tests.feedback.conftest import at

    overdue = submit(now=at("2026-01-05 09:00"), latitude=None, longitude=None).report
    waiting = submit(latitude=None, longitude=None).report
    report_accept(report=waiting, actor=specialist)
    report_answer_write(report=waiting, actor=specialist, text="Dự thảo")
    client.force_login(head)
    listing = reverse("feedback:staff-list")
    late = [r.code for r in client.get(listing, {"due": "overdue"}).context["page"]]
    assert late == [overdue.code]
    awaiting = [r.code for r in client.get(listing, {"awaiting": "on"}).context["page"]]
    assert awaiting == [waiting.code]
    assert client.get(listing, {"status": "bogus", "unit": "x"}).status_code == 200


def test_attachments_are_for_staff_only(client, submit, air_rule, specialist, other_agency):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = submit(files=[SimpleUploadedFile("a.png", buffer.getvalue())]).report
    attachment = report.attachments.get()
    url = reverse("feedback:staff-attachment", args=[report.code, attachment.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(specialist)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == buffer.getvalue()
    client.force_login(StaffFactory(agency=other_agency, role=Role.SPECIALIST))
    assert client.get(url).status_code == 404
