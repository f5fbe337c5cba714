"""Staff pages of internal processes (/can-bo/quy-trinh/...): the list, a procedure's versions,
the draft editor (HTMX: each change answers the editor again) and publication.

Every page works without JavaScript (plain links and forms, answered with a redirect); with
HTMX a change swaps only the editor, the live region announces what happened and the focus
stays on the row just changed, so an officer can edit a whole process from the keyboard.
"""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.accounts.forms import add_domain_error
from motcua.accounts.models import Agency, Unit
from motcua.catalog.models import ProcessDefinition, ProcessStep, StepAction, StepKind
from motcua.catalog.process import (
    STEP_ROLES,
    TransferAdapter,
    process_agencies_for,
    process_definition_create,
    process_definition_get,
    process_definition_has_draft,
    process_definition_in_force,
    process_definition_problem,
    process_definition_publish,
    process_definition_revision,
    process_definitions_by_procedure,
    process_definitions_of,
    process_duration_budget,
    process_procedure_get,
    process_procedures_manageable,
    process_step_delete,
    process_step_get,
    process_step_move,
    process_step_save,
    process_steps_annotated,
)
from motcua.catalog.services import check_can_manage_catalog
from motcua.core.errors import Conflict, DomainError, NotFound

PAGE_SIZE = 20


