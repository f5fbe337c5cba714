"""Pages and downloads of the legal forms (01-04), the process control sheet and the dossier
register (form 06), for officers and for applicants (their own dossiers' forms only)."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.core.errors import InvalidInput, NotFound
from motcua.dossiers.forms_pdf import (
    LEGAL_FORMS,
    control_sheet_pdf,
    legal_form_pdf,
    register_pdf,
)
from motcua.dossiers.models import Dossier
from motcua.dossiers.registers import (
    REGISTER_PAGE_SIZE,
    REGISTER_PDF_MAX_ROWS,
    REGISTER_XLSX_MAX_ROWS,
    XLSX_CONTENT_TYPE,
    RegisterFilterForm,
    control_sheet_rows,
    control_sheet_xlsx,
    dossier_get_for_staff,
    register_dossiers,
    register_rows,
    register_xlsx,
)
from motcua.dossiers.selectors import dossier_get_mine

# The slug of each form in its file name.
_FORM_FILES = {
    "01": "giay-tiep-nhan",
    "02": "phieu-yeu-cau-bo-sung",
    "03": "phieu-tu-choi",
    "04": "phieu-xin-loi",
}


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _xlsx(write, filename: str) -> FileResponse:
    # Written to a temporary file, then streamed from it: a long register never sits in memory.
    # FileResponse closes (and so deletes) the file once it is sent.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    write(out)
    out.seek(0)
    response = FileResponse(
        out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _supplement_number(request: HttpRequest) -> int | None:
    value = request.GET.get("lan", "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 4:
        raise InvalidInput(_("Số lần yêu cầu bổ sung phải là một số nguyên dương."), field="lan")
    return int(value)


def _form(request: HttpRequest, dossier: Dossier, form: str) -> HttpResponse:
    if form not in LEGAL_FORMS:
        raise NotFound(_("Không có mẫu phiếu này."), field="form")
    number = _supplement_number(request) if form == "02" else None
    content = legal_form_pdf(dossier=dossier, form=form, number=number)
    return _pdf(content, f"{_FORM_FILES[form]}-{dossier.code}.pdf")


@login_required
@require_GET
def staff_form(request: HttpRequest, code: str, form: str) -> HttpResponse:
    """/can-bo/ho-so/<code>/phieu/<01..04>.pdf (02 takes ?lan=<number>)."""
    return _form(request, dossier_get_for_staff(user=request.user, code=code), form)


@login_required
@require_GET
def my_form(request: HttpRequest, code: str, form: str) -> HttpResponse:
    """/ho-so/cua-toi/<code>/phieu/<01..04>.pdf: the applicant's own dossier's forms."""
    return _form(request, dossier_get_mine(user=request.user, code=code), form)


@login_required
@require_GET
def control_sheet(request: HttpRequest, code: str, extension: str) -> HttpResponse:
    """/can-bo/ho-so/<code>/phieu-kiem-soat.pdf and .xlsx."""
    dossier = dossier_get_for_staff(user=request.user, code=code)
    filename = f"phieu-kiem-soat-{dossier.code}.{extension}"
    if extension == "pdf":
        return _pdf(control_sheet_pdf(dossier), filename)
    rows = control_sheet_rows(dossier=dossier)
    return _xlsx(lambda out: control_sheet_xlsx(dossier=dossier, rows=rows, out=out), filename)


@login_required
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    """/can-bo/so-theo-doi/: form 06 of an agency for a period, 50 rows a page; `?format=pdf`
    (up to REGISTER_PDF_MAX_ROWS rows) or `?format=xlsx` for the whole period."""
    output = request.GET.get("format", "")
    if output not in ("", "html", "pdf", "xlsx"):
        raise InvalidInput(_("Định dạng tải về phải là pdf hoặc xlsx."), field="format")
    form = RegisterFilterForm(request.GET, user=request.user)
    filters = form.filters()
    dossiers = register_dossiers(user=request.user, filters=filters)
    period = f"{filters.agency.code}-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}"
    if output == "pdf":
        rows = list(register_rows(dossiers[: REGISTER_PDF_MAX_ROWS + 1]))
        if len(rows) > REGISTER_PDF_MAX_ROWS:
            raise InvalidInput(
                _(
                    "Bản PDF chỉ in tối đa %(limit)s hồ sơ. Hãy thu hẹp khoảng ngày hoặc chọn "
                    "thủ tục, trạng thái, hoặc tải tệp Excel."
                )
                % {"limit": REGISTER_PDF_MAX_ROWS},
                field="date_to",
            )
        return _pdf(register_pdf(filters=filters, rows=rows), f"so-theo-doi-{period}.pdf")
    if output == "xlsx":
        if dossiers[REGISTER_XLSX_MAX_ROWS : REGISTER_XLSX_MAX_ROWS + 1].exists():
            raise InvalidInput(
                _("Tệp Excel chỉ chứa tối đa %(limit)s hồ sơ. Hãy thu hẹp khoảng ngày.")
                % {"limit": REGISTER_XLSX_MAX_ROWS},
                field="date_to",
            )
        return _xlsx(
            lambda out: register_xlsx(filters=filters, dossiers=dossiers, out=out),
            f"so-theo-doi-{period}.xlsx",
        )
    paginator = Paginator(dossiers, REGISTER_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in ("page", "format"):
        query.pop(name, None)
    return render(
        request,
        "dossiers/registers/register.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "rows": list(register_rows(page.object_list, start=page.start_index())),
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query_string": query.urlencode(),
            "too_many_for_pdf": paginator.count > REGISTER_PDF_MAX_ROWS,
            "too_many_for_xlsx": paginator.count > REGISTER_XLSX_MAX_ROWS,
            "pdf_limit": REGISTER_PDF_MAX_ROWS,
            "xlsx_limit": REGISTER_XLSX_MAX_ROWS,
        },
    )
