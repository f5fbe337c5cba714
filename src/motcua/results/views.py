"""Public verification of results: the page behind the QR code (/verify/<token>), the original's
download for its holder and staff, and the upload check (/verify); and the directors' re-issue
and revocation of a result from the workspace dossier page."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.core.errors import DomainError, NotFound, PermissionDenied
from motcua.core.middleware import client_ip
from motcua.results.selectors import (
    holder_name_masked,
    result_download_allowed,
    result_get_by_token,
    result_get_visible_to,
)
from motcua.results.services import MAX_REASON, result_replace, result_revoke
from motcua.results.verification import result_verify_upload

# Where a refused re-issue or revocation waits for the dossier page to show it next to its field.
MANAGE_ERROR_KEY = "results:manage-error:%s"

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


def _manage(request: HttpRequest, pk: int, *, action: str) -> HttpResponse:
    """Re-issue ("replace") or revoke a result with the reason posted, then back to the
    workspace dossier page; a refusal is shown there next to the reason field."""
    result = result_get_visible_to(user=request.user, pk=pk)
    reason = request.POST.get("reason", "")
    dossier_page = reverse("dossiers:workspace-dossier", kwargs={"code": result.dossier.code})
    try:
        if action == "replace":
            changed = result_replace(actor=request.user, result=result, reason=reason)
            messages.success(
                request,
                _("Đã cấp lại kết quả: số mới %(new)s thay thế số %(old)s.")
                % {"new": changed.number, "old": result.number},
            )
        else:
            changed = result_revoke(actor=request.user, result=result, reason=reason)
            messages.success(
                request, _("Đã thu hồi kết quả số %(number)s.") % {"number": result.number}
            )
    except DomainError as error:
        if isinstance(error, PermissionDenied):
            raise
        request.session[MANAGE_ERROR_KEY % result.dossier_id] = {
            "result": result.pk,
            "action": action,
            "message": error.message,
            "reason": reason[:MAX_REASON],
        }
        return HttpResponseRedirect(f"{dossier_page}#result-{result.pk}-{action}")
    return HttpResponseRedirect(f"{dossier_page}#result-{changed.pk}")


@login_required
@require_POST
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    """/can-bo/ket-qua/<id>/cap-lai/: a corrected result, newly numbered and signed, replaces
    this one."""
    return _manage(request, pk, action="replace")


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """/can-bo/ket-qua/<id>/thu-hoi/: the result is revoked; its verification page says so."""
    return _manage(request, pk, action="revoke")
