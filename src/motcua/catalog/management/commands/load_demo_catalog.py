"""`motcua load_demo_catalog`: the demo procedures of catalog/demo_data.py, published (idempotent).

A procedure whose code is already in the catalogue is left as it is, so running the command
again (or after an administrator edited a demo procedure) changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from motcua.accounts.models import Agency
from motcua.accounts.services import agency_create
from motcua.catalog import demo_data, services
from motcua.catalog.blank_forms import blank_form_docx
from motcua.catalog.models import Fee, Field, Procedure, RequiredDocument


class Command(BaseCommand):
    help = "Load the demo procedure catalogue (land, environment, water, minerals); idempotent."

    def handle(self, *args, **options):
        agency = self._agency()
        fields = {values["code"]: self._field(values) for values in demo_data.FIELDS}
        created = 0
        for values in demo_data.PROCEDURES:
            if Procedure.objects.filter(code=values["code"]).exists():
                continue
            self._procedure(values, field=fields[values["field"]], agency=agency)
            created += 1
        if options["verbosity"]:
            self.stdout.write(
                f"Danh mục thủ tục mẫu: thêm {created}, "
                f"tổng {Procedure.objects.count()} thủ tục trong {Field.objects.count()} lĩnh vực."
            )

    def _agency(self) -> Agency:
        values = demo_data.DEMO_AGENCY
        existing = Agency.objects.filter(code=values["code"]).first()
        if existing is not None:
            return existing
        return agency_create(actor=None, kind=Agency.Kind.DEPARTMENT, **values)

    def _field(self, values: dict[str, Any]) -> Field:
        existing = Field.objects.filter(code=values["code"]).first()
        if existing is not None:
            return existing
        return services.field_save(field=Field(**values), actor=None)

    @transaction.atomic
    def _procedure(self, values: dict[str, Any], *, field: Field, agency: Agency) -> None:
        procedure = services.procedure_create(actor=None, code=values["code"], field=field)
        content = {name: values[name] for name in services.VERSION_CONTENT_FIELDS if name in values}
        version = services.procedure_version_create(
            actor=None, procedure=procedure, agency=agency, **content
        )
        form = values["form"]
        services.form_template_save(
            actor=None, version=version, schema=form["schema"], ui=form["ui"]
        )
        for order, document_values in enumerate(values["documents"]):
            document_values = dict(document_values)
            with_template = document_values.pop("template")
            document = RequiredDocument(version=version, order=order, **document_values)
            if with_template:
                content_file = ContentFile(
                    blank_form_docx(
                        title=document.name,
                        addressee=agency.name,
                        schema=form["schema"],
                        ui=form["ui"],
                    )
                )
                document.template.save(f"{values['code']}-don.docx", content_file, save=False)
            services.required_document_save(actor=None, document=document)
        for order, fee_values in enumerate(values["fees"]):
            fee = Fee(version=version, **{"order": order, **fee_values})
            services.fee_save(actor=None, fee=fee)
        services.procedure_publish(version=version, actor=None)
