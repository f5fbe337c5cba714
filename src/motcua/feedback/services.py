"""Every change to a report: intake from the web, the hotline and Open311, handling by officers
(accept, reject, reassign, forward, ask for input, answer, approve, close, merge), the
reporter's follow-up (add information, rate) and the overdue escalation.

Status changes only through `_transition`, which checks the table `ACTIONS`, appends a
`ReportEvent` and an audit entry in the same transaction. Messages go through the
notifications outbox inside that transaction: a rolled-back change tells nobody, and a report
is saved whether or not the message channel works.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.identifiers import normalise_phone
from motcua.accounts.models import Agency, Role, StaffRole, Unit
from motcua.accounts.selectors import agency_in_scope, is_staff_user, sees_all_agencies
from motcua.core.audit import audit_record
from motcua.core.calendar import WorkingCalendar, add_working_days, working_hours_for
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.core.models import Commune, Province
from motcua.feedback.codes import api_key_hash, report_code_next, secret_hash, secret_new
from motcua.feedback.duplicates import DAYS as DUPLICATE_DAYS
from motcua.feedback.duplicates import nearby_open_reports
from motcua.feedback.files import report_file_check, report_files_count_check
from motcua.feedback.models import (
    AnswerState,
    ApiKey,
    Category,
    Channel,
    InputRequest,
    Report,
    ReportAttachment,
    ReportEvent,
    Status,
)
from motcua.feedback.routing import route_for
from motcua.notifications.services import Recipient, notify

MAX_DESCRIPTION = 10_000
MAX_NOTE = 5_000
# A clock a few minutes fast on the reporter's phone must not refuse the report.
_FUTURE_SLACK = timedelta(minutes=10)

_HANDLING = (Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS)
# action -> (statuses it may start from, status it leads to; None keeps the status).
ACTIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "submit": ((), Status.RECEIVED),
    "accept": ((Status.RECEIVED,), Status.ACCEPTED),
    "reject": (_HANDLING, Status.REJECTED),
    "reassign": (_HANDLING, None),
    "forward": (_HANDLING, Status.RECEIVED),
    "ask_input": ((Status.ACCEPTED, Status.IN_PROGRESS), Status.IN_PROGRESS),
    "give_input": ((Status.ACCEPTED, Status.IN_PROGRESS), None),
    "write_answer": ((Status.ACCEPTED, Status.IN_PROGRESS), Status.IN_PROGRESS),
    "return_answer": ((Status.IN_PROGRESS,), None),
    "approve_answer": ((Status.IN_PROGRESS,), Status.ANSWERED),
    "close": ((Status.ANSWERED,), Status.CLOSED),
    "merge": (_HANDLING, Status.MERGED),
    "absorb": (_HANDLING, None),
    "add_info": ((*_HANDLING, Status.ANSWERED), None),
    "rate": ((Status.ANSWERED, Status.CLOSED), None),
    "escalate": (_HANDLING, None),
}
# Every (from, to) pair the table allows: the property tests check no other is ever reached.
ALLOWED_CHANGES = frozenset(
    (start, target) for starts, target in ACTIONS.values() if target for start in starts
)
ACTION_LABELS = {
    "submit": gettext_lazy("gửi phản ánh"),
    "accept": gettext_lazy("thụ lý"),
    "reject": gettext_lazy("không xử lý"),
    "reassign": gettext_lazy("chuyển đơn vị"),
    "forward": gettext_lazy("chuyển cơ quan khác"),
    "ask_input": gettext_lazy("xin ý kiến"),
    "give_input": gettext_lazy("cho ý kiến"),
    "write_answer": gettext_lazy("soạn trả lời"),
    "return_answer": gettext_lazy("trả lại bản trả lời"),
    "approve_answer": gettext_lazy("duyệt trả lời"),
    "close": gettext_lazy("kết thúc"),
    "merge": gettext_lazy("gộp"),
    "absorb": gettext_lazy("nhận phản ánh gộp"),
    "add_info": gettext_lazy("bổ sung thông tin"),
    "rate": gettext_lazy("đánh giá"),
    "escalate": gettext_lazy("báo lãnh đạo quá hạn"),
}


# --- Checks ----------------------------------------------------------------------------------


def _text(value: str | None, *, field: str, required: bool, limit: int, label: str) -> str:
    """The text as given (only outer white space trimmed); NUL and over-long text refused."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("Hãy nhập %(label)s.") % {"label": label}, field=field)
    if "\x00" in text:
        raise InvalidInput(
            _("%(label)s chứa ký tự điều khiển không hợp lệ.") % {"label": label.capitalize()},
            code="invalid_characters",
            field=field,
        )
    if len(text) > limit:
        raise InvalidInput(
            _("%(label)s dài %(length)s ký tự, tối đa %(limit)s ký tự.")
            % {"label": label.capitalize(), "length": len(text), "limit": limit},
            code="too_long",
            field=field,
        )
    return text


