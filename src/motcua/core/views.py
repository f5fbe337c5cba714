"""Health check, API documentation pages and the address picker's commune options."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET
from ninja.openapi.docs import Swagger

from motcua.config.api import api
from motcua.core.forms import commune_options as commune_options_for
from motcua.core.selectors import task_queue_state


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the task queue answer; 503 otherwise. The body says whether
    queued tasks are waiting longer than WORKER_STALE_AFTER_SECONDS (no worker running)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        queue = task_queue_state()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "detail": type(exc).__name__},
            status=503,
        )
    worker = "ok" if queue.oldest_wait_seconds <= settings.WORKER_STALE_AFTER_SECONDS else "stalled"
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "queue": {
                "ready": queue.ready,
                "running": queue.running,
                "oldest_wait_seconds": round(queue.oldest_wait_seconds),
                "worker": worker,
            },
        }
    )


def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown API paths answer in the API's error shape, not with the HTML 404 page."""
    return JsonResponse(
        {"code": "not_found", "message": "Không có địa chỉ API này.", "field": None}, status=404
    )


# Swagger UI sets element styles from script; allow them on this page only.
@csp_override({**settings.SECURE_CSP, "style-src": ["'self'", "'unsafe-inline'"]})
def api_docs(request: HttpRequest) -> HttpResponse:
    return Swagger().render_page(request, api)


@require_GET
def commune_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of an address picker's commune list (core/forms.py), for HTMX. `field` is
    the picker's form field name: its inputs arrive as `<field>_province` and `<field>_q`."""
    field = request.GET.get("field", "")[:100]
    options = commune_options_for(
        province_code=request.GET.get(f"{field}_province", ""),
        q=request.GET.get(f"{field}_q", "")[:100],
    )
    target = request.headers.get("HX-Target", "")[:150]
    return render(
        request,
        "core/places/commune_options.html",
        {
            "options": options,
            "communes": options.communes,
            "selected": request.GET.get(f"{field}_commune", ""),
            "oob": bool(target),
            "status_id": f"{target}_status",
        },
    )
