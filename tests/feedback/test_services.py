"""Reports from intake to answer: codes, routing, deadlines, duplicates, the state table,
approval, merging, the reporter's follow-up and the overdue escalation."""

import io
import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from motcua.accounts.models import Role
from motcua.core.audit import ChainState, audit_verify
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.core.models import AuditEntry
from motcua.feedback.codes import CODE_PATTERN, secret_matches
from motcua.feedback.geo import haversine_m
from motcua.feedback.models import AnswerState, Channel, Report, ReportEvent, RoutingRule, Status
from motcua.feedback.routing import route_for
from motcua.feedback.services import (
    ALLOWED_CHANGES,
    report_accept,
    report_add_info,
    report_answer_approve,
    report_answer_return,
    report_answer_write,
    report_close,
    report_forward,
    report_input_ask,
    report_input_give,
    report_merge,
    report_rate,
    report_reassign,
    report_reject,
    reports_overdue_escalate,
)
from motcua.notifications.models import Notification
from tests.factories import StaffFactory, UnitFactory
from tests.feedback.conftest import POINT, at

pytestmark = pytest.mark.django_db


def jpeg(name="khoi.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_web_report_gets_code_secret_route_and_deadline(submit, air_rule, environment_unit):
    # given a routing rule for air pollution in Hà Nội
    # when a citizen reports smoke on Monday 23/11/2026 09:00
    submitted = submit(now=at("2026-11-23 09:00"))
    report = submitted.report
    # then the report has a PA code of the day, a secret that matches, the right unit
    assert CODE_PATTERN.match(report.code) and report.code == "PA-261123-0001"
    assert secret_matches(submitted.secret, report.follow_secret_hash)
    assert submitted.secret not in report.follow_secret_hash
    assert report.unit == environment_unit and report.status == Status.RECEIVED
    # and 10 working days: 24/11 is Vietnamese Culture Day, so the deadline is Tuesday 8/12
    assert report.due_at == at("2026-12-08 09:00")
    event = report.events.get()
    assert (event.action, event.from_status, event.to_status) == ("submit", "", "received")
    assert AuditEntry.objects.filter(action="report_submit", object_id=str(report.pk)).exists()
    # and the reporter is sent the code and the secret
    sms = Notification.objects.get(event="report_received", channel="sms")
    assert report.code in sms.body and submitted.secret in sms.body


def test_codes_follow_each_other_within_a_day(submit):
    first = submit(now=at("2026-11-23 09:00")).report
    second = submit(now=at("2026-11-23 10:00"), latitude=None, longitude=None).report
    next_day = submit(now=at("2026-11-25 08:00"), latitude=None, longitude=None).report
    assert [first.code, second.code, next_day.code] == [
        "PA-261123-0001",
        "PA-261123-0002",
        "PA-261125-0001",
    ]


def test_anonymous_web_report_keeps_no_contact(submit):
    report = submit(is_anonymous=True, reporter_email="a@example.vn").report
    assert report.is_anonymous
    assert (report.reporter_name, report.reporter_phone, report.reporter_email) == ("", "", "")
    assert not Notification.objects.exists()


def test_named_web_report_needs_a_way_to_answer(submit):
    with pytest.raises(InvalidInput) as error:
        submit(reporter_phone="", reporter_email="")
    assert error.value.field == "reporter_phone"


def test_hotline_call_needs_staff_and_the_callers_number(submit, specialist):
    with pytest.raises(PermissionDenied):
        submit(channel=Channel.HOTLINE)
    with pytest.raises(InvalidInput) as error:
        submit(channel=Channel.HOTLINE, recorded_by=specialist, reporter_phone="")
    assert error.value.field == "reporter_phone"
    report = submit(
        channel=Channel.HOTLINE, recorded_by=specialist, reporter_phone="+84 987 654 321"
    )
    assert report.report.recorded_by == specialist
    assert report.report.reporter_phone == "0987654321"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": "   "}, "description"),
        ({"description": "x" * 10_001}, "description"),
        ({"description": "nul \x00"}, "description"),
        ({"latitude": None}, "latitude"),
        ({"commune": None, "latitude": None, "longitude": None, "address": ""}, "commune"),
        ({"reporter_email": "không phải thư"}, "reporter_email"),
        ({"reporter_phone": "12"}, "reporter_phone"),
    ],
)
def test_bad_input_names_the_field(submit, overrides, field):
    with pytest.raises(InvalidInput) as error:
        submit(**overrides)
    assert error.value.field == field
    assert not Report.objects.exists()