def coordinate(value: Any, *, field: str, low: int, high: int) -> Decimal | None:
    """A latitude or longitude, 6 decimals (about 10 cm), None when empty."""
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        raise InvalidInput(
            _("Tọa độ %(field)s phải là số từ %(low)s đến %(high)s.")
            % {"field": field, "low": low, "high": high},
            field=field,
        )
    return number.quantize(Decimal("0.000001"))


@dataclass(frozen=True)
class ReportInput:
    """What a reporter (or the hotline operator, or another system) tells."""

    category: Category
    description: str
    commune: Commune | None = None
    province: Province | None = None
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    occurred_at: datetime | None = None
    is_anonymous: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""


def _check_input(*, data: ReportInput, channel: str, now: datetime) -> dict[str, Any]:
    if not data.category.is_active:
        raise InvalidInput(_("Lĩnh vực phản ánh này không còn được nhận."), field="category")
    values: dict[str, Any] = {
        "description": _text(
            data.description,
            field="description",
            required=True,
            limit=MAX_DESCRIPTION,
            label=_("nội dung phản ánh"),
        ),
        "address": _text(
            data.address, field="address", required=False, limit=255, label=_("địa chỉ")
        ),
    }
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidInput(_("Cần cả vĩ độ và kinh độ của điểm."), field="latitude")
    province = data.commune.province if data.commune is not None else data.province
    if data.commune is None and data.latitude is None and not values["address"]:
        raise InvalidInput(
            _("Hãy cho biết nơi xảy ra: chọn xã, phường, ghi địa chỉ hoặc chọn điểm trên bản đồ."),
            field="commune",
        )
    if data.occurred_at is not None and data.occurred_at > now + _FUTURE_SLACK:
        raise InvalidInput(_("Thời điểm xảy ra không thể ở tương lai."), field="occurred_at")
    name = _text(
        data.reporter_name, field="reporter_name", required=False, limit=255, label=_("họ và tên")
    )
    phone = (data.reporter_phone or "").strip()
    email = (data.reporter_email or "").strip()
    if phone:
        phone = normalise_phone(phone, field="reporter_phone")
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        raise InvalidInput(_("Thư điện tử không hợp lệ."), field="reporter_email")
    anonymous = data.is_anonymous
    if channel == Channel.HOTLINE and not phone:
        raise InvalidInput(_("Hãy ghi số điện thoại người gọi."), field="reporter_phone")
    if channel == Channel.WEB and not anonymous and not (phone or email):
        raise InvalidInput(
            _("Hãy ghi số điện thoại hoặc thư điện tử để nhận trả lời, hoặc chọn gửi ẩn danh."),
            field="reporter_phone",
        )
    if anonymous and channel == Channel.WEB:
        # An anonymous reporter follows with code + secret only: keep no contact at all.
        name, phone, email = "", "", ""
    values.update(
        {
            "category": data.category,
            "commune": data.commune,
            "province": province,
            "latitude": data.latitude,
            "longitude": data.longitude,
            "occurred_at": data.occurred_at,
            "is_anonymous": anonymous,
            "reporter_name": name,
            "reporter_phone": phone,
            "reporter_email": email,
        }
    )
    return values


def _check_staff(*, report: Report, user) -> None:
    """Staff may act on the reports of the agencies in their scope; unrouted reports belong to
    those who see every agency."""
    if not is_staff_user(user):
        raise PermissionDenied(_("Chỉ cán bộ mới thực hiện được thao tác này."), field="user")
    if report.agency_id is None:
        if not sees_all_agencies(user):
            raise PermissionDenied(
                _("Phản ánh chưa được chuyển tới cơ quan của bạn."), field="user"
            )
    elif not agency_in_scope(user, report.agency):
        raise PermissionDenied(_("Phản ánh không thuộc cơ quan của bạn."), field="user")