class ProcessStepForm(forms.Form):
    """One step as the editor shows it; the rules are the service's (catalog/process.py)."""

    name = forms.CharField(label=gettext_lazy("Tên bước"), max_length=255)
    name_en = forms.CharField(label=gettext_lazy("Tên tiếng Anh"), max_length=255, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Loại bước"), choices=StepKind.choices)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị thực hiện"),
        queryset=Unit.objects.none(),
        empty_label=gettext_lazy("— Chọn đơn vị —"),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Vai trò thực hiện"),
        choices=[(role.value, role.label) for role in STEP_ROLES],
    )
    duration = forms.CharField(
        label=gettext_lazy("Thời gian (ngày làm việc)"),
        max_length=10,
        help_text=gettext_lazy("Chính xác đến nửa ngày, ví dụ 2 hoặc 1,5."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
    )
    actions = forms.MultipleChoiceField(
        label=gettext_lazy("Thao tác được phép"),
        choices=StepAction.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    transfer_adapter = forms.ChoiceField(
        label=gettext_lazy("Kênh liên thông"),
        choices=[("", gettext_lazy("Không liên thông")), *TransferAdapter.CHOICES],
        required=False,
        help_text=gettext_lazy("Chỉ dùng cho bước loại “Liên thông cơ quan khác”."),
    )
    transfer_agency = forms.ModelChoiceField(
        label=gettext_lazy("Cơ quan nhận liên thông"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=gettext_lazy("— Không —"),
        help_text=gettext_lazy("Chỉ khi liên thông với cơ quan khác trên hệ thống Motcua."),
    )

    def __init__(self, *args, definition: ProcessDefinition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(
            agency_id=definition.agency_id, is_active=True
        ).select_related("agency")
        self.fields["transfer_agency"].queryset = (
            Agency.objects.filter(is_active=True).exclude(pk=definition.agency_id).order_by("code")
        )

    @classmethod
    def initial_of(cls, step: ProcessStep) -> dict[str, Any]:
        return {
            "name": step.name,
            "name_en": step.name_en,
            "kind": step.kind,
            "unit": step.unit_id,
            "role": step.role,
            "duration": f"{step.duration.normalize():f}".replace(".", ","),
            "actions": step.actions,
            "transfer_adapter": step.transfer_adapter,
            "transfer_agency": step.transfer_agency_id,
        }


class NewProcessForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Cơ quan áp dụng"), queryset=Agency.objects.none(), empty_label=None
    )
    note = forms.CharField(
        label=gettext_lazy("Ghi chú thay đổi"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Ví dụ: rút ngắn thời gian thẩm định theo Quyết định số …"),
    )

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(
            pk__in=[agency.pk for agency in agencies]
        ).order_by("code")


def catalog_manager_required(view):
    """Log in first; then only people who manage some agency's catalogue get through (403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        check_can_manage_catalog(request.user, None)
        return view(request, *args, **kwargs)

    return wrapped


# --- The list and a procedure's versions ------------------------------------------------------


@catalog_manager_required
@require_GET
def process_index(request: HttpRequest) -> HttpResponse:
    """The procedures whose processes the user manages, with their published and draft versions."""
    query = request.GET.get("q", "")[:200]
    paginator = Paginator(process_procedures_manageable(user=request.user, query=query), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    grouped = process_definitions_by_procedure(
        user=request.user, procedure_ids=[procedure.pk for procedure in page.object_list]
    )
    rows = [(procedure, grouped.get(procedure.pk, [])) for procedure in page.object_list]
    return render(
        request,
        "catalog/process/index.html",
        {
            "rows": rows,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query": query,
            "query_string": urlencode({"q": query}) if query else "",
        },
    )


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def process_procedure(request: HttpRequest, code: str) -> HttpResponse:
    """Every version of the procedure's processes, and the form that starts a new draft."""
    procedure = process_procedure_get(user=request.user, code=code)
    agencies = process_agencies_for(user=request.user, procedure=procedure)
    form = NewProcessForm(
        request.POST or None,
        agencies=agencies,
        initial={"agency": agencies[0].pk} if agencies else {},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                definition = process_definition_create(
                    actor=request.user,
                    procedure=procedure,
                    agency=form.cleaned_data["agency"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Đã tạo bản nháp quy trình phiên bản %(number)s.")
                    % {"number": definition.number},
                )
                return redirect("catalog:process-detail", pk=definition.pk)
        else:
            status = 400
    definitions = process_definitions_of(user=request.user, procedure=procedure)
    by_agency: dict[Agency, list[ProcessDefinition]] = {}
    for definition in definitions:
        by_agency.setdefault(definition.agency, []).append(definition)
    return render(
        request,
        "catalog/process/procedure.html",
        {
            "procedure": procedure,
            "version": procedure.current_version,
            "by_agency": by_agency.items(),
            "form": form if agencies else None,
        },
        status=status,
    )


# --- One version: the editor or the read-only view ---------------------------------------------


@catalog_manager_required
@require_GET
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    definition = process_definition_get(user=request.user, pk=pk)
    editing = None
    if definition.is_editable and request.GET.get("buoc", "").isdigit():
        editing = process_step_get(definition=definition, step_id=int(request.GET["buoc"]))
    return _editor(request, definition, editing=editing)


@catalog_manager_required
@require_POST
def process_step_add(request: HttpRequest, pk: int) -> HttpResponse:
    definition = process_definition_get(user=request.user, pk=pk)
    return _save_step(request, definition, step=None)


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def process_step_edit(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    definition = process_definition_get(user=request.user, pk=pk)
    step = process_step_get(definition=definition, step_id=step_id)
    if request.method == "GET":
        return _editor(request, definition, editing=step)
    return _save_step(request, definition, step=step)


@catalog_manager_required
@require_POST
def process_step_remove(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    definition = process_definition_get(user=request.user, pk=pk)
    step = process_step_get(definition=definition, step_id=step_id)
    try:
        process_step_delete(actor=request.user, step=step, expected_revision=_revision(request))
    except DomainError as error:
        return _editor(request, definition, error=error)
    message = _("Đã xóa bước %(position)s “%(name)s”.") % {
        "position": step.position,
        "name": step.name,
    }
    return _done(request, definition, message, focus="steps-heading")


@catalog_manager_required
@require_POST
def process_step_shift(request: HttpRequest, pk: int, step_id: int) -> HttpResponse:
    definition = process_definition_get(user=request.user, pk=pk)
    step = process_step_get(definition=definition, step_id=step_id)
    direction = request.POST.get("direction")
    offset = {"up": -1, "down": 1}.get(direction or "", 0)
    try:
        moved = process_step_move(
            actor=request.user, step=step, offset=offset, expected_revision=_revision(request)
        )
    except DomainError as error:
        return _editor(request, definition, error=error)
    message = _("Đã chuyển bước “%(name)s” tới vị trí %(position)s.") % {
        "name": moved.name,
        "position": moved.position,
    }
    return _done(request, definition, message, focus=f"{direction}-{moved.pk}")


@catalog_manager_required
@require_http_methods(["GET", "POST"])
def process_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (what will be published, what it replaces), then publication."""
    definition = process_definition_get(user=request.user, pk=pk)
    error = None
    if request.method == "POST" and definition.is_editable:
        try:
            process_definition_publish(
                actor=request.user, definition=definition, expected_revision=_revision(request)
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request,
                _(
                    "Đã công bố quy trình phiên bản %(number)s: hồ sơ tiếp nhận từ bây giờ "
                    "được xử lý theo quy trình này."
                )
                % {"number": definition.number},
            )
            return redirect("catalog:process-detail", pk=definition.pk)
    if not definition.is_editable:
        return redirect("catalog:process-detail", pk=definition.pk)
    steps = process_steps_annotated(definition=definition, with_holders=True)
    return render(
        request,
        "catalog/process/publish.html",
        {
            "definition": definition,
            "steps": steps,
            "budget": process_duration_budget(definition=definition, steps=steps),
            "problem": error or process_definition_problem(definition=definition, steps=steps),
            "revision": process_definition_revision(steps=steps),
            "current": process_definition_in_force(definition=definition),
        },
        status=error.status if error else 200,
    )


# --- Helpers ------------------------------------------------------------------------------------


def _revision(request: HttpRequest) -> str:
    # An empty revision (a hand-made request) must not skip the check: it simply never matches.
    return request.POST.get("revision", "")[:64]


def _save_step(
    request: HttpRequest, definition: ProcessDefinition, *, step: ProcessStep | None
) -> HttpResponse:
    form = ProcessStepForm(request.POST, definition=definition)
    if form.is_valid():
        try:
            saved = process_step_save(
                actor=request.user,
                definition=definition,
                step=step,
                expected_revision=_revision(request),
                **form.cleaned_data,
            )
        except Conflict as error:
            # Keep what the person typed: shown over the current list, it can be sent again.
            if step is not None:
                try:
                    step = process_step_get(definition=definition, step_id=step.pk)
                except NotFound:
                    step = None
            return _editor(request, definition, form=form, editing=step, error=error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if step is None:
                message = _("Đã thêm bước %(position)s “%(name)s”.")
            else:
                message = _("Đã lưu bước %(position)s “%(name)s”.")
            message %= {"position": saved.position, "name": saved.name}
            return _done(request, definition, message, focus=f"edit-{saved.pk}")
    return _editor(request, definition, form=form, editing=step, status=400)


def _done(
    request: HttpRequest, definition: ProcessDefinition, message: str, *, focus: str
) -> HttpResponse:
    if request.htmx:
        return _editor(request, definition, status_message=message, focus=focus)
    messages.success(request, message)
    return redirect("catalog:process-detail", pk=definition.pk)


def _editor(
    request: HttpRequest,
    definition: ProcessDefinition,
    *,
    form: ProcessStepForm | None = None,
    editing: ProcessStep | None = None,
    error: DomainError | None = None,
    status_message: str = "",
    focus: str = "",
    status: int = 200,
) -> HttpResponse:
    """The page of one version, or (HTMX) only its editor: HTMX swaps 2xx answers only, so a
    refused change answers 200 with the errors shown in place."""
    definition.refresh_from_db(fields=["status", "published_at"])
    steps = process_steps_annotated(definition=definition, with_holders=True)
    for step in steps:
        step.focus = next(
            (kind for kind in ("edit", "up", "down") if focus == f"{kind}-{step.pk}"), ""
        )
        # A step moved to an end has lost that button: keep the focus on its row.
        if (step.focus == "up" and step.position == 1) or (
            step.focus == "down" and step.position == len(steps)
        ):
            step.focus = "edit"
    if definition.is_editable and form is None:
        form = ProcessStepForm(
            definition=definition,
            initial=ProcessStepForm.initial_of(editing) if editing else {"kind": StepKind.HANDLE},
        )
    if error is not None and not focus:
        focus = "editor-error"
    elif form is not None and form.errors:
        focus = "step-form-errors"
    elif editing is not None and form is not None and not focus:
        form.fields["name"].widget.attrs["autofocus"] = True
    context = {
        "definition": definition,
        "procedure": definition.procedure,
        "steps": steps,
        "budget": process_duration_budget(definition=definition, steps=steps),
        "problem": (
            process_definition_problem(definition=definition, steps=steps)
            if definition.is_editable
            else None
        ),
        "revision": process_definition_revision(steps=steps),
        "form": form if definition.is_editable else None,
        "editing": editing,
        "error": error,
        "status_message": status_message,
        "focus": focus,
        "form_action": (
            reverse("catalog:process-step", args=[definition.pk, editing.pk])
            if editing is not None
            else reverse("catalog:process-step-add", args=[definition.pk])
        ),
        "has_draft": process_definition_has_draft(definition=definition),
    }
    if error is not None and not request.htmx:
        status = error.status
    elif request.htmx:
        status = 200
    template = "catalog/process/_editor.html" if request.htmx else "catalog/process/detail.html"
    return render(request, template, context, status=status)
