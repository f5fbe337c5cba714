"""API of the procedure catalogue: search published procedures, read one in full, and read the
internal process that its dossiers follow."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field as SchemaField

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.process import (
    process_duration_budget,
    process_published_for,
    process_steps_annotated,
)
from motcua.catalog.selectors import (
    CatalogFilters,
    procedure_get_published,
    procedure_search,
)
from motcua.core.errors import InvalidInput
from motcua.core.schemas import ErrorSchema

router = Router(tags=["catalog"])
PAGE_SIZE = 20


class NamedRef(Schema):
    code: str
    name: str
    name_en: str


class ProcedureSummary(Schema):
    code: str
    name: str
    name_en: str
    field: NamedRef
    agency: NamedRef
    agency_level: str
    service_level: int = SchemaField(description="Mức độ 1–4 (Nghị định 43/2011).")
    online_scope: str = SchemaField(description="full (toàn trình), partial (một phần) hoặc none.")
    processing_time: float = SchemaField(description="Thời hạn giải quyết, chính xác nửa ngày.")
    processing_time_unit: str = SchemaField(description="working_days hoặc calendar_days.")
    processing_time_text: str
    allows_online: bool
    url: str


class ProcedurePage(Schema):
    items: list[ProcedureSummary]
    count: int
    page: int
    pages: int
    page_size: int


class DocumentOut(Schema):
    id: int
    name: str
    name_en: str
    originals: int
    copies: int
    is_required: bool
    reusable_from_data_store: bool
    template_url: str | None
    note: str


class FeeOut(Schema):
    name: str
    name_en: str
    amount: int | None = SchemaField(description="Mức thu (đồng); null khi do HĐND tỉnh quy định.")
    unit: str
    quantity_field: str
    note: str


class ProcedureDetail(ProcedureSummary):
    version: int
    published_at: datetime | None
    processing_time_note: str
    legal_basis: str
    result_type: str
    channels: list[str]
    applicant_kinds: list[str]
    conditions: str
    steps: str
    fee_note: str
    documents: list[DocumentOut]
    fees: list[FeeOut]
    form: dict[str, Any] | None = SchemaField(
        description='{"schema": JSON Schema 2020-12 của biểu mẫu, "ui": gợi ý hiển thị}.'
    )


class ProcedureListQuery(Schema):
    q: str = SchemaField("", max_length=200, description="Từ khóa, có dấu hoặc không dấu.")
    field: str = SchemaField("", max_length=40, description="Mã lĩnh vực, ví dụ dat-dai.")
    agency: str = SchemaField("", max_length=32, description="Mã định danh cơ quan.")
    level: int | None = SchemaField(None, ge=1, le=4, description="Mức độ dịch vụ công 1–4.")
    page: int = SchemaField(1, ge=1, le=100_000)


def _summary(procedure: Procedure) -> dict[str, Any]:
    version: ProcedureVersion = procedure.current_version
    return {
        "code": procedure.code,
        "name": version.name,
        "name_en": version.name_en,
        "field": {
            "code": procedure.field.code,
            "name": procedure.field.name,
            "name_en": procedure.field.name_en,
        },
        "agency": {
            "code": version.agency.code,
            "name": version.agency.name,
            "name_en": version.agency.name_en,
        },
        "agency_level": version.agency_level,
        "service_level": version.service_level,
        "online_scope": version.effective_online_scope,
        "processing_time": float(version.processing_time),
        "processing_time_unit": version.processing_time_unit,
        "processing_time_text": version.processing_time_text,
        "allows_online": version.allows_online,
        "url": reverse("catalog:detail", args=[procedure.code]),
    }


@router.get(
    "/procedures",
    response={200: ProcedurePage, 400: ErrorSchema},
    summary="Tìm thủ tục hành chính",
)
def procedure_list(request: HttpRequest, filters: Query[ProcedureListQuery]):
    """Published procedures matching every word of `q` (without diacritics, in any order),
    filtered by field, agency and service level; 20 per page."""
    procedures = procedure_search(
        CatalogFilters(
            query=filters.q, field=filters.field, agency=filters.agency, level=filters.level
        )
    )
    paginator = Paginator(procedures, PAGE_SIZE)
    pages = max(1, math.ceil(paginator.count / PAGE_SIZE))
    if filters.page > pages:
        raise InvalidInput(
            _("Trang %(page)s không tồn tại: kết quả chỉ có %(pages)s trang.")
            % {"page": filters.page, "pages": pages},
            field="page",
        )
    page = paginator.page(filters.page)
    return {
        "items": [_summary(procedure) for procedure in page.object_list],
        "count": paginator.count,
        "page": filters.page,
        "pages": pages,
        "page_size": PAGE_SIZE,
    }


@router.get(
    "/procedures/{code}",
    response={200: ProcedureDetail, 404: ErrorSchema},
    summary="Xem một thủ tục hành chính",
)
def procedure_detail(request: HttpRequest, code: str):
    """The published version of a procedure: documents (with their blank templates), fees and
    the application form's JSON Schema."""
    procedure = procedure_get_published(code=code)
    version = procedure.current_version
    form = getattr(version, "form_template", None)
    return {
        **_summary(procedure),
        "version": version.number,
        "published_at": version.published_at,
        "processing_time_note": version.processing_time_note,
        "legal_basis": version.legal_basis,
        "result_type": version.result_type,
        "channels": version.channels,
        "applicant_kinds": version.applicant_kinds,
        "conditions": version.conditions,
        "steps": version.steps,
        "fee_note": version.fee_note,
        "documents": [
            {
                "id": document.pk,
                "name": document.name,
                "name_en": document.name_en,
                "originals": document.originals,
                "copies": document.copies,
                "is_required": document.is_required,
                "reusable_from_data_store": document.reusable_from_data_store,
                "template_url": (
                    reverse("catalog:template", args=[procedure.code, document.pk])
                    if document.template
                    else None
                ),
                "note": document.note,
            }
            for document in version.documents.all()
        ],
        "fees": [
            {
                "name": fee.name,
                "name_en": fee.name_en,
                "amount": fee.amount,
                "unit": fee.unit,
                "quantity_field": fee.quantity_field,
                "note": fee.note,
            }
            for fee in version.fees.all()
        ],
        "form": {"schema": form.schema, "ui": form.ui} if form is not None else None,
    }


class ProcessStepOut(Schema):
    position: int
    name: str
    name_en: str
    kind: str = SchemaField(description="handle, approve, sign hoặc transfer.")
    unit: NamedRef
    role: str = SchemaField(description="specialist, unit_head hoặc director.")
    duration: float = SchemaField(description="Thời gian của bước, chính xác nửa ngày.")
    duration_unit: str
    actions: list[str] = SchemaField(
        description="forward, return_to_step, consult, inspect, request_supplement, transfer, "
        "finish."
    )
    transfer_adapter: str = SchemaField(description='"tax", "motcua" hoặc "".')
    transfer_agency: NamedRef | None


class ProcessOut(Schema):
    procedure: str
    agency: NamedRef
    number: int
    published_at: datetime | None
    total_duration: float = SchemaField(description="Tổng số ngày làm việc của các bước.")
    allowed_duration: float | None = SchemaField(
        description="Số ngày làm việc tối đa theo thời hạn giải quyết của thủ tục."
    )
    steps: list[ProcessStepOut]


class ProcessQuery(Schema):
    agency: str = SchemaField(
        "", max_length=32, description="Mã cơ quan; mặc định là cơ quan thực hiện thủ tục."
    )


def _named(value) -> dict[str, str] | None:
    if value is None:
        return None
    return {"code": value.code, "name": value.name, "name_en": value.name_en}


@router.get(
    "/procedures/{code}/process",
    response={200: ProcessOut, 404: ErrorSchema},
    summary="Xem quy trình nội bộ đang áp dụng của một thủ tục",
)
def procedure_process(request: HttpRequest, code: str, filters: Query[ProcessQuery]):
    """The published internal process (quy trình nội bộ) of a procedure: its steps in order,
    with the unit and role handling each, its share of the legal time and the actions allowed."""
    procedure = procedure_get_published(code=code)
    definition = process_published_for(procedure=procedure, agency_code=filters.agency)
    definition.procedure = procedure
    steps = process_steps_annotated(definition=definition)
    budget = process_duration_budget(definition=definition, steps=steps)
    return {
        "procedure": procedure.code,
        "agency": _named(definition.agency),
        "number": definition.number,
        "published_at": definition.published_at,
        "total_duration": float(budget.total),
        "allowed_duration": float(budget.allowed) if budget.allowed is not None else None,
        "steps": [
            {
                "position": step.position,
                "name": step.name,
                "name_en": step.name_en,
                "kind": step.kind,
                "unit": _named(step.unit),
                "role": step.role,
                "duration": float(step.duration),
                "duration_unit": step.duration_unit,
                "actions": step.actions,
                "transfer_adapter": step.transfer_adapter,
                "transfer_agency": _named(step.transfer_agency),
            }
            for step in steps
        ],
    }