def is_report_head(*, user, report: Report) -> bool:
    """Heads approve answers: the head of the report's unit, a director of its agency, or
    someone who sees every agency."""
    if not is_staff_user(user):
        return False
    if sees_all_agencies(user):
        return True
    roles = StaffRole.objects.filter(user=user, unit__is_active=True)
    director = Q(role=Role.DIRECTOR, unit__agency_id=report.agency_id)
    head = Q(role=Role.UNIT_HEAD, unit__agency_id=report.agency_id)
    if report.unit_id:
        head &= Q(unit_id=report.unit_id)
    return roles.filter(director | head).exists()


def _check_version(report: Report, version: int | None) -> None:
    if version is not None and version != report.version:
        raise Conflict(
            _("Phản ánh đã được người khác cập nhật. Hãy tải lại trang và thực hiện lại."),
            code="stale_version",
            field="version",
        )


def _locked(report: Report) -> Report:
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("category", "agency", "unit", "commune", "province")
        .get(pk=report.pk)
    )


@contextmanager
def _staff_acting(report: Report, *, actor, version: int | None) -> Iterator[Report]:
    """An officer's action on `report`: one transaction, with the report locked, the officer
    allowed to act on it and the version they read still current."""
    with transaction.atomic():
        report = _locked(report)
        _check_staff(report=report, user=actor)
        _check_version(report, version)
        yield report


def _transition(
    *,
    report: Report,
    action: str,
    actor,
    now: datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    changes: dict[str, Any] | None = None,
) -> ReportEvent:
    """Check the table, move the status, save the report, append the event and audit entry."""
    starts, target = ACTIONS[action]
    if action != "submit" and report.status not in starts:
        raise InvalidInput(
            _("Không thể %(action)s phản ánh đang ở trạng thái “%(status)s”.")
            % {"action": ACTION_LABELS[action], "status": report.get_status_display()},
            code="action_not_allowed",
            field="action",
        )
    from_status = "" if action == "submit" else report.status
    if target:
        report.status = target
    if action == "submit":
        report.save(force_insert=True)
    else:
        report.version += 1
        report.save()
    event = ReportEvent.objects.create(
        report=report,
        occurred_at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=report.status,
        note=note,
        data=data or {},
        is_public=is_public,
    )
    summary = {"status": [from_status, report.status], **(changes or {})}
    audit_record(actor=actor, action=f"report_{action}", obj=report, changes=summary)
    return event


# --- Notifications ---------------------------------------------------------------------------


def _follow_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("feedback:follow")


def _reporter(report: Report) -> Recipient | None:
    language = getattr(report.reporter, "preferred_language", "vi") if report.reporter else "vi"
    recipient = Recipient(
        name=report.reporter_name,
        phone=report.reporter_phone,
        email=report.reporter_email,
        user_id=report.reporter_id,
        language=language,
    )
    if not (recipient.phone or recipient.email or recipient.user_id):
        return None
    return recipient


def _tell_reporter(report: Report, event: str, data: dict[str, Any]) -> None:
    recipient = _reporter(report)
    if recipient is None:
        return
    notify(
        event=event,
        recipient=recipient,
        data={"code": report.code, "category": report.category.name, "url": _follow_url(), **data},
    )


def _heads_of(report: Report) -> list:
    roles = StaffRole.objects.filter(
        unit__is_active=True, user__is_active=True, unit__agency_id=report.agency_id
    ).select_related("user")
    if report.unit_id:
        roles = roles.filter(Q(role=Role.UNIT_HEAD, unit_id=report.unit_id) | Q(role=Role.DIRECTOR))
    else:
        roles = roles.filter(role__in=[Role.UNIT_HEAD, Role.DIRECTOR])
    return list({role.user_id: role.user for role in roles}.values())


