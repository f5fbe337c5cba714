"""Pages of the staff workspace: the home lists, the search with bulk assignment, the dossier page
and its actions (posted with HTMX, or as plain forms without JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from motcua.accounts.selectors import is_staff_user
from motcua.catalog.forms import form_fields
from motcua.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from motcua.dossiers.backoffice import (
    ACTIONS,
    actions_available,
    dossier_act,
    dossier_assign_bulk,
)
from motcua.dossiers.codes import normalize_code
from motcua.dossiers.files import ACCEPT
from motcua.dossiers.models import ReturnMethod, Status
from motcua.dossiers.services import attachment_upload
from motcua.dossiers.workspace import (
    MAX_QUERY_LENGTH,
    CappedPaginator,
    DossierFile,
    WorkspaceFilters,
    bulk_assignee_choices,
    consultation_unit_choices,
    consultations_to_answer,
    deadline_marks,
    dossier_list_for_staff,
    dossier_search,
    search_assignee_choices,
    search_procedure_choices,
    search_unit_choices,
    staff_holdings,
    step_holders,
    workspace_dossier,
    workspace_dossier_get,
    workspace_overview,
)

SEARCH_PAGE_SIZE = 25
SUPPLEMENT_ROWS = 3
BULK_LIMIT = 200


def staff_required(view):
    """Log in first; then only staff get through (403 for applicants)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff_user(request.user):
            raise PermissionDenied(_("Trang này chỉ dành cho cán bộ."), field="user")
        return view(request, *args, **kwargs)

    return wrapped


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Home ------------------------------------------------------------------------------------


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """/can-bo/ban-lam-viec/: what waits for the officer, most urgent first."""
    overview = workspace_overview(user=request.user)
    return render(
        request,
        "dossiers/workspace/home.html",
        {
            "sections": overview.sections,
            "holding_desk": overview.holdings.at_desk,
            "holding_head": overview.holdings.heads_unit,
        },
    )


# --- Search and bulk assignment --------------------------------------------------------------


def _everything() -> list[tuple[str, str]]:
    return [("", _("Tất cả"))]


