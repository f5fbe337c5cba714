"""Public pages of reports: the answered list, the report form, the follow-up and the map.
No personal data is ever shown here; the follow-up shows a report to whoever proves code and
secret (remembered in the session)."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.errors import DomainError, InvalidInput
from motcua.core.middleware import client_ip
from motcua.core.ratelimit import Rate, ratelimit_enforce
from motcua.feedback.challenge import challenge_check, challenge_new
from motcua.feedback.forms import (
    AddInfoForm,
    FollowForm,
    PublicReportForm,
    RateForm,
    add_domain_error,
)
from motcua.feedback.models import Category, Report
from motcua.feedback.selectors import (
    category_list_active,
    public_answered_reports,
    public_map_points,
    report_for_follow,
    report_public_events,
)
from motcua.feedback.services import (
    ReportInput,
    coordinate,
    report_add_info,
    report_rate,
    report_submit,
)

PAGE_SIZE = 20
_SESSION_FOLLOWED = "feedback_followed"
_SESSION_SUBMITTED = "feedback_submitted"


def _category_from(request: HttpRequest) -> Category | None:
    code = request.GET.get("linh-vuc", "")
    return Category.objects.filter(service_code=code, is_active=True).first() if code else None


def index(request: HttpRequest) -> HttpResponse:
    """/phan-anh/: what the service is, and the published answers."""
    category = _category_from(request)
    paginator = Paginator(public_answered_reports(category=category), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/public/index.html",
        {
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "categories": category_list_active(),
            "category": category,
            "query_string": f"linh-vuc={category.service_code}" if category else "",
        },
    )


def report_input_from(form) -> ReportInput:
    """The service's input from a cleaned report form (web or hotline)."""
    data = form.cleaned_data
    return ReportInput(
        category=data["category"],
        description=data["description"],
        commune=data.get("commune"),
        address=data.get("address", ""),
        latitude=coordinate(data.get("latitude"), field="latitude", low=-90, high=90),
        longitude=coordinate(data.get("longitude"), field="longitude", low=-180, high=180),
        occurred_at=data.get("occurred_at"),
        is_anonymous=bool(data.get("is_anonymous")),
        reporter_name=data.get("reporter_name", ""),
        reporter_phone=data.get("reporter_phone", ""),
        reporter_email=data.get("reporter_email", ""),
    )


def _fresh_challenge(form: PublicReportForm) -> str:
    """A new question for every showing of the form: a token works once."""
    challenge = challenge_new()
    form.data = form.data.copy() if form.is_bound else form.data
    if form.is_bound:
        form.data["challenge_token"] = challenge.token
        form.data["challenge_answer"] = ""
    else:
        form.initial["challenge_token"] = challenge.token
    return challenge.question


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """/phan-anh/gui/: the report form, with the rate limit and the challenge."""
    if request.method == "POST":
        form = PublicReportForm(request.POST, request.FILES)
        try:
            ratelimit_enforce(
                scope="feedback-submit",
                key=client_ip(request) or "-",
                rates=[Rate.parse(rate) for rate in settings.FEEDBACK_RATE_LIMITS],
                message=_("Bạn đã gửi nhiều phản ánh trong thời gian ngắn. Hãy thử lại sau."),
            )
            if form.is_valid():
                challenge_check(
                    token=form.cleaned_data["challenge_token"],
                    answer=form.cleaned_data["challenge_answer"],
                )
                submitted = report_submit(
                    data=report_input_from(form),
                    channel="web",
                    files=form.cleaned_data["photos"],
                    user=request.user if request.user.is_authenticated else None,
                )
                request.session[_SESSION_SUBMITTED] = {
                    "code": submitted.report.code,
                    "secret": submitted.secret,
                }
                request.session[_SESSION_FOLLOWED] = [
                    *request.session.get(_SESSION_FOLLOWED, [])[-19:],
                    submitted.report.code,
                ]
                return redirect("feedback:submitted")
        except InvalidInput as error:
            add_domain_error(form, error)
        status = 400
    else:
        initial = {}
        if request.user.is_authenticated:
            initial = {
                "reporter_name": request.user.get_full_name(),
                "reporter_phone": request.user.phone,
                "reporter_email": request.user.email,
            }
        form = PublicReportForm(initial=initial)
        status = 200
    question = _fresh_challenge(form)
    return render(
        request,
        "feedback/public/submit.html",
        {"form": form, "question": question, **map_settings()},
        status=status,
    )


