"""Pages of the monitoring centre (monitoring operators only): the operations overview, a
station's hourly data with invalidate/restore, and the CSV upload with preview and confirm."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.errors import DomainError, NotFound, PermissionDenied
from motcua.monitoring.forms import CsvUploadForm, ReviewForm
from motcua.monitoring.ingestion import csv_template
from motcua.monitoring.models import Station
from motcua.monitoring.selectors import (
    csv_upload_of,
    hourly_grid,
    is_monitoring_operator,
    local_day_start,
    open_alerts_visible_to,
    operations_overview,
    station_list_visible_to,
)
from motcua.monitoring.services import (
    csv_upload_confirm,
    csv_upload_preview,
    measurements_invalidate,
    measurements_restore,
)

PREVIEW_ROWS = 50


def operator_required(view):
    """Log in first; then only monitoring operators get through (403 for other users)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_monitoring_operator(request.user):
            raise PermissionDenied(_("Trang này dành cho cán bộ quan trắc."))
        return view(request, *args, **kwargs)

    return wrapped


def _station(request: HttpRequest, code: str) -> Station:
    station = station_list_visible_to(user=request.user).filter(code=code).first()
    if station is None:
        raise NotFound(_("Không tìm thấy trạm quan trắc."))
    return station


@operator_required
def ops_overview(request: HttpRequest) -> HttpResponse:
    days, stations = operations_overview(user=request.user)
    return render(
        request,
        "monitoring/ops/overview.html",
        {
            "days": days,
            "stations": stations,
            "alerts": open_alerts_visible_to(user=request.user)[:50],
        },
    )


def _shown_day(request: HttpRequest) -> date | None:
    try:
        return date.fromisoformat(request.GET.get("ngay", ""))
    except ValueError:
        return None


@operator_required
@require_http_methods(["GET", "POST"])
def ops_station(request: HttpRequest, code: str) -> HttpResponse:
    """The hourly values of one local day (default: the last 24 hours) and the review form."""
    station = _station(request, code)
    day = _shown_day(request)
    if day is None:
        end = timezone.now()
        start = end - timedelta(hours=24)
    else:
        start = local_day_start(day)
        end = local_day_start(day + timedelta(days=1))
    form = ReviewForm(request.POST or None, station=station)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        review = measurements_invalidate if data["action"] == "invalidate" else measurements_restore
        try:
            count = review(
                actor=request.user,
                station=station,
                parameter=data["parameter"],
                start=data["start"],
                end=data["end"],
                reason=data["reason"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _review_message(data["action"], count))
            return redirect(request.get_full_path())
    parameters, rows = hourly_grid(station=station, start=start, end=end)
    return render(
        request,
        "monitoring/ops/station.html",
        {
            "station": station,
            "parameters": parameters,
            "rows": rows,
            "day": day,
            "previous_day": (day or timezone.localdate()) - timedelta(days=1),
            "next_day": day + timedelta(days=1) if day and day < timezone.localdate() else None,
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _review_message(action: str, count: int) -> str:
    if action == "invalidate":
        return _("Đã loại bỏ %(count)s giá trị giờ; chỉ số AQI sẽ được tính lại.") % {
            "count": count
        }
    return _("Đã khôi phục %(count)s giá trị giờ; chỉ số AQI sẽ được tính lại.") % {"count": count}


@operator_required
def csv_template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mau-so-lieu-quan-trac.csv"'
    return response


@operator_required
@require_http_methods(["GET", "POST"])
def csv_upload(request: HttpRequest) -> HttpResponse:
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = csv_upload_preview(
                actor=request.user, file_name=upload.name, content=upload.read()
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            return redirect("monitoring:csv-preview", token=preview.token)
    return render(
        request,
        "monitoring/ops/csv_upload.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@operator_required
@require_http_methods(["GET", "POST"])
def csv_preview(request: HttpRequest, token: str) -> HttpResponse:
    """What the file will store and what it will not (with line numbers and reasons); the
    operator confirms here. After confirmation the same page reports the outcome."""
    upload = csv_upload_of(user=request.user, token=token)
    if upload is None:
        raise NotFound(_("Không tìm thấy tệp đã tải lên (có thể đã quá hạn)."))
    if request.method == "POST":
        result = csv_upload_confirm(actor=request.user, upload=upload)
        messages.success(
            request,
            _("Đã lưu %(count)s giá trị từ tệp %(file)s.")
            % {"count": result.stored, "file": upload.file_name},
        )
        return redirect("monitoring:csv-preview", token=upload.token)
    return render(
        request,
        "monitoring/ops/csv_preview.html",
        {
            "upload": upload,
            "accepted_count": len(upload.accepted),
            "accepted": _with_local_times(upload.accepted[:PREVIEW_ROWS]),
            "rejected": _with_local_times(upload.rejected),
            "preview_rows": PREVIEW_ROWS,
        },
    )


def _with_local_times(rows: list[dict]) -> list[dict]:
    """Rows with `shown_time`: the time as people read it here (Vietnam time), or as written
    when it is not a valid moment."""
    shown = []
    for row in rows:
        try:
            moment = datetime.fromisoformat(row.get("time") or "")
        except ValueError:
            moment = None
        text = (
            formats.date_format(timezone.localtime(moment), "H:i d/m/Y")
            if moment is not None and moment.tzinfo is not None
            else row.get("time") or ""
        )
        shown.append({**row, "shown_time": text})
    return shown
