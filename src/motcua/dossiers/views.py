"""Pages of dossiers: online submission, drafts, counter reception, downloads."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.catalog.forms import form_fields, form_render
from motcua.catalog.models import Channel
from motcua.catalog.selectors import procedure_get_published
from motcua.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyRequests,
)
from motcua.core.middleware import client_ip
from motcua.dossiers.files import ACCEPT
from motcua.dossiers.forms import (
    APPLICANT_PREFIX,
    FORM_PREFIX,
    ApplicantForm,
    CounterStartForm,
    form_data_from_page,
)
from motcua.dossiers.models import AttachmentKind, Dossier, Status
from motcua.dossiers.models_store import REUSED_PREFIX
from motcua.dossiers.pdf import acknowledgement_pdf
from motcua.dossiers.selectors import (
    applicant_account_find,
    attachment_get_reusable,
    attachment_get_visible_to,
    counter_procedures,
    dossier_attachments,
    dossier_draft_for_procedure,
    dossier_draft_get_editable,
    dossier_draft_list,
    dossier_get_mine,
    dossier_get_visible_to,
    dossier_list_mine,
    dossier_list_visible_to,
    dossier_mine_filter_options,
    required_documents,
)
from motcua.dossiers.selectors_store import store_document_get_own, store_reuse_choices
from motcua.dossiers.services import (
    SubmissionIncomplete,
    attachment_remove,
    attachment_reuse,
    attachment_reuse_stored,
    attachment_upload,
    dossier_draft_create,
    dossier_draft_update,
    dossier_submission_problems,
    dossier_submit,
)
from motcua.dossiers.tracking import (
    DossierPlace,
    OwnDossierFilterForm,
    dossier_current_unit,
    dossier_lookup,
    public_events,
)

# --- Submission: online drafts, counter reception, confirmation and downloads ----------------


@login_required
@require_GET
def submission_start(request: HttpRequest, code: str) -> HttpResponse:
    """/thu-tuc/<code>/nop-ho-so/: resume the applicant's draft of this procedure, or start one."""
    procedure = procedure_get_published(code=code)
    draft = dossier_draft_for_procedure(owner=request.user, procedure=procedure)
    if draft is None:
        draft = dossier_draft_create(
            procedure_code=procedure.code, owner=request.user, actor=request.user
        )
    return redirect("dossiers:draft", pk=draft.pk)


@login_required
@require_GET
def draft_list(request: HttpRequest) -> HttpResponse:
    """/ho-so/nhap/: the drafts the user may go on with."""
    return render(
        request, "dossiers/draft_list.html", {"drafts": list(dossier_draft_list(user=request.user))}
    )