def submitted(request: HttpRequest) -> HttpResponse:
    """The code and the secret, shown once after sending."""
    shown = request.session.pop(_SESSION_SUBMITTED, None)
    if not shown:
        return redirect("feedback:follow")
    return render(request, "feedback/public/submitted.html", shown)


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    """/phan-anh/theo-doi/: code + secret open the report."""
    form = FollowForm(request.POST or None, initial={"code": request.GET.get("code", "")[:20]})
    if request.method == "POST" and form.is_valid():
        try:
            report = report_for_follow(
                code=form.cleaned_data["code"],
                secret=form.cleaned_data["secret"],
                client=client_ip(request) or "-",
            )
        except DomainError as error:
            if error.status == 429:
                raise
            add_domain_error(form, error)
        else:
            followed = request.session.get(_SESSION_FOLLOWED, [])
            if report.code not in followed:
                request.session[_SESSION_FOLLOWED] = [*followed[-19:], report.code]
            return redirect("feedback:follow-report", code=report.code)
    return render(
        request, "feedback/public/follow.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def follow_report(request: HttpRequest, code: str) -> HttpResponse:
    """One followed report: its progress, the answer, adding information and rating."""
    if code not in request.session.get(_SESSION_FOLLOWED, []):
        return redirect(reverse("feedback:follow") + f"?code={code}")
    report = (
        Report.objects.select_related("category", "commune", "province", "merged_into")
        .filter(code=code)
        .first()
    )
    if report is None:
        return redirect("feedback:follow")
    add_form = AddInfoForm(prefix="info")
    rate_form = RateForm(prefix="rate")
    status = 200
    if request.method == "POST":
        try:
            if "info-submit" in request.POST:
                add_form = AddInfoForm(request.POST, request.FILES, prefix="info")
                if add_form.is_valid():
                    report_add_info(
                        report=report,
                        text=add_form.cleaned_data["text"],
                        files=add_form.cleaned_data["photos"],
                    )
                    return redirect("feedback:follow-report", code=code)
            else:
                rate_form = RateForm(request.POST, prefix="rate")
                if rate_form.is_valid():
                    report_rate(
                        report=report,
                        rating=rate_form.cleaned_data["rating"],
                        comment=rate_form.cleaned_data["comment"],
                    )
                    return redirect("feedback:follow-report", code=code)
        except DomainError as error:
            add_domain_error(add_form if "info-submit" in request.POST else rate_form, error)
        status = 400
    merged_answer = None
    target = report.merged_into
    if target is not None and target.answered_at and not target.is_personal:
        merged_answer = target
    return render(
        request,
        "feedback/public/follow_report.html",
        {
            "report": report,
            "events": report_public_events(report=report),
            "merged_answer": merged_answer,
            "add_form": add_form,
            "rate_form": rate_form,
        },
        status=status,
    )


def map_settings() -> dict:
    return {
        "map_tiles": {"url": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}
    }


def reports_map(request: HttpRequest) -> HttpResponse:
    """/phan-anh/ban-do/: open and answered reports by category, no personal data."""
    category = _category_from(request)
    points = public_map_points(category=category)
    return render(
        request,
        "feedback/public/map.html",
        {
            "categories": category_list_active(),
            "category": category,
            "points": points,
            "map_data": {
                "points": points,
                "tiles": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
                "open": _("Đang xử lý"),
                "answered": _("Đã trả lời"),
            },
        },
    )
