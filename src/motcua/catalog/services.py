"""Changes to the procedure catalogue: create, edit drafts, revise and publish versions.

A published version is immutable: every edit service first checks that its version is a draft
and answers 409 otherwise. Publishing retires the previous version and refreshes the
procedure's denormalised search columns, all in one transaction, audited.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Agency, User
from motcua.accounts.selectors import agency_administrable_ids, user_can_administer
from motcua.catalog.forms import NAME_PATTERN, form_schema_check
from motcua.catalog.models import (
    AgencyLevel,
    ApplicantKind,
    Channel,
    Fee,
    Field,
    FormTemplate,
    OnlineScope,
    PaymentStage,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
)
from motcua.core.audit import apply_changes, audit_record
from motcua.core.calendar import DurationUnit
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.core.text import nfc, search_key

# The content of a version that a draft edit may change (everything but identity and status).
VERSION_CONTENT_FIELDS = (
    "name",
    "name_en",
    "agency",
    "agency_level",
    "service_level",
    "online_scope",
    "processing_time",
    "processing_time_unit",
    "processing_time_note",
    "legal_basis",
    "result_type",
    "channels",
    "applicant_kinds",
    "conditions",
    "steps",
    "fee_note",
    "payment_stage",
)
_OPTIONAL_TEXTS = (
    "name_en",
    "processing_time_note",
    "legal_basis",
    "result_type",
    "conditions",
    "steps",
    "fee_note",
)
_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,31}")


# --- Checks ---------------------------------------------------------------------------------


def check_can_manage_catalog(actor: User | None, agency: Agency | None) -> None:
    """Administrators manage the procedures their agencies implement; adding a procedure (no
    agency yet) needs the administrator role somewhere. `actor=None` is the system."""
    if actor is None:
        return
    if agency is None:
        manageable = agency_administrable_ids(actor)
        if manageable is None or manageable:
            return
    elif user_can_administer(actor, agency):
        return
    raise PermissionDenied(_("Bạn không có quyền quản lý thủ tục của cơ quan này."))


def check_version_editable(version: ProcedureVersion) -> None:
    if version.status != ProcedureVersion.Status.DRAFT:
        raise Conflict(
            _(
                "Phiên bản %(number)s đã công bố nên không được sửa. Hãy tạo phiên bản mới "
                "(“Tạo phiên bản mới”), sửa bản nháp rồi công bố."
            )
            % {"number": version.number},
            code="version_published",
            field="status",
        )


def _clean_text(value: Any, *, field: str, label: str, required: bool = True) -> str:
    text = nfc(str(value or "")).strip()
    if required and not text:
        raise InvalidInput(_("Vui lòng nhập %(label)s.") % {"label": label}, field=field)
    return text


def _clean_choices(values: Any, *, allowed: list[str], field: str, label: str) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(_("%(label)s phải là một danh sách.") % {"label": label}, field=field)
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise InvalidInput(
            _("%(label)s có giá trị không hợp lệ: %(values)s.")
            % {"label": label, "values": ", ".join(unknown)},
            field=field,
        )
    # Keep the canonical order, without repeats.
    return [value for value in allowed if value in values]


def _clean_version_values(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(VERSION_CONTENT_FIELDS)
    if unknown:
        raise InvalidInput(_("Trường không hợp lệ."), field=sorted(unknown)[0])
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = _clean_text(cleaned["name"], field="name", label=_("tên thủ tục"))
    for name in _OPTIONAL_TEXTS:
        if name in cleaned:
            cleaned[name] = _clean_text(cleaned[name], field=name, label=name, required=False)
    if "agency" in cleaned and not isinstance(cleaned["agency"], Agency):
        raise InvalidInput(_("Vui lòng chọn cơ quan thực hiện."), field="agency")
    if "agency_level" in cleaned and cleaned["agency_level"] not in AgencyLevel.values:
        raise InvalidInput(_("Cấp thực hiện không hợp lệ."), field="agency_level")
    if "service_level" in cleaned:
        level = cleaned["service_level"]
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 4:
            raise InvalidInput(
                _("Mức độ dịch vụ công phải là 1, 2, 3 hoặc 4."), field="service_level"
            )
    if "online_scope" in cleaned and cleaned["online_scope"] not in ["", *OnlineScope.values]:
        raise InvalidInput(_("Phạm vi trực tuyến không hợp lệ."), field="online_scope")
    if "payment_stage" in cleaned and cleaned["payment_stage"] not in PaymentStage.values:
        raise InvalidInput(
            _("Thời điểm nộp phí phải là khi nộp hồ sơ hoặc trước khi nhận kết quả."),
            field="payment_stage",
        )
    if "processing_time" in cleaned:
        cleaned["processing_time"] = _clean_duration(cleaned["processing_time"])
    if (
        "processing_time_unit" in cleaned
        and cleaned["processing_time_unit"] not in DurationUnit.values
    ):
        raise InvalidInput(
            _("Đơn vị thời hạn phải là ngày làm việc hoặc ngày theo lịch."),
            field="processing_time_unit",
        )
    if "channels" in cleaned:
        cleaned["channels"] = _clean_choices(
            cleaned["channels"], allowed=Channel.values, field="channels", label=_("Cách thức nộp")
        )
    if "applicant_kinds" in cleaned:
        cleaned["applicant_kinds"] = _clean_choices(
            cleaned["applicant_kinds"],
            allowed=ApplicantKind.values,
            field="applicant_kinds",
            label=_("Đối tượng thực hiện"),
        )
    return cleaned


def _clean_duration(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        amount = Decimal("NaN")
    # Half-day precision: the working calendar counts in half days (buổi).
    if not amount.is_finite() or amount < 0 or amount > 3650 or (amount * 2) % 1 != 0:
        raise InvalidInput(
            _(
                "Thời hạn giải quyết phải là số ngày không âm, chính xác đến nửa ngày (ví dụ "
                "17 hoặc 0,5)."
            ),
            field="processing_time",
        )
    return amount.quantize(Decimal("0.1"))


def _check_publishable(version: ProcedureVersion) -> None:
    if not version.channels:
        raise InvalidInput(_("Vui lòng chọn ít nhất một cách thức nộp hồ sơ."), field="channels")
    if not version.applicant_kinds:
        raise InvalidInput(
            _("Vui lòng chọn ít nhất một đối tượng thực hiện."), field="applicant_kinds"
        )
    form = FormTemplate.objects.filter(version=version).first()
    if form is None:
        if version.allows_online:
            raise InvalidInput(
                _("Thủ tục cho phép nộp trực tuyến cần có biểu mẫu điện tử."),
                field="form_schema",
            )
        return
    form_schema_check(form.schema, form.ui, field_name="form_schema")
    numeric = {
        name
        for name, prop in form.schema.get("properties", {}).items()
        if prop.get("type") == "integer"
    }
    for fee in version.fees.all():
        if fee.quantity_field and fee.quantity_field not in numeric:
            raise InvalidInput(
                _(
                    "Phí “%(fee)s”: trường số lượng “%(name)s” phải là một trường số nguyên "
                    "của biểu mẫu."
                )
                % {"fee": fee.name, "name": fee.quantity_field},
                field="quantity_field",
            )


# --- Search columns -------------------------------------------------------------------------


def _search_columns(procedure: Procedure, version: ProcedureVersion | None) -> dict[str, str]:
    if version is None:
        return {"search_document": search_key(procedure.code), "search_name": ""}
    # The agency's code but not its name: in a province every procedure has the same
    # "Sở Nông nghiệp và Môi trường", so its words ("môi trường") would match them all.
    parts = [
        procedure.code,
        version.name,
        version.name_en,
        procedure.field.name,
        procedure.field.name_en,
        version.agency.code,
    ]
    return {
        "search_document": search_key(" ".join(part for part in parts if part)),
        # "|" separates the two names so that a prefix match of either ranks first.
        "search_name": f"{search_key(version.name)}|{search_key(version.name_en)}",
    }


def procedure_search_refresh(*, procedure: Procedure) -> None:
    """Recompute the denormalised search columns from the current version (derived data, not
    audited); run after a field is renamed or an agency code changes."""
    version = procedure.current_version
    columns = _search_columns(procedure, version)
    Procedure.objects.filter(pk=procedure.pk).update(**columns)
    for name, value in columns.items():
        setattr(procedure, name, value)


def procedure_search_rebuild() -> int:
    """Refresh the search columns of every procedure; returns how many were refreshed."""
    procedures = Procedure.objects.select_related(
        "field", "current_version", "current_version__agency"
    )
    count = 0
    for procedure in procedures.iterator(chunk_size=500):
        procedure_search_refresh(procedure=procedure)
        count += 1
    return count


# --- Fields of law ----------------------------------------------------------------------------


def field_save(*, field: Field, actor: User | None) -> Field:
    """Create or rename a field of law; the search text of its procedures follows the name."""
    if actor is not None and not user_can_administer(actor, None):
        raise PermissionDenied(_("Chỉ quản trị viên cấp bộ được sửa danh mục lĩnh vực."))
    field.name = _clean_text(field.name, field="name", label=_("tên lĩnh vực"))
    field.name_en = _clean_text(field.name_en, field="name_en", label="", required=False)
    creating = field.pk is None
    with transaction.atomic():
        field.save()
        audit_record(
            actor=actor,
            action="field.create" if creating else "field.update",
            obj=field,
            changes={"code": field.code, "name": field.name},
        )
        if not creating:
            for procedure in field.procedures.select_related(
                "current_version", "current_version__agency"
            ):
                procedure.field = field
                procedure_search_refresh(procedure=procedure)
    return field


# --- Procedures and versions ------------------------------------------------------------------


def procedure_create(*, actor: User | None, code: str, field: Field) -> Procedure:
    """Add a procedure (its national code and field of law); its content comes in versions."""
    check_can_manage_catalog(actor, None)
    code = (code or "").strip()
    if not _CODE.fullmatch(code):
        raise InvalidInput(
            _("Mã thủ tục chỉ gồm chữ, số và dấu chấm, ví dụ 1.012756."), field="code"
        )
    with transaction.atomic():
        if Procedure.objects.filter(code=code).exists():
            raise InvalidInput(
                _("Mã thủ tục %(code)s đã có trong danh mục.") % {"code": code},
                code="duplicate",
                field="code",
            )
        procedure = Procedure.objects.create(
            code=code, field=field, search_document=search_key(code)
        )
        audit_record(
            actor=actor,
            action="procedure.create",
            obj=procedure,
            changes={"code": code, "field": field.code},
        )
    return procedure


def procedure_version_create(
    *, actor: User | None, procedure: Procedure, **content: Any
) -> ProcedureVersion:
    """Start a new draft version from scratch (`procedure_revise` copies the published one)."""
    cleaned = _clean_version_values(content)
    for required in ("name", "agency", "processing_time"):
        if required not in cleaned:
            raise InvalidInput(
                _("Thiếu trường bắt buộc: %(name)s.") % {"name": required}, field=required
            )
    check_can_manage_catalog(actor, cleaned["agency"])
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        _check_no_draft(procedure)
        number = (procedure.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = ProcedureVersion.objects.create(procedure=procedure, number=number, **cleaned)
        audit_record(
            actor=actor,
            action="procedure_version.create",
            obj=version,
            changes={"number": number, "name": version.name},
        )
    return version


def _check_no_draft(procedure: Procedure) -> None:
    draft = procedure.versions.filter(status=ProcedureVersion.Status.DRAFT).first()
    if draft is not None:
        raise Conflict(
            _("Thủ tục %(code)s đã có bản nháp phiên bản %(number)s: hãy sửa bản nháp đó.")
            % {"code": procedure.code, "number": draft.number},
            code="draft_exists",
            field="status",
        )


def procedure_update(
    *,
    actor: User | None,
    procedure: Procedure,
    field: Field | None = None,
    is_active: bool | None = None,
) -> Procedure:
    """Change a procedure's identity data: its field of law, or whether it is still applied."""
    check_can_manage_catalog(
        actor, procedure.current_version.agency if procedure.current_version else None
    )
    values: dict[str, Any] = {}
    if field is not None:
        values["field"] = field
    if is_active is not None:
        values["is_active"] = is_active
    with transaction.atomic():
        changes = apply_changes(procedure, values)
        if changes:
            procedure.save(update_fields=list(changes))
            procedure_search_refresh(procedure=procedure)
            audit_record(actor=actor, action="procedure.update", obj=procedure, changes=changes)
    return procedure