@dataclass
class _DraftPage:
    """What the draft page shows besides the dossier: typed values and errors."""

    applicant_form: ApplicantForm
    form_data: dict[str, Any]
    form_errors: dict[str, list[str]] = field(default_factory=dict)
    document_errors: dict[int, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (anchor, message)


def _schema(dossier: Dossier) -> tuple[dict[str, Any], dict[str, Any]]:
    template = getattr(dossier.procedure_version, "form_template", None)
    if template is None:
        return {"type": "object", "properties": {}}, {}
    return template.schema, template.ui


def _show_problems(page: _DraftPage, problems: dict[str, list[str]]) -> None:
    """Put each submission problem next to its field, and all of them in the summary."""
    for key, texts in problems.items():
        section, _dot, name = key.partition(".")
        for message in texts:
            if section == "applicant" and name in page.applicant_form.fields:
                if page.applicant_form.is_bound:
                    page.applicant_form.add_error(name, message)
                anchor = f"id_{APPLICANT_PREFIX}-{name}"
                if name == "commune":
                    anchor += "_province"
            elif section == "form" and name:
                page.form_errors.setdefault(name, []).append(message)
                anchor = f"id_f-{name}"
            elif section == "documents" and name.isdigit():
                page.document_errors.setdefault(int(name), []).append(message)
                anchor = f"document-{name}"
            else:
                page.errors.append(message)
                anchor = "step-documents" if section == "documents" else "draft-form"
            page.summary.append((anchor, message))


def _render_draft(
    request: HttpRequest, dossier: Dossier, page: _DraftPage, *, status: int = 200
) -> HttpResponse:
    schema, ui = _schema(dossier)
    attachments = dossier_attachments(dossier=dossier)
    documents = required_documents(dossier=dossier)
    # The owner's data store (and earlier uploads not in it) for documents that allow reuse.
    reusable = store_reuse_choices(owner=dossier.owner, documents=documents)
    known = {document.pk for document in documents}
    context = {
        "dossier": dossier,
        "version": dossier.procedure_version,
        "applicant_form": page.applicant_form,
        "form_html": form_render(
            schema, ui, data=page.form_data, errors=page.form_errors, prefix=FORM_PREFIX
        ),
        "documents": [
            {
                "document": document,
                "attachments": [a for a in attachments if a.required_document_id == document.pk],
                "errors": page.document_errors.get(document.pk, []),
                "reusable": reusable.get(document.pk),
            }
            for document in documents
        ],
        "other_attachments": [a for a in attachments if a.required_document_id not in known],
        "errors": page.errors,
        "summary": page.summary,
        "accept": ACCEPT,
        "max_file_mb": settings.DOSSIER_MAX_FILE_MB,
        "max_total_mb": settings.DOSSIER_MAX_TOTAL_MB,
        "is_counter": dossier.channel != Channel.ONLINE,
    }
    return render(request, "dossiers/draft.html", context, status=status)


def _draft_page_from(dossier: Dossier) -> _DraftPage:
    return _DraftPage(
        applicant_form=ApplicantForm(
            initial=ApplicantForm.initial_from(dossier), kind=dossier.applicant_kind
        ),
        form_data=dossier.form_data,
    )


@login_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """/ho-so/nhap/<id>/: the applicant, the form and the documents on one page. Every button
    saves what was typed first, then uploads, removes or reuses files; "Xem lại và nộp" goes
    on to the review when nothing is missing."""
    dossier = dossier_draft_get_editable(user=request.user, pk=pk)
    if request.method != "POST":
        return _render_draft(request, dossier, _draft_page_from(dossier))
    schema, _ui = _schema(dossier)
    form_data, form_errors = form_data_from_page(schema, request.POST)
    page = _DraftPage(
        applicant_form=ApplicantForm(request.POST, kind=dossier.applicant_kind),
        form_data=form_data,
    )
    if not page.applicant_form.is_valid() or form_errors:
        _show_problems(page, {f"form.{name}": texts for name, texts in form_errors.items()})
        return _render_draft(request, dossier, page, status=400)
    try:
        dossier_draft_update(
            dossier=dossier,
            actor=request.user,
            form_data=page.form_data,
            expected_version=_int(request.POST.get("expected_version")),
            applicant=page.applicant_form.applicant(),
        )
    except Conflict as error:
        page.errors.append(error.message)
        return _render_draft(request, dossier, page, status=409)
    except InvalidInput as error:
        _show_problems(page, {error.field or "dossier": [error.message]})
        return _render_draft(request, dossier, page, status=400)
    _change_files(request, dossier, page)
    if page.document_errors or page.errors:
        return _render_draft(request, dossier, _keep_typed(dossier, page), status=400)
    if request.POST.get("action") == "review":
        problems = dossier_submission_problems(dossier)
        if problems:
            _show_problems(page, problems)
            return _render_draft(request, dossier, page, status=400)
        return redirect("dossiers:review", pk=dossier.pk)
    messages.success(
        request,
        _("Đã lưu bản nháp lúc %(time)s.") % {"time": timezone.localtime().strftime("%H:%M")},
    )
    return redirect(reverse("dossiers:draft", args=[dossier.pk]) + _anchor(request))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _anchor(request: HttpRequest) -> str:
    # Back to where the person was working: the documents after a file change.
    if request.FILES or "remove" in request.POST or "reuse" in request.POST:
        return "#step-documents"
    return ""


def _keep_typed(dossier: Dossier, page: _DraftPage) -> _DraftPage:
    """After a file error, show the saved draft (what was typed is saved) with the errors."""
    fresh = _draft_page_from(dossier)
    fresh.document_errors, fresh.errors = page.document_errors, page.errors
    fresh.summary = [
        (f"document-{pk}", message)
        for pk, messages_ in page.document_errors.items()
        for message in messages_
    ]
    return fresh


def _change_files(request: HttpRequest, dossier: Dossier, page: _DraftPage) -> None:
    """Uploads (input "doc-<id>", several files each), "remove" and "reuse" buttons."""
    documents = {document.pk: document for document in required_documents(dossier=dossier)}
    digitized = dossier.channel != Channel.ONLINE
    for document_id, document in documents.items():
        for uploaded in request.FILES.getlist(f"doc-{document_id}"):
            try:
                attachment_upload(
                    actor=request.user,
                    uploaded_file=uploaded,
                    required_document=document,
                    dossier=dossier,
                    is_digitized=digitized,
                )
            except DomainError as error:
                page.document_errors.setdefault(document_id, []).append(error.message)
    remove = _int(request.POST.get("remove"))
    if remove > 0:
        attachment = next((a for a in dossier_attachments(dossier=dossier) if a.pk == remove), None)
        if attachment is not None:
            attachment_remove(actor=request.user, attachment=attachment)
    reuse = _int(request.POST.get("reuse"))
    if reuse in documents:
        choice = request.POST.get(f"reuse-{reuse}") or ""
        source_id = _int(choice)
        try:
            if choice.startswith(REUSED_PREFIX):
                attachment_reuse_stored(
                    dossier=dossier,
                    actor=request.user,
                    stored=store_document_get_own(
                        user=dossier.owner, pk=_int(choice.removeprefix(REUSED_PREFIX))
                    ),
                    required_document=documents[reuse],
                )
            elif source_id <= 0:
                raise InvalidInput(_("Hãy chọn một giấy tờ để dùng lại."), field="reuse")
            else:
                attachment_reuse(
                    dossier=dossier,
                    actor=request.user,
                    source=attachment_get_reusable(owner=dossier.owner, pk=source_id),
                    required_document=documents[reuse],
                )
        except DomainError as error:
            page.document_errors.setdefault(reuse, []).append(error.message)


@login_required
@require_POST
def draft_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: save the draft a second after a change; answers the status line (and the new
    version, out of band) or the 409 message when the draft was saved elsewhere."""
    dossier = dossier_draft_get_editable(user=request.user, pk=pk)
    schema, _ui = _schema(dossier)
    applicant_form = ApplicantForm(request.POST, kind=dossier.applicant_kind)
    applicant_form.is_valid()
    # Fields still being typed wrong are left as saved; the rest is kept.
    applicant = {
        name: value
        for name, value in applicant_form.applicant().items()
        if name not in applicant_form.errors and name in applicant_form.cleaned_data
    }
    context: dict[str, Any] = {"dossier": dossier, "skipped": applicant_form.errors}
    status = 200
    try:
        dossier_draft_update(
            dossier=dossier,
            actor=request.user,
            form_data=form_data_from_page(schema, request.POST)[0],
            expected_version=_int(request.POST.get("expected_version")),
            applicant=applicant,
        )
        context["saved_at"] = timezone.localtime()
    except Conflict as error:
        context["error"], status = error.message, 409
    except InvalidInput as error:
        context["error"], status = error.message, 400
    return render(request, "dossiers/_autosave_status.html", context, status=status)


def _review_context(dossier: Dossier) -> dict[str, Any]:
    schema, ui = _schema(dossier)
    attachments = dossier_attachments(dossier=dossier)
    return {
        "dossier": dossier,
        "version": dossier.procedure_version,
        "form_fields": form_fields(schema, ui, data=dossier.form_data),
        "documents": [
            {
                "document": document,
                "attachments": [a for a in attachments if a.required_document_id == document.pk],
            }
            for document in required_documents(dossier=dossier)
        ],
        "problems": [
            message
            for messages_ in dossier_submission_problems(dossier).values()
            for message in messages_
        ],
    }


@login_required
@require_GET
def draft_review(request: HttpRequest, pk: int) -> HttpResponse:
    """/ho-so/nhap/<id>/xem-lai/: everything that will be submitted, read once more."""
    dossier = dossier_draft_get_editable(user=request.user, pk=pk)
    return render(request, "dossiers/review.html", _review_context(dossier))


@login_required
@require_POST
def draft_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit; a second POST (double click, back and resubmit) finds the dossier submitted and
    shows its confirmation instead of making another one."""
    dossier = dossier_list_visible_to(user=request.user).filter(pk=pk).first()
    if dossier is None:
        raise NotFound(_("Không tìm thấy bản nháp này."), field="dossier")
    if dossier.status != Status.DRAFT:
        return redirect("dossiers:confirmation", code=dossier.code)
    try:
        dossier = dossier_submit(dossier=dossier, actor=request.user)
    except SubmissionIncomplete:
        dossier.refresh_from_db()
        return render(request, "dossiers/review.html", _review_context(dossier), status=400)
    except Conflict:
        dossier.refresh_from_db()
        if dossier.code:
            return redirect("dossiers:confirmation", code=dossier.code)
        raise
    return redirect("dossiers:confirmation", code=dossier.code)


@login_required
@require_GET
def confirmation(request: HttpRequest, code: str) -> HttpResponse:
    """/ho-so/<code>/xac-nhan/: the code, the expected appointment date and the PDF."""
    dossier = dossier_get_visible_to(user=request.user, code=code)
    return render(
        request,
        "dossiers/confirmation.html",
        {
            "dossier": dossier,
            "attachments": dossier_attachments(dossier=dossier),
            "lookup_url": f"{reverse('dossiers:lookup')}?{urlencode({'code': dossier.code})}",
        },
    )


@login_required
@require_GET
def acknowledgement(request: HttpRequest, code: str) -> HttpResponse:
    """/ho-so/<code>/giay-xac-nhan.pdf: the acknowledgement, made now from the dossier."""
    dossier = dossier_get_visible_to(user=request.user, code=code)
    response = HttpResponse(acknowledgement_pdf(dossier), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"giay-xac-nhan-{dossier.code}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """/ho-so/tep/<id>/: a file, to its applicant and the staff who may see its dossier only."""
    attachment = attachment_get_visible_to(user=request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise NotFound(_("Tệp không còn trên máy chủ."), field="file") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def counter_new(request: HttpRequest) -> HttpResponse:
    """/can-bo/ho-so/moi/: a receiving officer starts a dossier brought to the desk or sent by
    post, optionally linked to the applicant's account, then fills it in like a draft."""
    procedures = list(counter_procedures(user=request.user))
    if not procedures:
        raise PermissionDenied(
            _("Chỉ cán bộ tiếp nhận (bộ phận một cửa) được nhận hồ sơ trực tiếp."), field="role"
        )
    choices = [
        (procedure.code, f"{procedure.code} – {procedure.current_version.name}")
        for procedure in procedures
    ]
    form = CounterStartForm(request.POST or None, procedures=choices)
    found = None
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = applicant_account_find(user=request.user, identifier=data["account"])
        if data["account"] and found is None:
            form.add_error("account", _("Không tìm thấy tài khoản công dân, tổ chức nào như vậy."))
        elif "find" not in request.POST:
            try:
                dossier = dossier_draft_create(
                    procedure_code=data["procedure"],
                    # Linked unless the officer saw the account found and unticked the box.
                    owner=found if data["link_account"] or "shown" not in request.POST else None,
                    actor=request.user,
                    channel=data["channel"],
                    applicant={"kind": data["kind"]},
                )
            except DomainError as error:
                name = {"procedure_code": "procedure"}.get(error.field or "", error.field)
                form.add_error(name if name in form.fields else None, error.message)
            else:
                return redirect("dossiers:draft", pk=dossier.pk)
    if form.errors:
        status = 400
    return render(
        request, "dossiers/counter_new.html", {"form": form, "found": found}, status=status
    )


# --- Tracking: the public lookup and "Hồ sơ của tôi" ----------------------------------------

MY_DOSSIERS_PAGE_SIZE = 20
_LOOKUP_FIELDS = ("code", "phone", "id_last4")


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """/tra-cuu/: anyone looks a dossier up by code and phone (or ID ending); without
    JavaScript. `?code=` alone (the QR code of the acknowledgement) only fills the code in."""
    values = {name: request.GET.get(name, "")[:200] for name in _LOOKUP_FIELDS}
    context: dict = {"values": values, "errors": {}, "result": None, "problem": None}
    status, retry_after = 200, None
    if "phone" in request.GET or "id_last4" in request.GET:
        try:
            context["result"] = dossier_lookup(**values, client=client_ip(request))
        except InvalidInput as exc:
            status, context["errors"] = 400, {exc.field or "code": exc.message}
        except (NotFound, TooManyRequests) as exc:
            status, context["problem"] = exc.status, exc
            retry_after = getattr(exc, "retry_after", None)
            context["retry_minutes"] = -(-retry_after // 60) if retry_after else None
    response = render(request, "dossiers/tracking/lookup.html", context, status=status)
    # What a lookup shows is for the person who typed the phone number: never cached, indexed.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_GET
def my_dossiers(request: HttpRequest) -> HttpResponse:
    """/ho-so/cua-toi/: the applicant's submitted dossiers, filtered, 20 a page."""
    procedures, years = dossier_mine_filter_options(user=request.user)
    form = OwnDossierFilterForm(request.GET, procedures=procedures, years=years)
    filters = form.filters()
    paginator = Paginator(
        dossier_list_mine(user=request.user, filters=filters), MY_DOSSIERS_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dossiers/tracking/my_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query_string": query.urlencode(),
        },
    )


@login_required
@require_GET
def my_dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    """/ho-so/cua-toi/<code>/: one of the applicant's dossiers, with its history and files:
    those they submitted, and once the result is returned, the files that came with it (the
    officers' inspection minutes stay internal)."""
    dossier = dossier_get_mine(user=request.user, code=code)
    returned = dossier.status == Status.RETURNED
    return render(
        request,
        "dossiers/tracking/my_detail.html",
        {
            "dossier": dossier,
            "current_unit": dossier_current_unit(DossierPlace.of(dossier)),
            "events": public_events(dossier, with_notes=True),
            "attachments": dossier_attachments(dossier=dossier, kinds=[AttachmentKind.DOCUMENT]),
            "result_files": (
                dossier_attachments(dossier=dossier, kinds=[AttachmentKind.RESULT])
                if returned
                else []
            ),
        },
    )
