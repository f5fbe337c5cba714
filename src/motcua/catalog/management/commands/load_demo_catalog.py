"""`motcua load_demo_catalog`: the demo procedures of catalog/demo_data.py, published, and their
internal processes (idempotent).

A procedure whose code is already in the catalogue is left as it is, so running the command
again (or after an administrator edited a demo procedure) changes nothing. A procedure gets its
demo process only when it has no process in the demo department yet, and only once the units of
`motcua demo` exist (`make run` runs that first)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from motcua.accounts.models import Agency, Unit
from motcua.accounts.services import agency_create
from motcua.catalog import demo_data, process, services
from motcua.catalog.blank_forms import blank_form_docx
from motcua.catalog.models import Fee, Field, Procedure, ProcessDefinition, RequiredDocument


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
        processes = self._processes(agency)
        if options["verbosity"]:
            self.stdout.write(
                f"Danh mục thủ tục mẫu: thêm {created}, "
                f"tổng {Procedure.objects.count()} thủ tục trong {Field.objects.count()} lĩnh vực; "
                f"thêm {processes} quy trình nội bộ."
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

    def _processes(self, agency: Agency) -> int:
        units = {unit.code: unit for unit in Unit.objects.filter(agency=agency, is_active=True)}
        created = 0
        for code, steps in demo_data.PROCESSES.items():
            procedure = Procedure.objects.filter(code=code).first()
            if procedure is None or not all(step["unit"] in units for step in steps):
                continue
            if ProcessDefinition.objects.filter(procedure=procedure, agency=agency).exists():
                continue
            self._process(procedure, agency=agency, units=units, steps=steps)
            created += 1
        return created

    @transaction.atomic
    def _process(
        self,
        procedure: Procedure,
        *,
        agency: Agency,
        units: dict[str, Unit],
        steps: list[dict[str, Any]],
    ) -> None:
        definition = process.process_definition_create(
            actor=None, procedure=procedure, agency=agency, note="Quy trình mẫu"
        )
        for values in steps:
            process.process_step_save(
                actor=None, definition=definition, **{**values, "unit": units[values["unit"]]}
            )
        process.process_definition_publish(actor=None, definition=definition)