def _tell_staff(users, event: str, report: Report, data: dict[str, Any] | None = None) -> None:
    url = settings.SITE_URL.rstrip("/") + reverse("feedback:staff-detail", args=[report.code])
    for user in users:
        notify(
            event=event,
            recipient=Recipient(
                name=user.get_full_name(), user_id=user.pk, language=user.preferred_language
            ),
            data={
                "code": report.code,
                "category": report.category.name,
                "url": url,
                **(data or {}),
            },
            channels=["in_app"],
        )


# --- Intake ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """A new report and its follow-up secret (shown once, never stored in clear)."""

    report: Report
    secret: str


def _attach(report: Report, files: Sequence[UploadedFile], now: datetime) -> list[str]:
    report_files_count_check(report.attachments.count() + len(files))
    names = []
    for upload in files:
        checked = report_file_check(upload, name=upload.name or "", size=upload.size)
        attachment = ReportAttachment(
            report=report,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_at=now,
        )
        attachment.file.save(checked.name, upload, save=False)
        attachment.save()
        names.append(checked.name)
    return names


def report_due_at(
    *,
    received_at: datetime,
    category: Category,
    agency: Agency | None,
    calendar: WorkingCalendar | None = None,
) -> datetime:
    """The answer deadline: the category's working days from reception, in the agency's hours."""
    return add_working_days(
        received_at, category.deadline_days, hours=working_hours_for(agency), calendar=calendar
    )


def report_submit(
    *,
    data: ReportInput,
    channel: str,
    files: Sequence[UploadedFile] = (),
    user=None,
    recorded_by=None,
    api_key: ApiKey | None = None,
    now: datetime | None = None,
) -> Submitted:
    """Record a report from any channel: give it its code and secret, route it, set its
    deadline, flag a likely duplicate, and tell the reporter the code."""
    now = now or timezone.now()
    if channel not in Channel.values:
        raise InvalidInput(_("Kênh tiếp nhận không hợp lệ."), field="channel")
    if channel == Channel.HOTLINE and not is_staff_user(recorded_by):
        raise PermissionDenied(_("Chỉ cán bộ mới ghi nhận được cuộc gọi."), field="user")
    values = _check_input(data=data, channel=channel, now=now)
    report_files_count_check(len(files))
    secret = secret_new()
    with transaction.atomic():
        route = route_for(
            category=data.category, commune=values["commune"], province=values["province"]
        )
        report = Report(
            **values,
            code=report_code_next(day=timezone.localdate(now)),
            channel=channel,
            reporter=user if getattr(user, "is_authenticated", False) else None,
            follow_secret_hash=secret_hash(secret),
            recorded_by=recorded_by if channel == Channel.HOTLINE else None,
            api_key=api_key,
            agency=route.agency,
            unit=route.unit,
            received_at=now,
            due_at=report_due_at(received_at=now, category=data.category, agency=route.agency),
        )
        duplicates = nearby_open_reports(
            category_id=data.category.pk,
            latitude=report.latitude,
            longitude=report.longitude,
            since=now - timedelta(days=DUPLICATE_DAYS),
            until=now,
        )
        report.possible_duplicate_of = duplicates[0][0] if duplicates else None
        _transition(
            report=report,
            action="submit",
            actor=user if getattr(user, "pk", None) else recorded_by,
            now=now,
            data={
                "channel": channel,
                "agency": route.agency.code if route.agency else None,
                "unit": route.unit.pk if route.unit else None,
                "rule": route.rule.pk if route.rule else None,
                "possible_duplicate_of": (
                    report.possible_duplicate_of.code if report.possible_duplicate_of else None
                ),
            },
        )
        attached = _attach(report, files, now)
        if attached:
            audit_record(
                actor=user, action="report_attach", obj=report, changes={"files": attached}
            )
        _tell_reporter(
            report,
            "report_received",
            {"secret": secret, "due_at": report.due_at},
        )
    return Submitted(report=report, secret=secret)


# --- Handling by officers --------------------------------------------------------------------


def _reason(value: str, *, field: str = "reason") -> str:
    return _text(value, field=field, required=True, limit=MAX_NOTE, label=_("lý do"))


def report_accept(
    *, report: Report, actor, version: int | None = None, now: datetime | None = None
) -> Report:
    """Take the report up (thụ lý)."""
    now = now or timezone.now()
    with _staff_acting(report, actor=actor, version=version) as report:
        _transition(report=report, action="accept", actor=actor, now=now)
    return report


