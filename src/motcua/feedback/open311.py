"""Open311 GeoReport v2 under /open311/v2/: services, service definitions, posting and reading
service requests, in JSON and XML, with the specification's field names, `open`/`closed`
statuses and error list ({code, description}) so that existing Open311 clients work unchanged.

Plain Django views, since the format is fixed by the specification. A request's description
and answer are shown only when the answer is published, or to the system that posted it (its
`api_key` on the query): reporters' text can hold personal data. Contacts are never shown.
Extension (GeoReport v2 "pagination"): `page` and `page_size` on GET requests. `address_id`
is the commune code of the national list (Decision 19/2025), which routes the request.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO
from typing import Any
from xml.sax.saxutils import XMLGenerator

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from motcua.core.errors import DomainError
from motcua.core.models import Commune
from motcua.feedback.models import OPEN_STATUSES, ApiKey, Category, Channel, Report, Status
from motcua.feedback.selectors import api_key_active, category_list_active
from motcua.feedback.services import ReportInput, coordinate, report_submit

DEFAULT_SPAN = timedelta(days=90)
DEFAULT_LIMIT = 1000
MAX_PAGE_SIZE = 1000
_PUBLISHED = (Status.ANSWERED, Status.CLOSED)


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- Rendering -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml(
    root: str,
    content: list[dict[str, Any]] | dict[str, Any],
    *,
    item: str = "",
    nested: dict[str, str] | None = None,
) -> str:
    """<root><item><field>value</field>...</item>...</root> for a list, <root><field>...
    </root> for one object; a list value becomes <field><child/>...</field>, the child named
    by `nested[field]`."""
    out = StringIO()
    generator = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
    generator.startDocument()

    def element(name: str, value: Any) -> None:
        generator.startElement(name, {})
        if isinstance(value, list):
            for child in value:
                element((nested or {})[name], child)
        elif isinstance(value, dict):
            for key, inner in value.items():
                element(key, inner)
        else:
            generator.characters(_text(value))
        generator.endElement(name)

    if isinstance(content, list):
        generator.startElement(root, {})
        for row in content:
            element(item, row)
        generator.endElement(root)
    else:
        element(root, content)
    generator.endDocument()
    return out.getvalue()


def _respond(
    fmt: str,
    payload: Any,
    *,
    root: str,
    item: str = "",
    status: int = 200,
    nested: dict[str, str] | None = None,
) -> HttpResponse:
    if fmt == "xml":
        body = _xml(root, payload, item=item, nested=nested)
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(
        payload, safe=False, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(
        fmt,
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )


def _w3c(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _handled(view):
    """Errors in the specification's format, never a 500 for bad input."""

    def wrapped(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _error(fmt, error.status, error.description)
        except DomainError as error:
            status = error.status if error.status in (400, 403, 404) else 400
            prefix = f"{error.field}: " if error.field else ""
            return _error(fmt, status, prefix + error.message)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- Services --------------------------------------------------------------------------------


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.get_group_display(),
    }


