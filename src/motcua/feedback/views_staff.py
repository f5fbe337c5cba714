"""Officers' pages of reports (/can-bo/phan-anh/): the list with deadlines and filters, a
report's page with its timeline, likely duplicates and actions, and the hotline form."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.accounts.models import Agency, Unit
from motcua.accounts.selectors import unit_list_visible_to
from motcua.core.errors import DomainError, InvalidInput, NotFound
from motcua.dossiers.views_workspace import staff_required
from motcua.feedback.forms import HotlineForm, StaffFilterForm, add_domain_error
from motcua.feedback.models import InputRequest, Report, ReportAttachment
from motcua.feedback.selectors import (
    StaffFilters,
    due_soon_limit,
    report_get_visible,
    report_likely_duplicates,
    report_list_visible_to,
    report_staff_search,
)
from motcua.feedback.services import (
    is_report_head,
    report_accept,
    report_answer_approve,
    report_answer_return,
    report_answer_write,
    report_close,
    report_forward,
    report_input_ask,
    report_input_give,
    report_merge,
    report_reassign,
    report_reject,
    report_submit,
)
from motcua.feedback.statistics import feedback_statistics, figure_columns, statistics_workbook
from motcua.feedback.views import map_settings, report_input_from
from motcua.reports.periods import QUICK_CHOICES, period_parse, quick_period

PAGE_SIZE = 25


@staff_required
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffFilterForm(request.GET or None, user=request.user)
    cleaned = form.cleaned_data if form.is_valid() else {}
    category = cleaned.get("category")
    filters = StaffFilters(
        status=cleaned.get("status", "") if form.is_bound else "open",
        category=category.pk if category else None,
        channel=cleaned.get("channel", ""),
        due=cleaned.get("due", ""),
        q=cleaned.get("q", ""),
        unit=cleaned["unit"].pk if cleaned.get("unit") else None,
        awaiting_approval=bool(cleaned.get("awaiting")),
    )
    now = timezone.now()
    paginator = Paginator(
        report_staff_search(user=request.user, filters=filters, now=now), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/staff/list.html",
        {
            "form": form,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "query_string": query.urlencode(),
            "now": now,
            "due_soon": due_soon_limit(now=now),
        },
    )


def _int(value: str | None, field: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise InvalidInput(_("Hãy chọn một mục trong danh sách."), field=field) from None


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _unit(request: HttpRequest) -> Unit:
    unit = (
        unit_list_visible_to(user=request.user)
        .filter(pk=_int(request.POST.get("unit"), "unit"))
        .first()
    )
    if unit is None:
        raise InvalidInput(_("Hãy chọn đơn vị."), field="unit")
    return unit


def _actions(request: HttpRequest, report: Report) -> dict[str, Callable[[], object]]:
    post = request.POST
    user = request.user
    version = _version(request)

    def merge():
        try:
            into = report_get_visible(user=user, code=post.get("into", ""))
        except NotFound:
            raise InvalidInput(
                _("Không tìm thấy phản ánh có mã này để gộp vào."), field="into"
            ) from None
        return report_merge(report=report, into=into, actor=user, note=post.get("note", ""))

    def forward():
        agency = Agency.objects.filter(
            pk=_int(post.get("agency"), "agency"), is_active=True
        ).first()
        if agency is None:
            raise InvalidInput(_("Hãy chọn cơ quan."), field="agency")
        return report_forward(
            report=report, actor=user, agency=agency, reason=post.get("reason", ""), version=version
        )

    def give_input():
        request_row = get_object_or_404(
            InputRequest, pk=_int(post.get("input_request"), "input_request"), report=report
        )
        return report_input_give(
            input_request=request_row, actor=user, answer=post.get("answer", "")
        )

    return {
        "accept": lambda: report_accept(report=report, actor=user, version=version),
        "reject": lambda: report_reject(
            report=report, actor=user, reason=post.get("reason", ""), version=version
        ),
        "reassign": lambda: report_reassign(
            report=report,
            actor=user,
            unit=_unit(request),
            reason=post.get("reason", ""),
            version=version,
        ),
        "forward": forward,
        "ask_input": lambda: report_input_ask(
            report=report, actor=user, unit=_unit(request), question=post.get("question", "")
        ),
        "give_input": give_input,
        "write_answer": lambda: report_answer_write(
            report=report,
            actor=user,
            text=post.get("answer_text", ""),
            is_personal=post.get("is_personal") == "on",
            version=version,
        ),
        "return_answer": lambda: report_answer_return(
            report=report, actor=user, reason=post.get("reason", ""), version=version
        ),
        "approve_answer": lambda: report_answer_approve(report=report, actor=user, version=version),
        "close": lambda: report_close(report=report, actor=user, version=version),
        "merge": merge,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, code: str) -> HttpResponse:
    report = report_get_visible(user=request.user, code=code)
    error = None
    action = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        perform = _actions(request, report).get(action)
        try:
            if perform is None:
                raise InvalidInput(_("Thao tác không hợp lệ."), field="action")
            perform()
        except DomainError as failure:
            # (the report itself was found above: a 404 here is about what was typed, such as
            # the code of the report to merge into)
            if failure.status not in (400, 404, 409):
                raise
            error = failure
        else:
            messages.success(request, _("Đã thực hiện."))
            return redirect("feedback:staff-detail", code=report.code)
        report = report_get_visible(user=request.user, code=code)
    return render(
        request,
        "feedback/staff/detail.html",
        {
            "report": report,
            "events": report.events.select_related("actor"),
            "attachments": report.attachments.all(),
            "input_requests": report.input_requests.select_related(
                "unit", "asked_by", "answered_by"
            ),
            "duplicates": report_likely_duplicates(report=report),
            "merged": report.merged_reports.all(),
            "units": unit_list_visible_to(user=request.user).filter(is_active=True),
            "agencies": Agency.objects.filter(is_active=True).exclude(pk=report.agency_id),
            "is_head": is_report_head(user=request.user, report=report),
            "now": timezone.now(),
            "error": error,
            # The failed form keeps what was typed, its error shown at the field.
            "failed_action": action if error else "",
            "kept": {
                name: request.POST.get(name, "")
                for name in ("reason", "question", "into", "answer_text")
            }
            if error
            else {},
        },
        status=(400 if error.status == 404 else error.status) if error else 200,
    )


@staff_required
def staff_attachment(request: HttpRequest, code: str, pk: int) -> FileResponse:
    report = report_get_visible(user=request.user, code=code)
    attachment = get_object_or_404(ReportAttachment, pk=pk, report=report)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def hotline(request: HttpRequest) -> HttpResponse:
    """/can-bo/phan-anh/duong-day-nong/: the operator records a call."""
    form = HotlineForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            submitted = report_submit(
                data=report_input_from(form),
                channel="hotline",
                files=form.cleaned_data["photos"],
                recorded_by=request.user,
            )
        except InvalidInput as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Đã ghi nhận phản ánh %(code)s. Mã bí mật đọc cho người gọi: %(secret)s")
                % {"code": submitted.report.code, "secret": submitted.secret},
            )
            return redirect("feedback:staff-detail", code=submitted.report.code)
    return render(
        request,
        "feedback/staff/hotline.html",
        {"form": form, **map_settings()},
        status=400 if form.errors else 200,
    )


# --- Statistics ------------------------------------------------------------------------------


def _statistics(request: HttpRequest):
    """The period and unit asked for (this month by default) and their figures."""
    today = timezone.localdate()
    if request.GET.get("period"):
        period = quick_period(request.GET["period"], today=today)
    elif request.GET.get("from") or request.GET.get("to"):
        period = period_parse(start=request.GET.get("from"), end=request.GET.get("to"))
    else:
        period = quick_period("month", today=today)
    reports = report_list_visible_to(user=request.user)
    unit = None
    if request.GET.get("unit"):
        unit = (
            unit_list_visible_to(user=request.user)
            .filter(pk=_int(request.GET["unit"], "unit"))
            .first()
        )
        if unit is None:
            raise InvalidInput(_("Đơn vị không hợp lệ."), field="unit")
        reports = reports.filter(unit=unit)
    return feedback_statistics(reports=reports, period=period), unit


@staff_required
def statistics(request: HttpRequest) -> HttpResponse:
    """/bao-cao/phan-anh/: the figures of a period, per category and unit."""
    stats, unit = _statistics(request)
    peak = max([row.received for row in stats.by_category] or [0]) or 1
    query = request.GET.copy()
    return render(
        request,
        "feedback/staff/statistics.html",
        {
            "stats": stats,
            "unit": unit,
            "units": unit_list_visible_to(user=request.user).filter(is_active=True),
            "columns": figure_columns(),
            "chart": [
                {
                    "label": row.label,
                    "value": row.received,
                    "width": round(100 * row.received / peak, 1),
                }
                for row in stats.by_category
            ],
            "quick_choices": QUICK_CHOICES,
            "query_string": query.urlencode(),
        },
    )


@staff_required
def statistics_excel(request: HttpRequest) -> HttpResponse:
    stats, _unit = _statistics(request)
    response = HttpResponse(
        statistics_workbook(stats),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"phan-anh-{stats.period.start:%Y%m%d}-{stats.period.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
