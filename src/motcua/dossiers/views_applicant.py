"""The applicant's side of the back office in "Hồ sơ của tôi": supplement, withdraw, rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from motcua.core.errors import Conflict, DomainError, InvalidInput
from motcua.dossiers.backoffice import actions_available, dossier_act
from motcua.dossiers.files import ACCEPT
from motcua.dossiers.models import (
    ApologyLetter,
    Dossier,
    FinancialObligation,
    Rating,
    SupplementRequest,
)
from motcua.dossiers.selectors import dossier_attachments, dossier_get_mine
from motcua.dossiers.services import attachment_upload
from motcua.dossiers.tracking import DossierPlace, dossier_current_unit, public_events

# Files a person may send in one input of the supplement form.
MAX_FILES_PER_INPUT = 10
OTHER_FILES = "file-other"
SCORES = (
    (5, gettext_lazy("Rất hài lòng")),
    (4, gettext_lazy("Hài lòng")),
    (3, gettext_lazy("Bình thường")),
    (2, gettext_lazy("Không hài lòng")),
    (1, gettext_lazy("Rất không hài lòng")),
)


@dataclass
class Failed:
    """An applicant's action the engine refused: the error, on which input, and what was typed."""

    action: str
    message: str
    field: str | None
    posted: QueryDict
    notice: str = ""  # a stale page (409): said above the forms, not next to an input


@dataclass
class SupplementItem:
    """One line of form 02, with the file input that answers it."""

    index: int
    name: str
    reason: str
    document_id: int | None
    error: str = ""

    @property
    def input_name(self) -> str:
        return f"file-{self.index}"


@dataclass
class ApplicantPanel:
    """What the applicant's part of the page shows: notices, and the forms the engine allows."""

    dossier: Dossier
    offered: frozenset[str]
    supplement: SupplementRequest | None
    items: list[SupplementItem]
    apology: ApologyLetter | None
    obligations: list[FinancialObligation]
    rating: Rating | None
    failed: Failed | None
    accept: str = ACCEPT
    scores: tuple = SCORES
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def forms(self) -> frozenset[str]:
        """The actions whose form the page shows now."""
        shown = self.offered & {"withdraw", "rate"}
        if "supplement" in self.offered and self.supplement is not None:
            shown |= {"supplement"}
        return frozenset(shown)

    def posted(self, action: str, name: str) -> str:
        failed = self.failed
        if failed is None or failed.action != action:
            return ""
        return failed.posted.get(name, "")

    @property
    def supplement_note(self) -> str:
        return self.posted("supplement", "note")

    @property
    def withdraw_reason(self) -> str:
        return self.posted("withdraw", "reason")

    @property
    def rate_score(self) -> str:
        return self.posted("rate", "score")

    @property
    def rate_comment(self) -> str:
        return self.posted("rate", "comment")


# Which input of the page an engine error names, per action; the key the templates read.
_ERROR_KEYS = {
    ("supplement", "note"): "supplement_note",
    ("supplement", OTHER_FILES): "supplement_other",
    ("withdraw", "reason"): "withdraw_reason",
    ("rate", "score"): "rate_score",
    ("rate", "comment"): "rate_comment",
}


def _error_key(failed: Failed) -> str:
    """The key of the input an error names ("supplement_note"...); an error no input owns (the
    files as a whole, the state) is said at the top of the action's form."""
    name = (failed.field or "").partition(".")[0]
    return _ERROR_KEYS.get((failed.action, name), f"{failed.action}_form")


def applicant_panel(*, dossier: Dossier, user, failed: Failed | None = None) -> ApplicantPanel:
    """The notices and forms of the applicant's own dossier page."""
    offered = frozenset(
        spec.name for spec in actions_available(dossier=dossier, user=user) if spec.applicant
    )
    supplement = (
        dossier.supplement_requests.filter(answered_at__isnull=True).order_by("-number").first()
        if "supplement" in offered
        else None
    )
    items = [
        SupplementItem(
            index=index,
            name=str(item.get("name") or ""),
            reason=str(item.get("reason") or ""),
            document_id=item.get("document_id"),
        )
        for index, item in enumerate(supplement.items if supplement else [])
        if isinstance(item, dict)
    ]
    panel = ApplicantPanel(
        dossier=dossier,
        offered=offered,
        supplement=supplement,
        items=items,
        apology=ApologyLetter.objects.filter(dossier=dossier).first(),
        obligations=list(dossier.financial_obligations.order_by("issued_at", "pk")),
        rating=Rating.objects.filter(dossier=dossier).first(),
        failed=failed,
    )
    if failed is not None and not failed.notice:
        item = next((item for item in items if item.input_name == failed.field), None)
        if failed.action not in panel.forms:
            # The state changed under the applicant: the form is gone, the reason stays.
            failed.notice = failed.message
        elif item is not None:
            item.error = failed.message
        else:
            panel.errors[_error_key(failed)] = failed.message
    return panel