def procedure_version_update(
    *, actor: User | None, version: ProcedureVersion, **values: Any
) -> ProcedureVersion:
    """Edit a draft version's content; a published or retired version answers 409."""
    check_version_editable(version)
    check_can_manage_catalog(actor, version.agency)
    cleaned = _clean_version_values(values)
    if "agency" in cleaned:
        check_can_manage_catalog(actor, cleaned["agency"])
    with transaction.atomic():
        locked = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
        check_version_editable(locked)
        changes = apply_changes(version, cleaned)
        if changes:
            version.save()
            audit_record(
                actor=actor, action="procedure_version.update", obj=version, changes=changes
            )
    return version


def form_template_save(
    *, actor: User | None, version: ProcedureVersion, schema: Any, ui: Any = None
) -> FormTemplate:
    """Set a draft version's application form, after checking that it renders."""
    check_version_editable(version)
    check_can_manage_catalog(actor, version.agency)
    ui = ui or {}
    form_schema_check(schema, ui, field_name="form_schema")
    with transaction.atomic():
        form, created = FormTemplate.objects.get_or_create(
            version=version, defaults={"schema": schema, "ui": ui}
        )
        if not created and (form.schema != schema or form.ui != ui):
            form.schema, form.ui = schema, ui
            form.save()
        elif not created:
            return form
        audit_record(
            actor=actor,
            action="form_template.save",
            obj=version,
            changes={"fields": list(schema.get("properties", {}))},
        )
    return form


