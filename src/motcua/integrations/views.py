"""Staff page of inter-agency transfers (/can-bo/lien-thong/): requests from other agencies to
answer, and the state of the dossiers this agency transferred, with "try again" on failures."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.accounts.selectors import is_staff_user
from motcua.core.errors import DomainError, PermissionDenied
from motcua.integrations.forms import TransferAnswerForm
from motcua.integrations.models import InterAgencyTransfer
from motcua.integrations.selectors import (
    transfer_get,
    transfer_list_incoming,
    transfer_list_outgoing,
)
from motcua.integrations.services import transfer_answer, transfer_retry

# Rows shown in each list; older ones are in the dossiers' histories.
LIST_LIMIT = 50


def staff_required(view):
    """Log in first; then only staff get through (403 for applicants)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff_user(request.user):
            raise PermissionDenied(_("Trang này chỉ dành cho cán bộ."))
        return view(request, *args, **kwargs)

    return wrapped


def _incoming_rows(request: HttpRequest, *, bound: dict | None = None) -> list[dict]:
    """Each incoming request with its answer form when it waits; `bound` replaces one form by
    the one the user just posted (with its errors)."""
    rows = []
    for transfer in transfer_list_incoming(user=request.user)[:LIST_LIMIT]:
        form = None
        if transfer.status == InterAgencyTransfer.Status.SENT:
            form = (bound or {}).get(transfer.pk) or TransferAnswerForm(transfer_id=transfer.pk)
        rows.append({"transfer": transfer, "form": form})
    return rows


def _page(request: HttpRequest, *, bound: dict | None = None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "integrations/transfers.html",
        {
            "incoming": _incoming_rows(request, bound=bound),
            "outgoing": list(transfer_list_outgoing(user=request.user)[:LIST_LIMIT]),
        },
        status=status,
    )


@staff_required
@require_GET
def transfers(request: HttpRequest) -> HttpResponse:
    return _page(request)


@staff_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_get(user=request.user, pk=pk)
    form = TransferAnswerForm(request.POST, transfer_id=transfer.pk)
    if form.is_valid():
        try:
            transfer = transfer_answer(
                actor=request.user, transfer=transfer, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            if error.status == 409 and request.htmx:
                # Answered meanwhile by a colleague: show their answer in place of the form.
                fresh = transfer_get(user=request.user, pk=pk)
                return render(
                    request,
                    "integrations/_incoming_row.html",
                    {"row": {"transfer": fresh, "form": None}, "answered": True},
                )
            if error.status != 400:
                raise
            form.add_error("note" if error.field == "note" else None, error.message)
    if form.errors:
        if request.htmx:
            # htmx swaps only 2xx answers: the row comes back with its errors.
            return render(
                request,
                "integrations/_incoming_row.html",
                {"row": {"transfer": transfer, "form": form}},
            )
        return _page(request, bound={transfer.pk: form}, status=400)
    if request.htmx:
        return render(
            request,
            "integrations/_incoming_row.html",
            {"row": {"transfer": transfer, "form": None}, "answered": True},
        )
    messages.success(request, _("Đã gửi trả lời cho cơ quan chuyển hồ sơ."))
    return redirect("integrations:transfers")


@staff_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_retry(actor=request.user, transfer=transfer_get(user=request.user, pk=pk))
    if request.htmx:
        return render(
            request, "integrations/_outgoing_row.html", {"transfer": transfer, "retried": True}
        )
    messages.success(request, _("Đã đưa yêu cầu liên thông vào hàng đợi gửi lại."))
    return redirect("integrations:transfers")
