"""Pages of reports (staff): dossier statistics with their Excel export, and the leaders' view of
who holds which dossiers now."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.selectors import is_staff_user
from motcua.catalog.models import Channel
from motcua.core.errors import PermissionDenied
from motcua.dossiers.models import Status
from motcua.reports.excel import service_index_workbook, statistics_workbook
from motcua.reports.forms import StatisticsFilterForm
from motcua.reports.periods import Period
from motcua.reports.selectors import (
    DossierStatistics,
    dossier_holdings,
    dossier_statistics,
    is_leader,
    staff_search_url,
)
from motcua.reports.service_index import service_index

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def staff_required(view):
    """Log in first; then staff only (403 for citizens)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff_user(request.user):
            raise PermissionDenied(_("Trang này chỉ dành cho cán bộ."))
        return view(request, *args, **kwargs)

    return wrapped


def _query(form: StatisticsFilterForm, **extra: str) -> str:
    values = {
        "agency": form.cleaned_data["agency"],
        **({"include_children": "1"} if form.cleaned_data.get("include_children") else {}),
        **extra,
    }
    return urlencode(values)


def _chart(stats: DossierStatistics) -> list[dict]:
    """Bars of the totals, as a share (0-100) of the largest, for an SVG drawn without script."""
    totals = stats.totals
    bars = [
        (_("Giải quyết trước hạn"), totals.early, "early"),
        (_("Giải quyết đúng hạn"), totals.on_time, "on-time"),
        (_("Giải quyết quá hạn"), totals.late, "late"),
        (_("Đang giải quyết còn hạn"), totals.within_time, "within"),
        (_("Đang giải quyết quá hạn"), totals.overdue, "overdue"),
        (_("Tạm dừng"), totals.paused, "paused"),
        (_("Rút, dừng xử lý"), totals.withdrawn + totals.stopped, "closed"),
    ]
    largest = max((value for _label, value, _kind in bars), default=0) or 1
    return [
        {"label": label, "value": value, "kind": kind, "width": round(value * 100 / largest, 1)}
        for label, value, kind in bars
    ]


def _procedure_rows(stats: DossierStatistics) -> list[dict]:
    return [
        {
            "row": row,
            "received_url": staff_search_url(procedure=row.code),
            "within_url": staff_search_url(procedure=row.code, status=Status.PROCESSING),
            "overdue_url": staff_search_url(procedure=row.code, overdue=1),
            "paused_url": staff_search_url(procedure=row.code, status=Status.SUPPLEMENT_REQUESTED),
        }
        for row in stats.by_procedure
    ]


def _unit_rows(stats: DossierStatistics) -> list[dict]:
    return [
        {
            "row": unit,
            "open_url": staff_search_url(unit=unit.unit_id),
            "overdue_url": staff_search_url(unit=unit.unit_id, overdue=1),
        }
        for unit in stats.by_unit
    ]


def _filtered[T](
    request: HttpRequest, read: Callable[..., T]
) -> tuple[StatisticsFilterForm, T | None]:
    """The agency-and-period form from the query string, and `read` (the statistics or the
    service index) of what it chose when it is valid."""
    form = StatisticsFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    return form, read(
        agency=form.chosen_agency,
        start=form.period.start,
        end=form.period.end,
        include_children=form.cleaned_data["include_children"],
    )


def _with_errors(request: HttpRequest, form: StatisticsFilterForm, template: str) -> HttpResponse:
    context = {"form": form, "show_holdings": is_leader(request.user)}
    return render(request, template, context, status=400)


def _quick_links(form: StatisticsFilterForm, shown: Period) -> list[dict]:
    """This month, last month, this quarter... as links that keep the chosen agency."""
    return [
        {
            "label": label,
            "query": _query(
                form, **{"from": period.start.isoformat(), "to": period.end.isoformat()}
            ),
            "current": period == shown,
        }
        for _key, label, period in form.quick_links
    ]