def required_document_save(*, actor: User | None, document: RequiredDocument) -> RequiredDocument:
    """Add or change a required document of a draft version."""
    check_version_editable(document.version)
    check_can_manage_catalog(actor, document.version.agency)
    document.name = _clean_text(document.name, field="name", label=_("tên giấy tờ"))
    if document.originals + document.copies == 0:
        raise InvalidInput(
            _("Giấy tờ cần ít nhất một bản chính hoặc một bản sao."), field="originals"
        )
    creating = document.pk is None
    with transaction.atomic():
        document.save()
        audit_record(
            actor=actor,
            action="required_document.create" if creating else "required_document.update",
            obj=document,
            changes={"version": document.version_id, "name": document.name},
        )
    return document


def required_document_delete(*, actor: User | None, document: RequiredDocument) -> None:
    check_version_editable(document.version)
    check_can_manage_catalog(actor, document.version.agency)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="required_document.delete",
            obj=document,
            changes={"version": document.version_id, "name": document.name},
        )
        document.delete()


def fee_save(*, actor: User | None, fee: Fee) -> Fee:
    """Add or change a fee of a draft version."""
    check_version_editable(fee.version)
    check_can_manage_catalog(actor, fee.version.agency)
    fee.name = _clean_text(fee.name, field="name", label=_("tên phí, lệ phí"))
    if fee.quantity_field and not NAME_PATTERN.match(fee.quantity_field):
        raise InvalidInput(
            _("Trường số lượng phải là tên một trường của biểu mẫu."), field="quantity_field"
        )
    creating = fee.pk is None
    with transaction.atomic():
        fee.save()
        audit_record(
            actor=actor,
            action="fee.create" if creating else "fee.update",
            obj=fee,
            changes={"version": fee.version_id, "name": fee.name, "amount": fee.amount},
        )
    return fee


