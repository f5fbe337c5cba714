"""Public verification of results: the page behind the QR code (/verify/<token>), the original's
download for its holder and staff, and the upload check (/verify)."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from motcua.core.errors import DomainError, NotFound
from motcua.core.middleware import client_ip
from motcua.results.selectors import (
    holder_name_masked,
    result_download_allowed,
    result_get_by_token,
)
from motcua.results.verification import result_verify_upload

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9.-]+")


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """/verify/<token>: what the result is and whether it is still valid; no personal data but
    the holder's name partly masked."""
    result = result_get_by_token(token=token)
    response = render(
        request,
        "results/verify.html",
        {
            "result": result,
            "holder": holder_name_masked(result.holder_name),
            "can_download": result_download_allowed(user=request.user, result=result),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def verify_download(request: HttpRequest, token: str) -> FileResponse | HttpResponse:
    """/verify/<token>/ban-goc: the signed original, to its holder and staff only."""
    result = result_get_by_token(token=token)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not result_download_allowed(user=request.user, result=result):
        raise NotFound(_("Không tìm thấy tệp này."), field="token")
    try:
        handle = result.file.open("rb")
    except OSError:
        raise NotFound(_("Tệp không còn trên máy chủ."), field="file") from None
    name = _UNSAFE_FILENAME.sub("-", result.number.replace("Đ", "D")).strip("-")
    response = FileResponse(
        handle, as_attachment=True, filename=f"ket-qua-{name}.pdf", content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    """/verify: upload a PDF and learn whether it is an unaltered result and whether its
    signature is valid."""
    context: dict = {"max_mb": settings.RESULT_VERIFY_MAX_MB}
    status = 200
    if request.method == "POST":
        try:
            context["verdict"] = result_verify_upload(
                uploaded=request.FILES.get("file"), client=client_ip(request)
            )
        except DomainError as error:
            context["error"] = error
            status = error.status
    response = render(request, "results/verify_upload.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response