def _detail_context(dossier: Dossier, failed: Failed | None) -> dict:
    """The context of the "Hồ sơ của tôi" detail page (views.my_dossier_detail) with the
    applicant's panel showing a refused action."""
    return {
        "dossier": dossier,
        "current_unit": dossier_current_unit(DossierPlace.of(dossier)),
        "events": public_events(dossier, with_notes=True),
        "attachments": dossier_attachments(dossier=dossier),
        "applicant_failed": failed,
    }


def _version(value: str | None) -> int:
    if value is None or not value.strip().isdigit():
        raise InvalidInput(
            _("Thiếu phiên bản hồ sơ đang xem: vui lòng tải lại trang."), field="version"
        )
    return int(value)


def _act(request: HttpRequest, code: str, action: str, payload_of) -> HttpResponse:
    """Run one of the applicant's actions; on success back to the page with a message, on
    refusal the page again with the error next to its input (409: the fresh state)."""
    dossier = dossier_get_mine(user=request.user, code=code)
    try:
        version = _version(request.POST.get("version"))
        payload = payload_of(request, dossier)
        dossier_act(
            actor=request.user,
            dossier=dossier.code,
            action=action,
            payload=payload,
            version=version,
        )
    except DomainError as error:
        stale = isinstance(error, Conflict) and error.code == "stale_version"
        failed = Failed(
            action=action,
            message=error.message,
            field=error.field,
            posted=request.POST,
            notice=(
                _(
                    "Hồ sơ vừa được cơ quan cập nhật. Trang đã hiện tình trạng mới nhất: vui "
                    "lòng xem lại rồi thực hiện lại."
                )
                if stale
                else error.message
                if error.field == "version"
                else ""
            ),
        )
        fresh = dossier_get_mine(user=request.user, code=code)
        return render(
            request,
            "dossiers/tracking/my_detail.html",
            _detail_context(fresh, failed),
            status=error.status,
        )
    messages.success(request, DONE_MESSAGES[action])
    return redirect("dossiers:mine-detail", code=dossier.code)


DONE_MESSAGES = {
    "supplement": gettext_lazy(
        "Đã nộp bổ sung hồ sơ. Cơ quan sẽ tiếp tục giải quyết và thông báo cho bạn."
    ),
    "withdraw": gettext_lazy("Đã rút hồ sơ. Cơ quan sẽ không giải quyết hồ sơ này nữa."),
    "rate": gettext_lazy("Cảm ơn bạn đã đánh giá mức độ hài lòng."),
}


def _supplement_payload(request: HttpRequest, dossier: Dossier) -> dict[str, Any]:
    """Upload the files sent for each requested item (and the other files); the engine then
    attaches them to the dossier with the answer."""
    supplement = (
        dossier.supplement_requests.filter(answered_at__isnull=True).order_by("-number").first()
    )
    documents = {document.pk: document for document in dossier.procedure_version.documents.all()}
    inputs: list[tuple[str, Any]] = [
        (f"file-{index}", documents.get(item.get("document_id")))
        for index, item in enumerate(supplement.items if supplement else [])
        if isinstance(item, dict)
    ]
    inputs.append((OTHER_FILES, None))
    attachment_ids = []
    for name, document in inputs:
        for uploaded in request.FILES.getlist(name)[:MAX_FILES_PER_INPUT]:
            try:
                attachment = attachment_upload(
                    actor=request.user, uploaded_file=uploaded, required_document=document
                )
            except DomainError as error:
                raise InvalidInput(error.message, field=name) from None
            attachment_ids.append(attachment.pk)
    return {"note": request.POST.get("note", ""), "attachment_ids": attachment_ids}


@login_required
@require_POST
def my_dossier_supplement(request: HttpRequest, code: str) -> HttpResponse:
    """POST /ho-so/cua-toi/<code>/bo-sung/: answer form 02 with files and/or a note."""
    return _act(request, code, "supplement", _supplement_payload)


@login_required
@require_POST
def my_dossier_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """POST /ho-so/cua-toi/<code>/rut/: take the dossier back, with a reason."""
    return _act(
        request,
        code,
        "withdraw",
        lambda request, _dossier: {"reason": request.POST.get("reason", "")},
    )


@login_required
@require_POST
def my_dossier_rate(request: HttpRequest, code: str) -> HttpResponse:
    """POST /ho-so/cua-toi/<code>/danh-gia/: satisfaction 1-5 and a comment, once."""
    return _act(
        request,
        code,
        "rate",
        lambda request, _dossier: {
            "score": request.POST.get("score", ""),
            "comment": request.POST.get("comment", ""),
        },
    )
