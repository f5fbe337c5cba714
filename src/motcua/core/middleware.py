"""Request context (request id, client IP, user) for the audit log and logs, and the mapping of
domain errors raised under a web view to an HTTP answer."""

from __future__ import annotations

import contextvars
import logging
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from motcua.core.errors import DomainError


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "motcua_request", default=None
)


def current_request_context() -> RequestContext | None:
    return _current.get()


def client_ip(request: HttpRequest) -> str | None:
    # Behind a trusted reverse proxy the proxy sets X-Real-IP; see docs/operations.md.
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if 0 < len(incoming) <= 64 else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        record.request_id = context.request_id if context else "-"
        return True


class DomainErrorMiddleware:
    """A DomainError that escapes a web view becomes a page (or JSON for HTMX/JSON callers) with
    its Vietnamese message and status, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, DomainError):
            return None
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse(exception.as_dict(), status=exception.status)
        return render(request, "error.html", {"error": exception}, status=exception.status)


NUL_MESSAGE = "Dữ liệu gửi lên chứa ký tự điều khiển không hợp lệ (NUL)."


def _nul_field(request: HttpRequest) -> tuple[bool, str | None]:
    """Whether the request carries NUL where it would reach the database, and in which
    query-string parameter (None when it is the path or a JSON body)."""
    if "\x00" in request.path:
        return True, None
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return True, name.replace("\x00", "") or None
        return True, None
    content_type = request.META.get("CONTENT_TYPE", "")
    # JSON writes NUL as \u0000; decoded, it would reach the database.
    if content_type.startswith("application/json") and b"\\u0000" in request.body:
        return True, None
    return False, None


class NulCharacterGuardMiddleware:
    """PostgreSQL text cannot hold NUL (0x00): a query string or JSON body carrying one would
    end in a database error (500). Refuse it up front with 400, for every view at once.
    Form posts are covered by Django's form fields, which reject NUL themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        carries_nul, field = _nul_field(request)
        if carries_nul:
            error = DomainError(NUL_MESSAGE, code="invalid_characters", field=field)
            if request.path.startswith("/api/"):
                return JsonResponse(error.as_dict(), status=400)
            return render(request, "error.html", {"error": error}, status=400)
        return self.get_response(request)