def test_future_occurrence_is_refused(submit):
    with pytest.raises(InvalidInput) as error:
        submit(now=at("2026-11-23 09:00"), occurred_at=at("2026-11-24 09:00"))
    assert error.value.field == "occurred_at"


def test_hostile_text_is_stored_as_given(submit):
    text = '<script>alert("x")</script> Ｓｍｏｋｅ \u202e ổ ̉ 🏭 ' + "ạ" * 500
    report = submit(description=text).report
    report.refresh_from_db()
    assert report.description == text.strip()


def test_photo_is_checked_by_content(submit):
    report = submit(files=[jpeg()]).report
    attachment = report.attachments.get()
    assert attachment.content_type == "image/jpeg" and attachment.original_name == "khoi.jpg"
    fake = SimpleUploadedFile("anh.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as error:
        submit(files=[fake])
    assert error.value.field == "photos"
    assert Report.objects.count() == 1


def test_mp4_video_is_accepted_and_docx_refused(submit):
    video = SimpleUploadedFile("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)
    report = submit(files=[video]).report
    assert report.attachments.get().content_type == "video/mp4"
    with pytest.raises(InvalidInput):
        submit(files=[jpeg(f"{n}.jpg") for n in range(6)])


def test_routing_prefers_the_most_specific_rule(
    categories, commune, department, other_agency, environment_unit, inspectorate
):
    # given rules for anywhere, for the province, and for the commune
    RoutingRule.objects.create(agency=other_agency)
    RoutingRule.objects.create(
        category=categories["air"],
        province=commune.province,
        agency=department,
        unit=environment_unit,
    )
    RoutingRule.objects.create(commune=commune, agency=department, unit=inspectorate)
    RoutingRule.objects.create(
        category=categories["misconduct"], agency=department, unit=inspectorate
    )
    # then the commune rule wins over the province one, a category names the tie-break
    assert route_for(category=categories["air"], commune=commune).unit == inspectorate
    elsewhere = commune.province.communes.exclude(pk=commune.pk).first()
    assert route_for(category=categories["air"], commune=elsewhere).unit == environment_unit
    assert route_for(category=categories["misconduct"], commune=None).unit == inspectorate
    assert route_for(category=categories["water"], commune=None).agency == other_agency


def test_unmatched_report_goes_to_the_fallback_agency(submit, settings, department):
    settings.FEEDBACK_FALLBACK_AGENCY = department.code
    report = submit().report
    assert report.agency == department and report.unit is None


def test_nearby_report_of_same_category_is_flagged(submit):
    first = submit(now=at("2026-11-23 09:00")).report
    # 50 m north, two days later
    near = submit(now=at("2026-11-25 09:00"), latitude=POINT[0] + Decimal("0.00045")).report
    assert near.possible_duplicate_of == first
    # 300 m away, another category, or 8 days later: not flagged
    far = submit(now=at("2026-11-25 10:00"), latitude=POINT[0] + Decimal("0.0027")).report
    other = submit("water", now=at("2026-11-25 11:00")).report
    late = submit(now=at("2026-12-02 09:01")).report
    assert far.possible_duplicate_of is None and other.possible_duplicate_of is None
    assert late.possible_duplicate_of is None


@settings(max_examples=50, deadline=None)
@given(
    st.floats(min_value=8, max_value=23),
    st.floats(min_value=102, max_value=110),
    st.floats(min_value=-0.01, max_value=0.01),
    st.floats(min_value=-0.01, max_value=0.01),
)
def test_haversine_is_a_distance(lat, lon, dlat, dlon):
    there = (lat + dlat, lon + dlon)
    assert haversine_m(lat, lon, *there) == pytest.approx(haversine_m(*there, lat, lon))
    assert haversine_m(lat, lon, lat, lon) == 0
    # one thousandth of a degree of latitude is about 111 m everywhere
    assert haversine_m(lat, lon, lat + 0.001, lon) == pytest.approx(111.19, abs=0.05)


def test_officer_answers_head_approves_and_answer_is_published(submit, air_rule, specialist, head):
    report = submit(now=at("2026-11-23 09:00")).report
    report = report_accept(report=report, actor=specialist, version=report.version)
    report = report_answer_write(report=report, actor=specialist, text="Đã kiểm tra, xử phạt.")
    assert report.status == Status.IN_PROGRESS
    assert report.answer_state == AnswerState.AWAITING_APPROVAL
    assert Notification.objects.filter(event="report_answer_to_approve", user=head).exists()
    # a specialist cannot approve; the head can
    with pytest.raises(PermissionDenied):
        report_answer_approve(report=report, actor=specialist)
    report = report_answer_approve(report=report, actor=head, now=at("2026-11-27 10:00"))
    assert report.status == Status.ANSWERED and report.published_at is not None
    assert Notification.objects.filter(event="report_answered", channel="sms").exists()
    report = report_close(report=report, actor=specialist)
    assert report.status == Status.CLOSED
    actions = list(report.events.order_by("pk").values_list("action", flat=True))
    assert actions == ["submit", "accept", "write_answer", "approve_answer", "close"]


def test_personal_answer_is_sent_but_not_published(submit, air_rule, specialist, head):
    report = submit().report
    report_accept(report=report, actor=specialist)
    report_answer_write(report=report, actor=specialist, text="Riêng tư", is_personal=True)
    report = report_answer_approve(report=report, actor=head)
    assert report.status == Status.ANSWERED and report.published_at is None


def test_head_can_return_the_draft(submit, air_rule, specialist, head):
    report = submit().report
    report_accept(report=report, actor=specialist)
    report_answer_write(report=report, actor=specialist, text="Bản nháp")
    report = report_answer_return(report=report, actor=head, reason="Thiếu căn cứ pháp lý")
    assert report.answer_state == AnswerState.NONE
    with pytest.raises(InvalidInput):
        report_answer_approve(report=report, actor=head)


def test_stale_version_is_a_conflict(submit, air_rule, specialist):
    report = submit().report
    report_accept(report=report, actor=specialist, version=report.version)
    with pytest.raises(Conflict):
        report_reject(report=report, actor=specialist, reason="Trùng", version=report.version)


def test_officer_of_another_agency_cannot_act(submit, air_rule, other_agency):
    outsider = StaffFactory(agency=other_agency, role=Role.SPECIALIST)
    report = submit().report
    with pytest.raises(PermissionDenied):
        report_accept(report=report, actor=outsider)


def test_reject_needs_a_reason_and_tells_the_reporter(submit, air_rule, specialist):
    report = submit().report
    with pytest.raises(InvalidInput) as error:
        report_reject(report=report, actor=specialist, reason=" ")
    assert error.value.field == "reason"
    report = report_reject(report=report, actor=specialist, reason="Quảng cáo, không phải phản ánh")
    assert report.status == Status.REJECTED
    assert Notification.objects.filter(event="report_rejected", channel="sms").exists()
    with pytest.raises(InvalidInput) as error:
        report_accept(report=report, actor=specialist)
    assert error.value.code == "action_not_allowed"


def test_reassign_forward_and_input(
    submit, air_rule, specialist, department, inspectorate, other_agency
):
    report = submit().report
    report = report_reassign(
        report=report, actor=specialist, unit=inspectorate, reason="Có dấu hiệu tiêu cực"
    )
    assert report.unit == inspectorate
    report = report_accept(report=report, actor=specialist)
    request = report_input_ask(
        report=report, actor=specialist, unit=inspectorate, question="Cơ sở này đã bị xử phạt chưa?"
    )
    expert = StaffFactory(agency=department, role=Role.SPECIALIST, role__unit=inspectorate)
    request = report_input_give(input_request=request, actor=expert, answer="Đã bị phạt năm 2025")
    assert request.answered_by == expert
    report.refresh_from_db()
    report = report_forward(
        report=report, actor=specialist, agency=other_agency, reason="Địa điểm thuộc Hải Phòng"
    )
    assert report.agency == other_agency and report.unit is None
    assert report.status == Status.RECEIVED
    assert not report.events.get(action="reassign").is_public


def test_merge_tells_both_reporters_of_the_answer(submit, air_rule, specialist, head):
    original = submit(now=at("2026-11-23 09:00")).report
    duplicate = submit(now=at("2026-11-23 10:00"), reporter_phone="0987000111").report
    assert duplicate.possible_duplicate_of == original
    duplicate = report_merge(report=duplicate, into=original, actor=specialist, note="Cùng nhà máy")
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original
    merged_sms = Notification.objects.get(event="report_merged", channel="sms")
    assert merged_sms.recipient_address == "0987000111"
    with pytest.raises(InvalidInput):
        report_merge(report=original, into=duplicate, actor=specialist)
    report_accept(report=original, actor=specialist)
    report_answer_write(report=original, actor=specialist, text="Đã xử lý")
    report_answer_approve(report=original, actor=head)
    told = set(
        Notification.objects.filter(event="report_answered", channel="sms").values_list(
            "recipient_address", flat=True
        )
    )
    assert told == {"0912345678", "0987000111"}


def test_reporter_adds_information_and_rates_once(submit, air_rule, specialist, head):
    report = submit().report
    report = report_add_info(report=report, text="Khói lại xuất hiện lúc 17h", files=[jpeg()])
    assert report.attachments.count() == 1
    with pytest.raises(InvalidInput):
        report_rate(report=report, rating=5)
    report_accept(report=report, actor=specialist)
    report_answer_write(report=report, actor=specialist, text="Đã xử lý")
    report_answer_approve(report=report, actor=head)
    with pytest.raises(InvalidInput) as error:
        report_rate(report=report, rating=6)
    assert error.value.field == "rating"
    report = report_rate(report=report, rating=4, comment="Nhanh")
    assert report.rating == 4
    with pytest.raises(Conflict):
        report_rate(report=report, rating=1)


def test_overdue_report_is_escalated_once(submit, air_rule, head):
    report = submit(now=at("2026-11-23 09:00")).report
    assert reports_overdue_escalate(now=at("2026-12-08 08:00")).escalated == []
    result = reports_overdue_escalate(now=at("2026-12-08 10:00"))
    assert result.escalated == [report.code]
    assert Notification.objects.filter(event="report_overdue", user=head).count() == 1
    assert reports_overdue_escalate(now=at("2026-12-09 10:00")).escalated == []


ACTIONS = ["accept", "reject", "write", "approve", "close", "add_info", "return"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(ACTIONS), max_size=8))
def test_random_actions_never_leave_the_table(submit, air_rule, specialist, head, actions):
    report = submit(latitude=None, longitude=None).report
    calls = {
        "accept": lambda r: report_accept(report=r, actor=specialist),
        "reject": lambda r: report_reject(report=r, actor=specialist, reason="Không rõ"),
        "write": lambda r: report_answer_write(report=r, actor=specialist, text="Trả lời"),
        "approve": lambda r: report_answer_approve(report=r, actor=head),
        "close": lambda r: report_close(report=r, actor=specialist),
        "add_info": lambda r: report_add_info(report=r, text="Thêm"),
        "return": lambda r: report_answer_return(report=r, actor=head, reason="Sửa"),
    }
    for action in actions:
        try:
            report = calls[action](report)
        except InvalidInput:
            report.refresh_from_db()
    events = list(ReportEvent.objects.filter(report=report).order_by("pk"))
    for before, after in itertools.pairwise(events):
        assert after.from_status == before.to_status
        if after.from_status != after.to_status:
            assert (after.from_status, after.to_status) in ALLOWED_CHANGES
    assert events[-1].to_status == Report.objects.get(pk=report.pk).status
    assert isinstance(audit_verify(), ChainState)


def test_report_in_unit_of_other_agency_needs_scope(submit, air_rule, specialist, other_agency):
    foreign_unit = UnitFactory(agency=other_agency)
    report = submit().report
    with pytest.raises(InvalidInput):
        report_reassign(report=report, actor=specialist, unit=foreign_unit, reason="Sai nơi")


def test_duplicates_window_is_seven_days(submit):
    first = submit(now=at("2026-11-23 09:00")).report
    second = submit(now=first.received_at + timedelta(days=7)).report
    assert second.possible_duplicate_of == first