def fee_delete(*, actor: User | None, fee: Fee) -> None:
    check_version_editable(fee.version)
    check_can_manage_catalog(actor, fee.version.agency)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="fee.delete",
            obj=fee,
            changes={"version": fee.version_id, "name": fee.name},
        )
        fee.delete()


def procedure_revise(*, procedure: Procedure, actor: User | None) -> ProcedureVersion:
    """Start a change: copy the published version (or the latest one) into a new draft, with its
    documents, fees and form. A procedure has at most one draft at a time."""
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        _check_no_draft(procedure)
        source = (
            procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).first()
            or procedure.versions.order_by("-number").first()
        )
        check_can_manage_catalog(actor, source.agency)
        number = procedure.versions.aggregate(last=Max("number"))["last"] + 1
        version = ProcedureVersion.objects.create(
            procedure=procedure,
            number=number,
            status=ProcedureVersion.Status.DRAFT,
            **{name: getattr(source, name) for name in VERSION_CONTENT_FIELDS},
        )
        RequiredDocument.objects.bulk_create(
            RequiredDocument(
                version=version,
                **{
                    field.name: getattr(document, field.name)
                    for field in RequiredDocument._meta.concrete_fields
                    if field.name not in {"id", "version"}
                },
            )
            for document in source.documents.all()
        )
        Fee.objects.bulk_create(
            Fee(
                version=version,
                **{
                    field.name: getattr(fee, field.name)
                    for field in Fee._meta.concrete_fields
                    if field.name not in {"id", "version"}
                },
            )
            for fee in source.fees.all()
        )
        form = FormTemplate.objects.filter(version=source).first()
        if form is not None:
            FormTemplate.objects.create(version=version, schema=form.schema, ui=form.ui)
        audit_record(
            actor=actor,
            action="procedure.revise",
            obj=version,
            changes={"from_version": source.number, "number": number},
        )
    return version


def procedure_publish(*, version: ProcedureVersion, actor: User | None) -> ProcedureVersion:
    """Publish a draft: it becomes the version people read and new dossiers use; the previous
    published version is retired (dossiers already submitted keep pointing to it)."""
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=version.procedure_id)
        version = ProcedureVersion.objects.select_related("agency").get(pk=version.pk)
        check_version_editable(version)
        check_can_manage_catalog(actor, version.agency)
        _check_publishable(version)
        previous = procedure.versions.filter(status=ProcedureVersion.Status.PUBLISHED).first()
        if previous is not None:
            previous.status = ProcedureVersion.Status.RETIRED
            previous.save(update_fields=["status", "updated_at"])
        version.status = ProcedureVersion.Status.PUBLISHED
        version.published_at = timezone.now()
        version.save(update_fields=["status", "published_at", "updated_at"])
        procedure.current_version = version
        procedure.save(update_fields=["current_version"])
        procedure = Procedure.objects.select_related("field").get(pk=procedure.pk)
        procedure.current_version = version
        procedure_search_refresh(procedure=procedure)
        audit_record(
            actor=actor,
            action="procedure.publish",
            obj=version,
            changes={
                "number": version.number,
                "retired": previous.number if previous is not None else None,
            },
        )
    return version