def report_reject(
    *, report: Report, actor, reason: str, version: int | None = None, now: datetime | None = None
) -> Report:
    """Refuse a report (spam, out of scope) with a reason the reporter is told."""
    now = now or timezone.now()
    reason = _reason(reason)
    with _staff_acting(report, actor=actor, version=version) as report:
        report.rejection_reason = reason
        report.closed_at = now
        _transition(report=report, action="reject", actor=actor, now=now, note=reason)
        _tell_reporter(report, "report_rejected", {"reason": reason})
    return report


def report_reassign(
    *,
    report: Report,
    actor,
    unit: Unit,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Report:
    """Give the report to another unit of its agency (or of an agency in the officer's scope)."""
    now = now or timezone.now()
    reason = _reason(reason)
    with _staff_acting(report, actor=actor, version=version) as report:
        if not unit.is_active or not agency_in_scope(actor, unit.agency):
            raise InvalidInput(_("Đơn vị không hợp lệ."), field="unit")
        before = str(report.unit or "")
        report.unit = unit
        report.agency = unit.agency
        _transition(
            report=report,
            action="reassign",
            actor=actor,
            now=now,
            note=reason,
            is_public=False,
            data={"unit": unit.pk},
            changes={"unit": [before, str(unit)]},
        )
    return report


def report_forward(
    *,
    report: Report,
    actor,
    agency: Agency,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Report:
    """Send the report to another agency, which receives it afresh (the deadline stays: the
    reporter waits no longer because the first agency was not competent)."""
    now = now or timezone.now()
    reason = _reason(reason)
    with _staff_acting(report, actor=actor, version=version) as report:
        if not agency.is_active or agency.pk == report.agency_id:
            raise InvalidInput(_("Hãy chọn một cơ quan khác, đang hoạt động."), field="agency")
        before = report.agency.code if report.agency else ""
        report.agency = agency
        report.unit = route_for(
            category=report.category, commune=report.commune, province=report.province
        ).unit
        if report.unit is not None and report.unit.agency_id != agency.pk:
            report.unit = None
        report.escalated_at = None
        _transition(
            report=report,
            action="forward",
            actor=actor,
            now=now,
            note=reason,
            data={"agency": agency.code},
            changes={"agency": [before, agency.code]},
        )
    return report


def report_input_ask(
    *, report: Report, actor, unit: Unit, question: str, now: datetime | None = None
) -> InputRequest:
    """Ask another unit for its opinion (xin ý kiến); its staff are told in the app."""
    now = now or timezone.now()
    question = _text(
        question, field="question", required=True, limit=MAX_NOTE, label=_("nội dung xin ý kiến")
    )
    with transaction.atomic():
        report = _locked(report)
        _check_staff(report=report, user=actor)
        if not unit.is_active or not agency_in_scope(actor, unit.agency):
            raise InvalidInput(_("Đơn vị không hợp lệ."), field="unit")
        request = InputRequest.objects.create(
            report=report, unit=unit, question=question, asked_by=actor, asked_at=now
        )
        _transition(
            report=report,
            action="ask_input",
            actor=actor,
            now=now,
            note=question,
            is_public=False,
            data={"unit": unit.pk, "input_request": request.pk},
        )
        staff = [role.user for role in StaffRole.objects.filter(unit=unit).select_related("user")]
        _tell_staff(
            {user.pk: user for user in staff}.values(),
            "report_input_requested",
            report,
            {"question": question},
        )
    return request


def report_input_give(
    *, input_request: InputRequest, actor, answer: str, now: datetime | None = None
) -> InputRequest:
    """The asked unit answers; the answer joins the report's history."""
    now = now or timezone.now()
    answer = _text(answer, field="answer", required=True, limit=MAX_NOTE, label=_("ý kiến"))
    with transaction.atomic():
        request = InputRequest.objects.select_for_update().get(pk=input_request.pk)
        if request.answered_at is not None:
            raise Conflict(_("Đơn vị đã cho ý kiến rồi."), field="answer")
        report = _locked(request.report)
        in_unit = StaffRole.objects.filter(user=actor, unit_id=request.unit_id).exists()
        if not in_unit:
            _check_staff(report=report, user=actor)
        request.answer, request.answered_by, request.answered_at = answer, actor, now
        request.save(update_fields=["answer", "answered_by", "answered_at"])
        _transition(
            report=report,
            action="give_input",
            actor=actor,
            now=now,
            note=answer,
            is_public=False,
            data={"input_request": request.pk},
        )
    return request


def report_answer_write(
    *,
    report: Report,
    actor,
    text: str,
    is_personal: bool = False,
    version: int | None = None,
    now: datetime | None = None,
) -> Report:
    """The officer's answer, waiting for the head's approval."""
    now = now or timezone.now()
    text = _text(
        text, field="answer_text", required=True, limit=MAX_DESCRIPTION, label=_("nội dung trả lời")
    )
    with _staff_acting(report, actor=actor, version=version) as report:
        report.answer_text = text
        report.is_personal = bool(is_personal)
        report.answer_state = AnswerState.AWAITING_APPROVAL
        report.answer_written_by = actor
        _transition(
            report=report,
            action="write_answer",
            actor=actor,
            now=now,
            is_public=False,
            data={"is_personal": report.is_personal},
        )
        _tell_staff(_heads_of(report), "report_answer_to_approve", report)
    return report


def _check_awaiting(report: Report, actor) -> None:
    if report.answer_state != AnswerState.AWAITING_APPROVAL:
        raise InvalidInput(
            _("Chưa có bản trả lời chờ duyệt."), code="action_not_allowed", field="action"
        )
    if not is_report_head(user=actor, report=report):
        raise PermissionDenied(_("Chỉ lãnh đạo đơn vị mới duyệt được trả lời."), field="user")


def report_answer_return(
    *, report: Report, actor, reason: str, version: int | None = None, now: datetime | None = None
) -> Report:
    """The head sends the draft answer back to the officer, saying why."""
    now = now or timezone.now()
    reason = _reason(reason)
    with _staff_acting(report, actor=actor, version=version) as report:
        _check_awaiting(report, actor)
        report.answer_state = AnswerState.NONE
        _transition(
            report=report,
            action="return_answer",
            actor=actor,
            now=now,
            note=reason,
            is_public=False,
        )
    return report


def report_answer_approve(
    *, report: Report, actor, version: int | None = None, now: datetime | None = None
) -> Report:
    """The head approves: the answer goes to the reporter (and to the reporters of reports
    merged into this one) and, unless personal or sensitive, onto the public page."""
    now = now or timezone.now()
    with _staff_acting(report, actor=actor, version=version) as report:
        _check_awaiting(report, actor)
        report.answer_state = AnswerState.APPROVED
        report.answer_approved_by = actor
        report.answered_at = now
        report.published_at = None if report.is_personal else now
        _transition(
            report=report,
            action="approve_answer",
            actor=actor,
            now=now,
            data={"published": not report.is_personal},
        )
        message = {"answer": report.answer_text, "on_time": now <= report.due_at}
        _tell_reporter(report, "report_answered", message)
        for merged in report.merged_reports.select_related("category"):
            _tell_reporter(
                merged,
                "report_answered",
                {
                    **message,
                    "merged_into": report.code,
                    "answer": "" if report.is_personal else report.answer_text,
                },
            )
    return report


def report_close(
    *, report: Report, actor, version: int | None = None, now: datetime | None = None
) -> Report:
    now = now or timezone.now()
    with _staff_acting(report, actor=actor, version=version) as report:
        report.closed_at = now
        _transition(report=report, action="close", actor=actor, now=now)
    return report


def report_merge(
    *, report: Report, into: Report, actor, note: str = "", now: datetime | None = None
) -> Report:
    """Merge `report` (a duplicate) into `into`: it is closed as merged, its reporter is told
    and will be told the answer of `into`."""
    now = now or timezone.now()
    note = _text(note, field="note", required=False, limit=MAX_NOTE, label=_("ghi chú"))
    if report.pk == into.pk:
        raise InvalidInput(_("Không thể gộp phản ánh vào chính nó."), field="into")
    with transaction.atomic():
        # Lock in a fixed order, so that two officers merging crosswise cannot deadlock.
        first, second = sorted([report.pk, into.pk])
        locked = {
            row.pk: row
            for row in Report.objects.select_for_update(of=("self",))
            .select_related("category", "agency", "unit", "commune", "province")
            .filter(pk__in=[first, second])
        }
        report, into = locked[report.pk], locked[into.pk]
        _check_staff(report=report, user=actor)
        _check_staff(report=into, user=actor)
        if into.status not in _HANDLING:
            raise InvalidInput(_("Chỉ gộp được vào phản ánh đang xử lý."), field="into")
        report.merged_into = into
        report.closed_at = now
        _transition(
            report=report, action="merge", actor=actor, now=now, note=note, data={"into": into.code}
        )
        _transition(
            report=into,
            action="absorb",
            actor=actor,
            now=now,
            note=note,
            data={"merged": report.code},
            is_public=False,
        )
        _tell_reporter(report, "report_merged", {"into": into.code})
    return report


# --- The reporter's follow-up ----------------------------------------------------------------


def report_add_info(
    *, report: Report, text: str, files: Sequence[UploadedFile] = (), now: datetime | None = None
) -> Report:
    """The reporter adds information or photos (after proving code + secret)."""
    now = now or timezone.now()
    text = _text(
        text, field="text", required=not files, limit=MAX_DESCRIPTION, label=_("thông tin bổ sung")
    )
    with transaction.atomic():
        report = _locked(report)
        names = _attach(report, files, now)
        _transition(
            report=report, action="add_info", actor=None, now=now, note=text, data={"files": names}
        )
    return report


def report_rate(
    *, report: Report, rating: int, comment: str = "", now: datetime | None = None
) -> Report:
    """The reporter rates the answer, once: 1 (very unsatisfied) to 5 (very satisfied)."""
    now = now or timezone.now()
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("Hãy chọn mức đánh giá từ 1 đến 5."), field="rating")
    comment = _text(comment, field="comment", required=False, limit=MAX_NOTE, label=_("nhận xét"))
    with transaction.atomic():
        report = _locked(report)
        if report.rating is not None:
            raise Conflict(
                _("Phản ánh này đã được đánh giá."), code="already_rated", field="rating"
            )
        report.rating, report.rating_comment, report.rated_at = rating, comment, now
        _transition(
            report=report,
            action="rate",
            actor=None,
            now=now,
            note=comment,
            data={"rating": rating},
            changes={"rating": [None, rating]},
        )
    return report


# --- Deadlines -------------------------------------------------------------------------------


@dataclass
class EscalationResult:
    escalated: list[str] = field(default_factory=list)


def reports_overdue_escalate(*, now: datetime | None = None) -> EscalationResult:
    """Tell the unit head (or the agency's heads) of each open report past its deadline, once
    per report and agency."""
    now = now or timezone.now()
    result = EscalationResult()
    overdue = Report.objects.filter(
        status__in=_HANDLING, due_at__lt=now, escalated_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(overdue[:500]):
        with transaction.atomic():
            report = _locked(Report(pk=pk))
            if report.escalated_at is not None or report.status not in _HANDLING:
                continue
            report.escalated_at = now
            _transition(
                report=report,
                action="escalate",
                actor=None,
                now=now,
                is_public=False,
                data={"due_at": report.due_at.isoformat()},
            )
            if report.agency_id:
                _tell_staff(_heads_of(report), "report_overdue", report, {"due_at": report.due_at})
        result.escalated.append(report.code)
    return result


# --- Open311 keys ----------------------------------------------------------------------------


def api_key_create(*, name: str, raw_key: str, actor=None) -> ApiKey:
    """Register a system's key (only its hash is kept)."""
    name = _text(name, field="name", required=True, limit=255, label=_("tên hệ thống"))
    raw_key = (raw_key or "").strip()
    if len(raw_key) < 16:
        raise InvalidInput(_("Khóa API phải dài ít nhất 16 ký tự."), field="api_key")
    with transaction.atomic():
        key, created = ApiKey.objects.get_or_create(
            key_hash=api_key_hash(raw_key), defaults={"name": name, "prefix": raw_key[:8]}
        )
        if created:
            audit_record(actor=actor, action="open311_key_create", obj=key, changes={"name": name})
    return key
