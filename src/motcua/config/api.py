"""The JSON API under /api/v1/: one NinjaAPI, one router per app, one error shape.

Every error answers {"code": "...", "message": "<Vietnamese text>", "field": "..."}.
"""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from motcua.core.errors import DomainError, TooManyRequests

api = NinjaAPI(
    title="Motcua API",
    version="1",
    description="Dịch vụ công trực tuyến ngành Nông nghiệp và Môi trường — API công khai.",
    urls_namespace="api",
    docs_url=None,
)


def error_response(
    request: HttpRequest, *, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "field": field}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = error_response(
        request, status=exc.status, code=exc.code, message=exc.message, field=exc.field
    )
    if isinstance(exc, TooManyRequests) and exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field_of(location: tuple) -> str | None:
    # Ninja reports ("query", "amount") or ("body", "payload", "name"): keep what names the field.
    parts = [str(part) for part in location if part not in ("query", "body", "path", "payload")]
    return ".".join(parts) or None


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = _field_of(tuple(first.get("loc", ())))
    kind = first.get("type", "")
    if kind == "missing":
        message = f"Thiếu trường bắt buộc: {field}."
    else:
        message = f"Giá trị của trường {field} không hợp lệ."
    return error_response(request, status=400, code="invalid", message=message, field=field)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        status=401,
        code="unauthenticated",
        message="Cần đăng nhập: gửi mã truy cập (Bearer token) còn hiệu lực.",
    )


# Ninja's own HTTP errors carry English text; answer them in the same Vietnamese shape.
_HTTP_ERRORS = {
    400: ("invalid_body", "Nội dung yêu cầu không đọc được: cần JSON hợp lệ, mã hóa UTF-8."),
    401: ("unauthenticated", "Cần đăng nhập: gửi mã truy cập (Bearer token) còn hiệu lực."),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức HTTP này không được hỗ trợ tại địa chỉ này."),
    413: ("too_large", "Nội dung gửi lên quá lớn."),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code, message = _HTTP_ERRORS.get(exc.status_code, ("error", "Yêu cầu không thực hiện được."))
    return error_response(request, status=exc.status_code, code=code, message=message)


def _register_routers() -> None:
    from motcua.accounts.api import router as accounts_router
    from motcua.catalog.api import router as catalog_router
    from motcua.core.api import router as core_router
    from motcua.dossiers.api import router as dossiers_router
    from motcua.dossiers.api_store import router as store_router
    from motcua.monitoring.api import router as monitoring_router
    from motcua.notifications.api import router as notifications_router
    from motcua.payments.api import router as payments_router
    from motcua.reports.api import router as reports_router
    from motcua.results.api import router as results_router

    api.add_router("/", core_router)
    api.add_router("/", accounts_router)
    api.add_router("/", catalog_router)
    api.add_router("/", dossiers_router)
    api.add_router("/", store_router)
    api.add_router("/", monitoring_router)
    api.add_router("/", notifications_router)
    api.add_router("/", payments_router)
    api.add_router("/", reports_router)
    api.add_router("/", results_router)


_register_routers()