@staff_required
def dossier_report(request: HttpRequest) -> HttpResponse:
    """/bao-cao/ho-so/: the statistics of SPEC §4 for an agency and a period."""
    form, stats = _filtered(request, dossier_statistics)
    if stats is None:
        return _with_errors(request, form, "reports/dossiers.html")
    context = {
        "form": form,
        "stats": stats,
        "channels": [
            {"code": code, "label": Channel(code).label, "figures": figures}
            for code, figures in stats.by_channel.items()
        ],
        "show_holdings": is_leader(request.user),
        "procedure_rows": _procedure_rows(stats),
        "unit_rows": _unit_rows(stats),
        "chart": _chart(stats),
        "excel_query": _query(
            form, **{"from": stats.period.start.isoformat(), "to": stats.period.end.isoformat()}
        ),
        "quick_links": _quick_links(form, stats.period),
        "overdue_url": staff_search_url(overdue=1),
    }
    return render(request, "reports/dossiers.html", context)


@staff_required
def dossier_report_excel(request: HttpRequest) -> HttpResponse:
    """The same figures as an .xlsx file."""
    form, stats = _filtered(request, dossier_statistics)
    if stats is None:
        return _with_errors(request, form, "reports/dossiers.html")
    name = (
        f"thong-ke-ho-so-{stats.agency.code}-{stats.period.start:%Y%m%d}-{stats.period.end:%Y%m%d}"
    )
    return HttpResponse(
        statistics_workbook(stats),
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@staff_required
def holdings(request: HttpRequest) -> HttpResponse:
    """/bao-cao/dang-xu-ly/: per unit and officer, the dossiers held now and for how long."""
    if not is_leader(request.user):
        raise PermissionDenied(
            _("Trang này dành cho lãnh đạo phòng, lãnh đạo sở và quản trị hệ thống.")
        )
    form = StatisticsFilterForm(request.GET, user=request.user, with_period=False)
    if not form.is_valid():
        return render(
            request, "reports/holdings.html", {"form": form, "show_holdings": True}, status=400
        )
    now = timezone.now()
    units = dossier_holdings(
        agency=form.chosen_agency, include_children=form.cleaned_data["include_children"], now=now
    )
    rows = [
        {
            "unit": unit,
            "url": staff_search_url(unit=unit.unit_id),
            "overdue_url": staff_search_url(unit=unit.unit_id, overdue=1),
            "officers": [
                {
                    "officer": officer,
                    # "none": the dossiers waiting in the unit for a head to assign them.
                    "url": staff_search_url(
                        unit=unit.unit_id, assignee=officer.assignee_id or "none"
                    ),
                    "overdue_url": staff_search_url(
                        unit=unit.unit_id, assignee=officer.assignee_id or "none", overdue=1
                    ),
                }
                for officer in unit.officers
            ],
        }
        for unit in units
    ]
    context = {
        "form": form,
        "agency": form.chosen_agency,
        "rows": rows,
        "now": now,
        "show_holdings": True,
    }
    return render(request, "reports/holdings.html", context)


@staff_required
def service_index_report(request: HttpRequest) -> HttpResponse:
    """/bao-cao/chi-so-phuc-vu/: the practice-level indicators of Decision 766 (SPEC §7)."""
    form, index = _filtered(request, service_index)
    if index is None:
        return _with_errors(request, form, "reports/service_index.html")
    period = {"from": index.period.start.isoformat(), "to": index.period.end.isoformat()}
    context = {
        "form": form,
        "index": index,
        "show_holdings": is_leader(request.user),
        "excel_query": _query(form, **period),
        "quick_links": _quick_links(form, index.period),
    }
    return render(request, "reports/service_index.html", context)


@staff_required
def service_index_excel(request: HttpRequest) -> HttpResponse:
    """The same indicators as an .xlsx file."""
    form, index = _filtered(request, service_index)
    if index is None:
        return _with_errors(request, form, "reports/service_index.html")
    name = (
        f"chi-so-phuc-vu-{index.agency.code}-{index.period.start:%Y%m%d}-{index.period.end:%Y%m%d}"
    )
    return HttpResponse(
        service_index_workbook(index),
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )
