"""Catalogue test data, made through the services so that search columns and audit are real.

`published_procedure(...)` gives a published ProcedureVersion in one call; other apps' tests
(dossiers) may import it."""

from __future__ import annotations

from typing import Any

import factory

from motcua.catalog import services
from motcua.catalog.models import Fee, Field, ProcedureVersion, RequiredDocument
from tests.factories import AgencyFactory

SIMPLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Đơn đề nghị",
    "properties": {
        "project_name": {"type": "string", "title": "Tên dự án", "maxLength": 100},
        "area_m2": {"type": "number", "title": "Diện tích (m²)", "exclusiveMinimum": 0},
        "copies": {"type": "integer", "title": "Số bản", "minimum": 1, "maximum": 10},
    },
    "required": ["project_name", "copies"],
}


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"linh-vuc-{n}")
    name = factory.Sequence(lambda n: f"Lĩnh vực {n}")
    sort_order = factory.Sequence(lambda n: n)


_codes = iter(range(1, 10**6))


def published_procedure(
    *,
    code: str | None = None,
    name: str = "Cấp giấy phép môi trường",
    name_en: str = "Environmental permit",
    field: Field | None = None,
    agency=None,
    service_level: int = 4,
    channels: list[str] | None = None,
    schema: dict[str, Any] | None = None,
    documents: int = 1,
    fee_amount: int | None = 50000,
    publish: bool = True,
    **content: Any,
) -> ProcedureVersion:
    """A procedure with one version (published unless publish=False), its documents, a fee
    multiplied by the form's `copies` and the form."""
    procedure = services.procedure_create(
        actor=None, code=code or f"9.{next(_codes):06d}", field=field or FieldFactory()
    )
    version = services.procedure_version_create(
        actor=None,
        procedure=procedure,
        name=name,
        name_en=name_en,
        agency=agency or AgencyFactory(),
        service_level=service_level,
        processing_time=content.pop("processing_time", "17"),
        channels=channels if channels is not None else ["online", "counter", "post"],
        applicant_kinds=["citizen", "organisation"],
        **content,
    )
    schema = schema if schema is not None else SIMPLE_SCHEMA
    services.form_template_save(actor=None, version=version, schema=schema, ui={})
    for order in range(documents):
        services.required_document_save(
            actor=None,
            document=RequiredDocument(version=version, name=f"Giấy tờ số {order + 1}", order=order),
        )
    if fee_amount is not None:
        services.fee_save(
            actor=None,
            fee=Fee(
                version=version,
                name="Lệ phí cấp giấy",
                amount=fee_amount,
                unit="giấy",
                quantity_field="copies" if "copies" in schema.get("properties", {}) else "",
            ),
        )
    if publish:
        version = services.procedure_publish(version=version, actor=None)
    return version