@_handled
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET services.json|xml: the report categories."""
    if request.method != "GET":
        raise Open311Error(405, _("Chỉ hỗ trợ GET."))
    rows = [_service(category) for category in category_list_active()]
    return _respond(fmt, rows, root="services", item="service")


@_handled
def service_definition(request: HttpRequest, *, service_code: str, fmt: str) -> HttpResponse:
    """GET services/{service_code}.json|xml: no category has extra attributes (metadata is
    false), so the definition lists none."""
    if not category_list_active().filter(service_code=service_code).exists():
        raise Open311Error(404, _("Không có dịch vụ (service_code) này."))
    payload = {"service_code": service_code, "attributes": []}
    return _respond(fmt, payload, root="service_definition", nested={"attributes": "attribute"})


# --- Requests --------------------------------------------------------------------------------


def _request_row(report: Report, *, reader: ApiKey | None) -> dict[str, Any]:
    published = (
        report.status in _PUBLISHED and report.published_at is not None and not report.is_personal
    )
    own = reader is not None and report.api_key_id == reader.pk
    status_notes = ""
    if published or (own and report.answered_at):
        status_notes = report.answer_text
    elif own and report.status == Status.REJECTED:
        status_notes = report.rejection_reason
    address = report.address
    if not address and report.commune_id:
        address = f"{report.commune.name}, {report.province.name}"
    return {
        "service_request_id": report.code,
        "status": "open" if report.status in OPEN_STATUSES else "closed",
        "status_notes": status_notes,
        "service_name": report.category.name,
        "service_code": report.category.service_code,
        "description": report.description if (published or own) else "",
        "agency_responsible": report.agency.name if report.agency_id else "",
        "service_notice": "",
        "requested_datetime": _w3c(report.received_at),
        "updated_datetime": _w3c(report.updated_at),
        "expected_datetime": _w3c(report.due_at),
        "address": address,
        "address_id": report.commune_id or "",
        "zipcode": "",
        "lat": float(report.latitude) if report.latitude is not None else None,
        "long": float(report.longitude) if report.longitude is not None else None,
        "media_url": "",
    }


def _rows_queryset():
    return Report.objects.select_related("category", "agency", "commune", "province").only(
        "code",
        "status",
        "answer_text",
        "rejection_reason",
        "answered_at",
        "published_at",
        "is_personal",
        "description",
        "received_at",
        "updated_at",
        "due_at",
        "address",
        "latitude",
        "longitude",
        "api_key_id",
        "category__name",
        "category__service_code",
        "agency__name",
        "commune__name",
        "province__name",
    )


def _moment(value: str, field: str) -> datetime:
    text = value.strip().replace(" ", "+")  # a "+" left unencoded in a query string
    moment = None
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = datetime.combine(day, time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(field)s không đúng định dạng W3C (ví dụ 2026-11-23T09:00:00+07:00).")
            % {"field": field},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _positive(value: str | None, field: str, default: int, high: int) -> int:
    if value in (None, ""):
        return default
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise Open311Error(
            400,
            _("%(field)s phải là số nguyên từ 1 đến %(high)s.") % {"field": field, "high": high},
        )
    return int(value)


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()][:100]


def requests_search(params, *, now: datetime | None = None) -> list[Report]:
    """GET requests: by ids (the other filters are then ignored, as the specification says),
    or by service codes, status and a date span of at most the default 90 days."""
    ids = _list(params.get("service_request_id"))
    if ids:
        return list(_rows_queryset().filter(code__in=ids).order_by("-received_at", "-pk"))
    now = now or timezone.now()
    start = _moment(params["start_date"], "start_date") if params.get("start_date") else None
    end = _moment(params["end_date"], "end_date") if params.get("end_date") else None
    if start and end and end < start:
        raise Open311Error(400, _("end_date phải sau start_date."))
    if start is None and end is None:
        end = now
    if start is None:
        start = end - DEFAULT_SPAN
    if end is None:
        end = start + DEFAULT_SPAN
    reports = _rows_queryset().filter(received_at__gte=start, received_at__lte=end)
    codes = _list(params.get("service_code"))
    if codes:
        reports = reports.filter(category__service_code__in=codes)
    statuses = _list(params.get("status"))
    if any(status not in ("open", "closed") for status in statuses):
        raise Open311Error(400, _("status chỉ nhận open, closed."))
    if statuses == ["open"]:
        reports = reports.filter(status__in=OPEN_STATUSES)
    elif statuses == ["closed"]:
        reports = reports.exclude(status__in=OPEN_STATUSES)
    size = _positive(params.get("page_size"), "page_size", DEFAULT_LIMIT, MAX_PAGE_SIZE)
    page = _positive(params.get("page"), "page", 1, 1_000_000)
    offset = (page - 1) * size
    return list(reports.order_by("-received_at", "-pk")[offset : offset + size])


def _reader(request: HttpRequest) -> ApiKey | None:
    raw = request.GET.get("api_key", "")
    if not raw:
        return None
    key = api_key_active(raw=raw)
    if key is None:
        raise Open311Error(403, _("api_key không hợp lệ."))
    return key


@csrf_exempt
@_handled
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET requests.json|xml lists service requests; POST creates one."""
    if request.method == "POST":
        return _create(request, fmt)
    if request.method != "GET":
        raise Open311Error(405, _("Chỉ hỗ trợ GET và POST."))
    reader = _reader(request)
    rows = [_request_row(report, reader=reader) for report in requests_search(request.GET)]
    return _respond(fmt, rows, root="service_requests", item="request")


@_handled
def request_detail(request: HttpRequest, *, request_id: str, fmt: str) -> HttpResponse:
    """GET requests/{service_request_id}.json|xml: a list holding the one request."""
    reader = _reader(request)
    report = _rows_queryset().filter(code=request_id).first()
    if report is None:
        raise Open311Error(404, _("Không có yêu cầu (service_request_id) này."))
    return _respond(
        fmt, [_request_row(report, reader=reader)], root="service_requests", item="request"
    )


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    post = request.POST
    key = api_key_active(raw=post.get("api_key", ""))
    if key is None:
        raise Open311Error(403, _("Thiếu hoặc sai api_key."))
    code = post.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("Thiếu service_code."))
    category = category_list_active().filter(service_code=code).first()
    if category is None:
        raise Open311Error(404, _("Không có dịch vụ (service_code) này."))
    latitude = coordinate(post.get("lat"), field="lat", low=-90, high=90)
    longitude = coordinate(post.get("long"), field="long", low=-180, high=180)
    address = post.get("address_string", "").strip()
    commune = None
    if address_id := post.get("address_id", "").strip():
        # Our address repository is the national list of communes: address_id is a code.
        commune = Commune.objects.select_related("province").filter(code=address_id).first()
        if commune is None:
            raise Open311Error(400, _("address_id không phải mã xã, phường trong danh mục."))
    if (latitude is None or longitude is None) and not (address or commune):
        raise Open311Error(400, _("Cần lat và long, hoặc address_string, hoặc address_id."))
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, _("Cần cả lat và long."))
    name = " ".join(
        part
        for part in (post.get("first_name", "").strip(), post.get("last_name", "").strip())
        if part
    )
    description = post.get("description", "").strip()
    media_url = post.get("media_url", "").strip()
    if media_url:
        description = f"{description}\n{media_url}".strip()
    submitted = report_submit(
        data=ReportInput(
            category=category,
            description=description,
            address=address[:255],
            commune=commune,
            latitude=latitude,
            longitude=longitude,
            reporter_name=name[:255],
            reporter_phone=post.get("phone", ""),
            reporter_email=post.get("email", ""),
            is_anonymous=not (post.get("phone") or post.get("email")),
        ),
        channel=Channel.OPEN311,
        api_key=key,
    )
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    payload = [
        {
            "service_request_id": submitted.report.code,
            "service_notice": _("Hạn trả lời: %(due)s")
            % {"due": timezone.localtime(submitted.report.due_at).strftime("%d/%m/%Y %H:%M")},
            "account_id": None,
        }
    ]
    return _respond(fmt, payload, root="service_requests", item="request")