class WorkspaceFilterForm(forms.Form):
    """The search text and the select filters (rendered by includes/search_filters.html); a
    field with an error is ignored and shown."""

    q = forms.CharField(
        label=gettext_lazy("Mã hồ sơ hoặc tên người nộp"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
    )
    procedure = forms.ChoiceField(label=gettext_lazy("Thủ tục"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Trạng thái"), required=False)
    overdue = forms.ChoiceField(label=gettext_lazy("Thời hạn"), required=False)
    unit = forms.ChoiceField(label=gettext_lazy("Đơn vị đang giữ"), required=False)
    assignee = forms.ChoiceField(label=gettext_lazy("Cán bộ xử lý"), required=False)

    def __init__(self, data, *, user):
        procedures = search_procedure_choices(user=user)
        wanted = (data or {}).get("procedure", "")
        if wanted and not str(wanted).isdigit():
            # Links from the statistics name the procedure by its national code.
            data = data.copy()
            data["procedure"] = str(
                next((pk for pk, label in procedures if label.startswith(f"{wanted} ")), wanted)
            )
        super().__init__(data)
        self.fields["procedure"].choices = _everything() + procedures
        self.fields["status"].choices = _everything() + [
            (value, label) for value, label in Status.choices if value != Status.DRAFT
        ]
        self.fields["overdue"].choices = [*_everything(), ("1", _("Chỉ hồ sơ quá hạn"))]
        self.fields["unit"].choices = _everything() + search_unit_choices(user=user)
        self.fields["assignee"].choices = [
            *_everything(),
            ("none", _("Chưa phân công")),
            *search_assignee_choices(user=user),
        ]
        for name in ("procedure", "status", "overdue", "unit", "assignee"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "Giá trị đã chọn không hợp lệ, bộ lọc này được bỏ qua."
            )
        self.fields["q"].error_messages["max_length"] = _(
            "Từ khóa tìm kiếm không được dài quá %(limit_value)d ký tự."
        )


class ReceivedRangeForm(forms.Form):
    received_from = forms.DateField(
        label=gettext_lazy("Tiếp nhận từ ngày"),
        required=False,
        error_messages={"invalid": gettext_lazy("Ngày không hợp lệ (ngày/tháng/năm).")},
    )
    received_to = forms.DateField(
        label=gettext_lazy("Đến ngày"),
        required=False,
        error_messages={"invalid": gettext_lazy("Ngày không hợp lệ (ngày/tháng/năm).")},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", _("Ngày kết thúc phải bằng hoặc sau ngày bắt đầu."))
        return data


def _number(value: Any) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _filters(form: WorkspaceFilterForm, dates: ReceivedRangeForm) -> WorkspaceFilters:
    form.is_valid()
    dates.is_valid()
    values, days = form.cleaned_data, dates.cleaned_data
    return WorkspaceFilters(
        query=values.get("q") or "",
        procedure=_number(values.get("procedure")),
        status=values.get("status") or "",
        overdue=values.get("overdue") == "1",
        unit=_number(values.get("unit")),
        assignee=_number(values.get("assignee")),
        unassigned=values.get("assignee") == "none",
        received_from=days.get("received_from"),
        received_to=days.get("received_to"),
    )


@dataclass
class BulkForm:
    """The bulk assignment under the results: chosen codes, whom, and what went wrong."""

    choices: list[tuple[int, str]]
    chosen: set[str] = field(default_factory=set)
    assignee: str = ""
    errors: dict[str, str] = field(default_factory=dict)


@staff_required
def search(request: HttpRequest) -> HttpResponse:
    """/can-bo/ho-so/: search and filters (GET); unit heads assign the ticked dossiers (POST,
    to the same address so that the filters stay)."""
    holdings = staff_holdings(user=request.user)
    bulk = (
        BulkForm(choices=bulk_assignee_choices(holdings=holdings)) if holdings.can_assign else None
    )
    status = 200
    if request.method == "POST":
        if bulk is None:
            raise PermissionDenied(
                _("Chỉ lãnh đạo đơn vị hoặc lãnh đạo cơ quan mới phân công được."), field="action"
            )
        done = _bulk_assign(request, bulk)
        if done:
            return redirect(request.get_full_path())
        status = 400
    elif request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    form = WorkspaceFilterForm(request.GET, user=request.user)
    dates = ReceivedRangeForm(request.GET)
    filters = _filters(form, dates)
    paginator = CappedPaginator(
        dossier_search(user=request.user, filters=filters), SEARCH_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = deadline_marks().mark(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dossiers/workspace/search.html",
        {
            "form": form,
            "dates": dates,
            "page": page,
            "rows": rows,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query_string": query.urlencode(),
            "searched": any(value for value in request.GET.values()),
            "capped": paginator.capped,
            "count_limit": paginator.limit,
            "bulk": bulk,
            "search_maxlength": MAX_QUERY_LENGTH,
        },
        status=status,
    )


def _bulk_assign(request: HttpRequest, bulk: BulkForm) -> bool:
    """Assign the ticked dossiers; False (errors in `bulk`) when the form itself is wrong."""
    codes = list(
        dict.fromkeys(
            normalize_code(code)[:40] for code in request.POST.getlist("codes") if code.strip()
        )
    )
    bulk.chosen = set(codes)
    bulk.assignee = request.POST.get("assignee", "")[:20]
    if not codes:
        bulk.errors["codes"] = _("Hãy đánh dấu ít nhất một hồ sơ để phân công.")
    elif len(codes) > BULK_LIMIT:
        bulk.errors["codes"] = _("Mỗi lần phân công tối đa %(limit)s hồ sơ.") % {
            "limit": BULK_LIMIT
        }
    if bulk.assignee != "auto" and _number(bulk.assignee) not in dict(bulk.choices):
        bulk.errors["assignee"] = _("Hãy chọn cán bộ xử lý hoặc “Tự động (ít việc nhất)”.")
    if bulk.errors:
        return False
    # Codes outside the officer's agencies are answered like codes that do not exist.
    visible = set(
        dossier_list_for_staff(user=request.user)
        .filter(code__in=codes)
        .values_list("code", flat=True)
    )
    results = dossier_assign_bulk(
        actor=request.user,
        codes=[code for code in codes if code in visible],
        assignee=bulk.assignee,
    )
    for code in codes:
        if code not in visible:
            results[code] = _("Không tìm thấy hồ sơ có mã này.")
    done = [code for code in codes if results.get(code) is None]
    if done:
        messages.success(
            request,
            ngettext("Đã phân công %(count)d hồ sơ.", "Đã phân công %(count)d hồ sơ.", len(done))
            % {"count": len(done)},
        )
    for code in codes:
        if results.get(code):
            messages.error(
                request,
                _("Hồ sơ %(code)s chưa được phân công: %(reason)s")
                % {"code": code, "reason": results[code]},
            )
    return True


# --- The dossier page and its actions --------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One input of an action form; `name` is the payload key the engine names in its errors."""

    name: str
    label: Any
    kind: str = "text"  # text, textarea, select, number, date, file, files, items
    required: bool = False
    help: Any = ""
    choices: tuple[tuple[Any, Any], ...] = ()
    initial: str = ""


def _reasons_input(label) -> Input:
    return Input(
        "reasons", label, "textarea", required=True, help=gettext_lazy("Mỗi lý do một dòng.")
    )


def _inputs_for(action: str, file: DossierFile, user) -> list[Input]:
    """The inputs the engine's action reads (backoffice.py), with their choices."""
    dossier = file.dossier
    if action in ("receive",):
        return []
    if action in ("refuse", "stop"):
        return [
            _reasons_input(
                _("Lý do từ chối tiếp nhận") if action == "refuse" else _("Lý do dừng xử lý")
            )
        ]
    if action == "request_supplement":
        return [
            Input("items", _("Giấy tờ cần bổ sung, hoàn thiện"), "items", required=True),
            Input("note", _("Hướng dẫn thêm cho người nộp"), "textarea"),
        ]
    if action == "assign":
        holders = tuple(step_holders(dossier=dossier))
        return [
            Input(
                "assignee",
                _("Cán bộ xử lý"),
                "select",
                required=True,
                choices=(("auto", _("Tự động (ít việc nhất)")), *holders),
                initial="auto",
            )
        ]
    if action in ("forward", "transfer"):
        return [Input("note", _("Ý kiến, ghi chú (nếu có)"))]
    if action == "return_to_step":
        current = dossier.current_step.position if dossier.current_step else 0
        earlier = tuple(
            (step.position, f"{step.position}. {step.display_name}")
            for step in file.steps
            if step.position < current
        )
        return [
            Input(
                "step",
                _("Trả về bước"),
                "select",
                required=True,
                choices=earlier,
                initial=str(earlier[-1][0]) if earlier else "",
            ),
            Input("reason", _("Lý do trả lại"), "textarea", required=True),
        ]
    if action == "consult":
        return [
            Input(
                "unit",
                _("Đơn vị được xin ý kiến"),
                "select",
                required=True,
                choices=(
                    ("", _("— Chọn đơn vị —")),
                    *consultation_unit_choices(user=user, dossier=dossier),
                ),
            ),
            Input("question", _("Nội dung xin ý kiến"), "textarea", required=True),
            Input(
                "days",
                _("Thời hạn trả lời (ngày làm việc)"),
                "number",
                initial=str(settings.CONSULTATION_DEFAULT_DAYS),
            ),
        ]
    if action == "answer_consultation":
        return [
            Input(
                "consultation",
                _("Yêu cầu xin ý kiến"),
                "select",
                required=True,
                choices=tuple(
                    (item.pk, item.question[:80]) for item in consultations_to_answer(file=file)
                ),
            ),
            Input("answer", _("Ý kiến trả lời"), "textarea", required=True),
        ]
    if action == "inspect":
        return [
            Input("findings", _("Kết quả kiểm tra thực địa"), "textarea", required=True),
            Input(
                "date",
                _("Ngày kiểm tra"),
                "date",
                required=True,
                initial=timezone.localdate().isoformat(),
            ),
            Input("inspection_file", _("Biên bản kiểm tra (nếu có)"), "file"),
        ]
    if action == "pause":
        return [
            Input("amount", _("Số tiền phải nộp (đồng)"), "number", required=True),
            Input("notice_number", _("Số thông báo")),
            Input("issuer", _("Cơ quan thông báo"), initial=_("Cơ quan thuế")),
        ]
    if action == "resume":
        return [Input("payment_ref", _("Chứng từ nộp tiền (nếu có)"))]
    if action == "withdraw":
        return [
            Input(
                "reason",
                _("Lý do rút hồ sơ (theo đề nghị của người nộp)"),
                "textarea",
                required=True,
            )
        ]
    if action == "supplement":
        return [
            Input("note", _("Nội dung người nộp đã bổ sung"), "textarea"),
            Input("supplement_files", _("Giấy tờ bổ sung (tệp quét)"), "files"),
        ]
    if action == "finish":
        return [
            Input("result_summary", _("Kết quả giải quyết"), required=True),
            Input("result_file", _("Tệp kết quả (nếu có)"), "file"),
        ]
    if action == "return_result":
        return [
            Input(
                "method",
                _("Hình thức trả kết quả"),
                "select",
                required=True,
                choices=tuple(ReturnMethod.choices),
                initial=ReturnMethod.COUNTER,
            ),
            Input("note", _("Ghi chú (nếu có)")),
        ]
    if action == "apologize":
        return [
            Input("reason", _("Lý do chậm trả kết quả"), "textarea", required=True),
            Input("new_appointment_at", _("Ngày hẹn trả mới"), "date", required=True),
        ]
    return [Input("note", _("Ghi chú (nếu có)"))]


@dataclass
class Failed:
    """An action that was refused: what was typed and the engine's error, to show again."""

    action: str
    error: DomainError
    posted: QueryDict
    row_of: list[int] = field(default_factory=list)  # payload item index -> form row


def _supplement_rows(posted: QueryDict | None) -> list[dict[str, str]]:
    documents = posted.getlist("item_document") if posted else []
    names = posted.getlist("item_name") if posted else []
    reasons = posted.getlist("item_reason") if posted else []
    count = max(SUPPLEMENT_ROWS, len(documents), len(names), len(reasons))

    def at(values: list[str], index: int) -> str:
        return values[index].strip() if index < len(values) else ""

    return [
        {"document": at(documents, i), "name": at(names, i), "reason": at(reasons, i)}
        for i in range(min(count, 50))
    ]


def _items(posted: QueryDict) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled rows of the supplement form (document, or a name, and a reason) and, for
    each, its row on the form (the engine names errors by item index)."""
    items, row_of = [], []
    for index, row in enumerate(_supplement_rows(posted)):
        if not any(row.values()):
            continue
        items.append(
            {"document_id": row["document"] or None, "name": row["name"], "reason": row["reason"]}
        )
        row_of.append(index)
    return items, row_of


def _payload(request: HttpRequest, inputs: list[Input]) -> tuple[dict[str, Any], list[int]]:
    payload: dict[str, Any] = {}
    row_of: list[int] = []
    attachment_ids: list[int] = []
    for item in inputs:
        if item.kind == "items":
            payload["items"], row_of = _items(request.POST)
        elif item.kind in ("file", "files"):
            for uploaded in request.FILES.getlist(item.name)[:10]:
                try:
                    attachment = attachment_upload(actor=request.user, uploaded_file=uploaded)
                except DomainError as error:
                    raise InvalidInput(error.message, field=item.name) from None
                attachment_ids.append(attachment.pk)
        else:
            payload[item.name] = request.POST.get(item.name, "")
    if attachment_ids:
        payload["attachment_ids"] = attachment_ids
    return payload, row_of


def _error_key(failed: Failed, inputs: list[Input]) -> str | None:
    """Which input of the form an engine error field names: "items.2.reason" is the reason of
    the form row that became item 2; a list's element ("reasons.0") is the list's input."""
    name = failed.error.field or ""
    names = {item.name for item in inputs}
    if name in names:
        return name
    head, _dot, rest = name.partition(".")
    if head == "items" and "items" in names:
        index, _dot, part = rest.partition(".")
        if index.isdigit() and part in ("document_id", "name", "reason"):
            row = int(index)
            row = failed.row_of[row] if row < len(failed.row_of) else row
            return f"items.{row}.{'document' if part == 'document_id' else part}"
        return "items"
    if head == "attachment_ids":
        return next((item.name for item in inputs if item.kind in ("file", "files")), None)
    return head if head in names else None


@dataclass
class BoundInput:
    input: Input
    html_id: str
    value: str
    error: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ActionForm:
    name: str
    label: Any
    url: str
    one_click: bool
    inputs: list[BoundInput]
    error: str = ""
    failed: bool = False
    multipart: bool = False
    documents: list = field(default_factory=list)

    @property
    def html_id(self) -> str:
        return f"act-{self.name}"


def _action_form(
    request: HttpRequest, spec, file: DossierFile, failed: Failed | None
) -> ActionForm:
    inputs = _inputs_for(spec.name, file, request.user)
    mine = failed if failed is not None and failed.action == spec.name else None
    key = _error_key(mine, inputs) if mine else None
    posted = mine.posted if mine else None
    prefix = f"act-{spec.name}"
    bound = []
    for item in inputs:
        value = posted.get(item.name, "") if posted is not None else item.initial
        error = mine.error.message if mine and key == item.name else ""
        rows = []
        if item.kind == "items":
            for index, row in enumerate(_supplement_rows(posted)):
                row_errors = {
                    part: mine.error.message
                    for part in ("document", "name", "reason")
                    if mine and key == f"items.{index}.{part}"
                }
                rows.append({"index": index, **row, "errors": row_errors})
        bound.append(
            BoundInput(
                input=item, html_id=f"{prefix}-{item.name}", value=value, error=error, rows=rows
            )
        )
    return ActionForm(
        name=spec.name,
        label=spec.label,
        url=reverse("dossiers:workspace-action", args=[file.dossier.code, spec.name]),
        one_click=not inputs,
        inputs=bound,
        error=mine.error.message if mine and key is None else "",
        failed=mine is not None,
        multipart=any(item.kind in ("file", "files") for item in inputs),
        documents=file.documents,
    )


def _legal_forms(file: DossierFile) -> list[tuple[str, str]]:
    """Links to the forms and the control sheet that apply to the dossier now."""
    dossier = file.dossier

    def form(number: str) -> str:
        return reverse("dossiers:staff-form", kwargs={"code": dossier.code, "form": number})

    links = []
    if dossier.received_at:
        links.append((_("Mẫu 01 – Giấy tiếp nhận hồ sơ và hẹn trả kết quả"), form("01")))
    for request in file.supplement_requests:
        links.append(
            (
                _("Mẫu 02 – Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (lần %(number)s)")
                % {"number": request.number},
                f"{form('02')}?lan={request.number}",
            )
        )
    if dossier.status == Status.REFUSED:
        links.append((_("Mẫu 03 – Phiếu từ chối tiếp nhận giải quyết hồ sơ"), form("03")))
    if file.apology is not None:
        links.append((_("Mẫu 04 – Phiếu xin lỗi và hẹn lại ngày trả kết quả"), form("04")))
    if file.handlings:
        links.append(
            (
                _("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
                reverse(
                    "dossiers:control-sheet", kwargs={"code": dossier.code, "extension": "pdf"}
                ),
            )
        )
    return links


def _form_fields(file: DossierFile) -> list:
    template = getattr(file.dossier.procedure_version, "form_template", None)
    if template is None:
        return []
    return form_fields(template.schema, template.ui, data=file.dossier.form_data)


def _render_dossier(
    request: HttpRequest,
    code: str,
    *,
    status: int = 200,
    failed: Failed | None = None,
    notice: tuple[str, str] | None = None,
) -> HttpResponse:
    file = workspace_dossier(user=request.user, code=code)
    forms_ = [
        _action_form(request, spec, file, failed)
        for spec in actions_available(dossier=file.dossier, user=request.user)
        # The desk records a supplement or a withdrawal for the applicant; rating is theirs.
        if spec.name != "rate"
    ]
    if failed is not None and all(form.name != failed.action for form in forms_):
        # Refused for an action the page does not offer (any more): say why on top.
        notice = ("error", failed.error.message)
    context = {
        "file": file,
        "dossier": file.dossier,
        "action_forms": forms_,
        "legal_forms": _legal_forms(file),
        "form_fields": _form_fields(file),
        "notice": notice,
        "accept": ACCEPT,
    }
    template = (
        "dossiers/workspace/_dossier_body.html"
        if _is_htmx(request)
        else "dossiers/workspace/dossier.html"
    )
    return render(request, template, context, status=status)


@staff_required
def dossier_page(request: HttpRequest, code: str) -> HttpResponse:
    """/can-bo/ho-so/<code>/: everything about a dossier and the actions allowed now."""
    return _render_dossier(request, code)


def _version(value: str | None) -> int:
    if value is None or not value.strip().isdigit():
        raise InvalidInput(
            _("Thiếu phiên bản hồ sơ đang xem: vui lòng tải lại trang."), field="version"
        )
    return int(value)


@staff_required
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """POST /can-bo/ho-so/<code>/thao-tac/<action>/: one action with the version the officer
    saw. Errors come back on the page next to the field they name; a stale version (409) shows
    the fresh state."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    dossier = workspace_dossier_get(user=request.user, code=code)
    spec = ACTIONS.get(action)
    row_of: list[int] = []
    try:
        version = _version(request.POST.get("version"))
        if spec is None:
            raise InvalidInput(_("Thao tác không hợp lệ."), code="unknown_action", field="action")
        file = workspace_dossier(user=request.user, code=dossier.code)
        payload, row_of = _payload(request, _inputs_for(action, file, request.user))
        dossier_act(
            actor=request.user,
            dossier=dossier.code,
            action=action,
            payload=payload,
            version=version,
        )
    except Conflict as error:
        message = (
            _(
                "Hồ sơ vừa được người khác xử lý. Trang đã được cập nhật theo tình trạng mới "
                "nhất: vui lòng xem lại trước khi thao tác."
            )
            if error.code == "stale_version"
            else error.message
        )
        return _render_dossier(request, dossier.code, status=409, notice=("error", message))
    except DomainError as error:
        failed = Failed(action=action, error=error, posted=request.POST, row_of=row_of)
        return _render_dossier(request, dossier.code, status=error.status, failed=failed)
    done = _("Đã thực hiện “%(action)s” cho hồ sơ %(code)s.") % {
        "action": spec.label,
        "code": dossier.code,
    }
    if _is_htmx(request):
        return _render_dossier(request, dossier.code, notice=("success", done))
    messages.success(request, done)
    return redirect("dossiers:workspace-dossier", code=dossier.code)
