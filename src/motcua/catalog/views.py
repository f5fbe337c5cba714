"""Public pages of the procedure catalogue: the searchable list and a procedure's page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.catalog.filters import CatalogFilterForm
from motcua.catalog.forms import form_fields
from motcua.catalog.selectors import (
    agency_list_with_procedures,
    field_list,
    online_submission_url,
    procedure_get_published,
    procedure_search,
    required_document_get_template,
)
from motcua.core.errors import NotFound

PAGE_SIZE = 20


@require_GET
def procedure_list(request: HttpRequest, field_code: str | None = None) -> HttpResponse:
    """/thu-tuc/ and /thu-tuc/linh-vuc/<field>/: search, filters and 20 procedures a page."""
    fields = list(field_list())
    data = request.GET.copy()
    current_field = None
    if field_code is not None:
        current_field = next((field for field in fields if field.code == field_code), None)
        if current_field is None:
            raise NotFound(_("Không có lĩnh vực này trong danh mục."), field="field")
        data["field"] = field_code
    form = CatalogFilterForm(data, fields=fields, agencies=list(agency_list_with_procedures()))
    filters = form.filters()
    paginator = Paginator(procedure_search(filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "filters": filters,
        "current_field": current_field,
        "query_string": _query_without_page(request),
    }
    template = "catalog/_results.html" if request.htmx else "catalog/procedure_list.html"
    return render(request, template, context)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Everything a person needs before starting: agency, level, time, fees, documents, form."""
    procedure = procedure_get_published(code=code)
    version = procedure.current_version
    form = getattr(version, "form_template", None)
    return render(
        request,
        "catalog/procedure_detail.html",
        {
            "procedure": procedure,
            "version": version,
            "documents": list(version.documents.all()),
            "fees": list(version.fees.all()),
            "form_fields": form_fields(form.schema, form.ui) if form else [],
            "submit_url": online_submission_url(procedure),
        },
    )


@require_GET
def template_download(request: HttpRequest, code: str, document_id: int) -> FileResponse:
    """A blank form (mẫu đơn, tờ khai) of a published procedure, served through the storage."""
    document = required_document_get_template(code=code, document_id=document_id)
    try:
        handle = document.template.open("rb")
    except OSError:
        raise NotFound(_("Tệp mẫu đơn không còn trên máy chủ."), field="document") from None
    return FileResponse(handle, as_attachment=True, filename=document.template_filename)
