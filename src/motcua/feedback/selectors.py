"""Reads of reports: what the public may see (no personal data), what each officer may see, and
the follow-up by code and secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.selectors import agency_scope_ids, is_staff_user, sees_all_agencies
from motcua.core.calendar import add_working_days
from motcua.core.errors import NotFound, PermissionDenied
from motcua.core.ratelimit import Rate, ratelimit_enforce
from motcua.feedback.codes import api_key_hash, normalize_code, secret_matches
from motcua.feedback.duplicates import DAYS, nearby_open_reports
from motcua.feedback.models import (
    OPEN_STATUSES,
    AnswerState,
    ApiKey,
    Category,
    Report,
    ReportEvent,
    Status,
)

PUBLIC_FIELDS = (
    "code",
    "category__name",
    "category__name_en",
    "province__name",
    "commune__name",
    "received_at",
    "answered_at",
    "answer_text",
)


def api_key_active(*, raw: str) -> ApiKey | None:
    if not raw:
        return None
    return ApiKey.objects.filter(key_hash=api_key_hash(raw), is_active=True).first()


def category_list_active() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("order", "name")


# --- Public ----------------------------------------------------------------------------------


def public_answered_reports(*, category: Category | None = None) -> QuerySet[Report]:
    """Answered reports that may be published, newest answer first; read only PUBLIC_FIELDS."""
    reports = Report.objects.filter(
        status__in=[Status.ANSWERED, Status.CLOSED],
        published_at__isnull=False,
        is_personal=False,
    )
    if category is not None:
        reports = reports.filter(category=category)
    return (
        reports.select_related("category", "province", "commune")
        .only(
            "code",
            "category__name",
            "category__name_en",
            "category__service_code",
            "province__name",
            "commune__name",
            "address",
            "received_at",
            "answered_at",
            "answer_text",
            "published_at",
        )
        .order_by("-answered_at", "-pk")
    )


def public_map_points(*, category: Category | None = None, limit: int = 2000) -> list[dict]:
    """Points of open and published answered reports: category, status and day only."""
    reports = Report.objects.filter(latitude__isnull=False, longitude__isnull=False).filter(
        Q(status__in=OPEN_STATUSES)
        | Q(
            status__in=[Status.ANSWERED, Status.CLOSED],
            published_at__isnull=False,
            is_personal=False,
        )
    )
    if category is not None:
        reports = reports.filter(category=category)
    rows = reports.order_by("-received_at").values(
        "code",
        "category__service_code",
        "category__name",
        "status",
        "latitude",
        "longitude",
        "received_at",
    )[:limit]
    return [
        {
            "code": row["code"],
            "category": row["category__service_code"],
            "category_name": row["category__name"],
            "answered": row["status"] not in OPEN_STATUSES,
            "lat": float(row["latitude"]),
            "lon": float(row["longitude"]),
            "day": timezone.localtime(row["received_at"]).strftime("%d/%m/%Y"),
        }
        for row in rows
    ]


def report_for_follow(*, code: str, secret: str, client: str) -> Report:
    """The report whose code and secret match; the same answer for a wrong code and a wrong
    secret, so that codes cannot be probed, and a rate limit per client."""
    ratelimit_enforce(
        scope="feedback-follow",
        key=client or "-",
        rates=[Rate.parse(rate) for rate in settings.FEEDBACK_FOLLOW_RATE_LIMITS],
        message=_("Bạn đã tra cứu quá nhiều lần. Hãy thử lại sau."),
    )
    report = (
        Report.objects.select_related("category", "commune", "province", "merged_into")
        .filter(code=normalize_code(code))
        .first()
    )
    if report is None or not secret_matches(secret, report.follow_secret_hash):
        raise NotFound(_("Mã phản ánh hoặc mã bí mật không đúng."), field="secret")
    return report


def report_public_events(*, report: Report) -> QuerySet[ReportEvent]:
    return report.events.filter(is_public=True).order_by("occurred_at", "pk")


# --- Staff -----------------------------------------------------------------------------------


def report_list_visible_to(*, user) -> QuerySet[Report]:
    """Reports of the agencies in the officer's scope (and unrouted ones for those who see
    every agency)."""
    if not is_staff_user(user):
        return Report.objects.none()
    reports = Report.objects.select_related("category", "agency", "unit", "commune", "province")
    if sees_all_agencies(user):
        return reports
    scope = agency_scope_ids(user) or frozenset()
    return reports.filter(agency_id__in=scope)


def report_get_visible(*, user, code: str) -> Report:
    if not is_staff_user(user):
        raise PermissionDenied(_("Trang này chỉ dành cho cán bộ."), field="user")
    report = report_list_visible_to(user=user).filter(code=normalize_code(code)).first()
    if report is None:
        raise NotFound(_("Không tìm thấy phản ánh."), field="code")
    return report


@dataclass(frozen=True)
class StaffFilters:
    status: str = ""
    category: int | None = None
    channel: str = ""
    due: str = ""  # "overdue", "due_soon" or ""
    unit: int | None = None
    q: str = ""
    awaiting_approval: bool = False


def due_soon_limit(*, now: datetime | None = None) -> datetime:
    return add_working_days(now or timezone.now(), settings.FEEDBACK_DUE_SOON_DAYS)


def report_staff_search(
    *, user, filters: StaffFilters, now: datetime | None = None
) -> QuerySet[Report]:
    """The officer's list: open reports first by deadline, then the rest newest first."""
    now = now or timezone.now()
    reports = report_list_visible_to(user=user)
    if filters.status == "open":
        reports = reports.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        reports = reports.filter(status=filters.status)
    if filters.category:
        reports = reports.filter(category_id=filters.category)
    if filters.channel:
        reports = reports.filter(channel=filters.channel)
    if filters.unit:
        reports = reports.filter(unit_id=filters.unit)
    if filters.awaiting_approval:
        reports = reports.filter(answer_state=AnswerState.AWAITING_APPROVAL)
    if filters.due == "overdue":
        reports = reports.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    elif filters.due == "due_soon":
        reports = reports.filter(
            status__in=OPEN_STATUSES, due_at__gte=now, due_at__lte=due_soon_limit(now=now)
        )
    if filters.q:
        text = filters.q.strip()[:100]
        reports = reports.filter(Q(code__icontains=text) | Q(description__icontains=text))
    if filters.status == "open" or filters.due:
        return reports.order_by("due_at", "pk")
    return reports.order_by("-received_at", "-pk")


def report_likely_duplicates(*, report: Report) -> list[tuple[Report, float]]:
    """Other open reports of the same category near this one, received within DAYS days before
    or after it, nearest first."""
    if not report.is_open:
        return []
    span = timedelta(days=DAYS)
    return nearby_open_reports(
        category_id=report.category_id,
        latitude=report.latitude,
        longitude=report.longitude,
        since=report.received_at - span,
        until=report.received_at + span,
        exclude_ids=[report.pk],
    )
