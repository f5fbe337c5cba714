"""Internal processes (quy trình nội bộ): drafts edited step by step, published, retired.

A procedure's internal process, per agency, is a numbered `ProcessDefinition`. An administrator
who manages the procedure's catalogue entry starts a draft (a copy of the latest version), edits
its steps, and publishes it; publishing checks that a dossier can run through it (it ends with a
step that finishes, every other step hands on) and that the steps fit the legal time, then
retires the version it replaces. A published or retired version never changes: dossiers keep the
version they were received under.

Two administrators may edit one draft at once. Every change locks the draft row
(`select_for_update`) and, when the caller passes the `expected_revision` it read (a hash of the
draft's steps, see `process_definition_revision`), answers 409 if someone changed the draft in
between, instead of silently building on a list the caller never saw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.models import Agency, Role, StaffRole, Unit, User
from motcua.accounts.selectors import agency_administrable_ids, agency_with_descendant_ids
from motcua.catalog.models import (
    Procedure,
    ProcedureVersion,
    ProcessDefinition,
    ProcessStep,
    StepAction,
    StepKind,
)
from motcua.catalog.services import check_can_manage_catalog
from motcua.core.audit import apply_changes, audit_record, audit_value
from motcua.core.calendar import DurationUnit
from motcua.core.concurrency import STALE_MESSAGE
from motcua.core.errors import Conflict, InvalidInput, NotFound
from motcua.core.text import nfc, search_key

# The roles that handle a step of processing. The one-stop desk (receiving officer) receives
# and returns outside the steps; administrators and monitoring operators never handle dossiers.
STEP_ROLES = (Role.SPECIALIST, Role.UNIT_HEAD, Role.DIRECTOR)


class TransferAdapter:
    """The integrations adapters a liên thông step may use (integrations registry names)."""

    TAX = "tax"
    MOTCUA = "motcua"
    CHOICES = (
        (TAX, gettext_lazy("Cơ quan thuế (nghĩa vụ tài chính)")),
        (MOTCUA, gettext_lazy("Cơ quan khác trên hệ thống Motcua")),
    )
    VALUES = (TAX, MOTCUA)


# A step lasts at most this many working days: a longer one is a typing error, and the column
# holds five digits.
MAX_STEP_DAYS = Decimal("365")
# Steps are counted in working days; a legal time in calendar days allows, for the check at
# publication, the working days of that many calendar days in an ordinary week (5 of 7), rounded
# down to a half day: 30 calendar days allow 21 working days. Holidays make the real calendar
# shorter some weeks; the appointment date itself always comes from the working calendar.
WORKING_DAYS_PER_CALENDAR_DAY = Decimal(5) / Decimal(7)
STEP_FIELDS = (
    "name",
    "name_en",
    "kind",
    "unit",
    "role",
    "duration",
    "actions",
    "transfer_adapter",
    "transfer_agency",
)


# --- Checks ---------------------------------------------------------------------------------


def check_definition_editable(definition: ProcessDefinition) -> None:
    if definition.status != ProcessDefinition.Status.DRAFT:
        raise Conflict(
            _(
                "Quy trình phiên bản %(number)s đã công bố nên không được sửa. Hãy tạo phiên "
                "bản mới, sửa bản nháp rồi công bố."
            )
            % {"number": definition.number},
            code="process_published",
            field="status",
        )


def _check_agency_implements(procedure: Procedure, agency: Agency) -> None:
    """A process belongs to the agency that implements the procedure, or to one under it (each
    commune may run a commune-level procedure its own way)."""
    version = procedure.current_version or procedure.versions.order_by("-number").first()
    if version is None:
        raise InvalidInput(
            _("Thủ tục %(code)s chưa có nội dung: hãy tạo phiên bản thủ tục trước.")
            % {"code": procedure.code},
            field="procedure",
        )
    if agency.pk not in agency_with_descendant_ids([version.agency_id]):
        raise InvalidInput(
            _("Cơ quan %(agency)s không thực hiện thủ tục %(code)s.")
            % {"agency": agency.code, "code": procedure.code},
            field="agency",
        )


def _step_label(step: ProcessStep) -> str:
    return _("Bước %(position)s “%(name)s”") % {"position": step.position, "name": step.name}


def _clean_duration(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        amount = Decimal("NaN")
    # Half-day precision: the working calendar counts in half days (buổi).
    if not amount.is_finite() or amount <= 0 or amount > MAX_STEP_DAYS or (amount * 2) % 1 != 0:
        raise InvalidInput(
            _(
                "Thời gian của bước phải là số ngày làm việc lớn hơn 0, tối đa %(max)s, chính "
                "xác đến nửa ngày (ví dụ 2 hoặc 1,5)."
            )
            % {"max": MAX_STEP_DAYS},
            field="duration",
        )
    return amount.quantize(Decimal("0.1"))


def _clean_actions(values: Any) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(_("Thao tác được phép phải là một danh sách."), field="actions")
    unknown = [value for value in values if value not in StepAction.values]
    if unknown:
        raise InvalidInput(
            _("Thao tác không hợp lệ: %(values)s.") % {"values": ", ".join(unknown)},
            field="actions",
        )
    if not values:
        raise InvalidInput(_("Vui lòng chọn ít nhất một thao tác được phép."), field="actions")
    # The canonical order, without repeats.
    return [value for value in StepAction.values if value in values]


def _clean_step_values(definition: ProcessDefinition, values: dict[str, Any]) -> dict[str, Any]:
    """Every rule that one step must follow by itself; the rules of the whole list are checked
    when publishing (`_check_publishable`)."""
    unknown = set(values) - set(STEP_FIELDS)
    if unknown:
        raise InvalidInput(_("Trường không hợp lệ."), field=sorted(unknown)[0])
    cleaned: dict[str, Any] = {}
    cleaned["name"] = nfc(str(values.get("name") or "")).strip()
    if not cleaned["name"]:
        raise InvalidInput(_("Vui lòng nhập tên bước."), field="name")
    cleaned["name_en"] = nfc(str(values.get("name_en") or "")).strip()
    for name in ("name", "name_en"):
        if len(cleaned[name]) > 255:
            raise InvalidInput(_("Tên bước dài quá 255 ký tự."), field=name)
    cleaned["kind"] = values.get("kind") or StepKind.HANDLE
    if cleaned["kind"] not in StepKind.values:
        raise InvalidInput(_("Loại bước không hợp lệ."), field="kind")
    unit = values.get("unit")
    if not isinstance(unit, Unit):
        raise InvalidInput(_("Vui lòng chọn đơn vị thực hiện."), field="unit")
    if unit.agency_id != definition.agency_id or not unit.is_active:
        raise InvalidInput(
            _("Đơn vị thực hiện phải là một đơn vị đang hoạt động của %(agency)s.")
            % {"agency": definition.agency.name},
            field="unit",
        )
    cleaned["unit"] = unit
    cleaned["role"] = values.get("role")
    if cleaned["role"] not in STEP_ROLES:
        raise InvalidInput(
            _("Vai trò thực hiện phải là: %(roles)s.")
            % {"roles": ", ".join(str(role.label) for role in STEP_ROLES)},
            field="role",
        )
    cleaned["duration"] = _clean_duration(values.get("duration"))
    cleaned["actions"] = _clean_actions(values.get("actions"))
    cleaned.update(_clean_transfer(definition, cleaned, values))
    return cleaned


def _clean_transfer(
    definition: ProcessDefinition, cleaned: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """A liên thông step (kind "transfer") names its adapter and allows the transfer action; a
    step of another kind has neither, so that a dossier is never sent out from the wrong step."""
    adapter = values.get("transfer_adapter") or ""
    agency = values.get("transfer_agency")
    is_transfer = cleaned["kind"] == StepKind.TRANSFER
    if not is_transfer:
        if StepAction.TRANSFER in cleaned["actions"]:
            raise InvalidInput(
                _("Chỉ bước loại “Liên thông cơ quan khác” mới được chuyển liên thông."),
                field="actions",
            )
        if adapter or agency:
            raise InvalidInput(
                _("Chỉ bước loại “Liên thông cơ quan khác” mới có kênh liên thông."),
                field="transfer_adapter",
            )
        return {"transfer_adapter": "", "transfer_agency": None}
    if adapter not in TransferAdapter.VALUES:
        raise InvalidInput(
            _("Bước liên thông cần chọn kênh liên thông: cơ quan thuế hoặc cơ quan trên Motcua."),
            field="transfer_adapter",
        )
    if StepAction.TRANSFER not in cleaned["actions"]:
        raise InvalidInput(
            _("Bước liên thông phải cho phép thao tác “Chuyển liên thông”."), field="actions"
        )
    if StepAction.FINISH in cleaned["actions"]:
        raise InvalidInput(
            _("Bước liên thông không kết thúc hồ sơ: kết quả do bước sau ký."), field="actions"
        )
    if adapter == TransferAdapter.TAX:
        if agency is not None:
            raise InvalidInput(
                _("Liên thông với cơ quan thuế không chọn cơ quan nhận trên Motcua."),
                field="transfer_agency",
            )
        return {"transfer_adapter": adapter, "transfer_agency": None}
    if not isinstance(agency, Agency):
        raise InvalidInput(
            _("Liên thông trên Motcua cần chọn cơ quan nhận hồ sơ."), field="transfer_agency"
        )
    if agency.pk == definition.agency_id or not agency.is_active:
        raise InvalidInput(
            _("Cơ quan nhận liên thông phải là một cơ quan khác, đang hoạt động."),
            field="transfer_agency",
        )
    return {"transfer_adapter": adapter, "transfer_agency": agency}


def working_day_budget(processing_time: Decimal, unit: str) -> Decimal:
    """The working days that the steps of a procedure with this legal time may add up to."""
    if unit == DurationUnit.WORKING_DAYS:
        return processing_time
    halves = (processing_time * WORKING_DAYS_PER_CALENDAR_DAY * 2).to_integral_value(ROUND_FLOOR)
    return halves / 2


def _check_publishable(definition: ProcessDefinition, steps: list[ProcessStep]) -> None:
    """A dossier can run through the steps from the first to the last, within the legal time."""
    if not steps:
        raise InvalidInput(_("Quy trình cần ít nhất một bước."), field="steps")
    if [step.position for step in steps] != list(range(1, len(steps) + 1)):
        raise InvalidInput(_("Thứ tự các bước phải liên tục từ 1."), field="position")
    last = steps[-1]
    for step in steps:
        if step.unit.agency_id != definition.agency_id or not step.unit.is_active:
            raise InvalidInput(
                _("%(step)s: đơn vị %(unit)s không còn hoạt động trong cơ quan.")
                % {"step": _step_label(step), "unit": step.unit.name},
                field="unit",
            )
        if step.position == 1 and step.allows(StepAction.RETURN_TO_STEP):
            raise InvalidInput(
                _("%(step)s là bước đầu nên không có bước trước để trả lại.")
                % {"step": _step_label(step)},
                field="actions",
            )
        if step is last:
            continue
        if step.allows(StepAction.FINISH):
            raise InvalidInput(
                _("%(step)s: chỉ bước cuối cùng mới được “Hoàn thành, có kết quả”.")
                % {"step": _step_label(step)},
                field="actions",
            )
        if not step.allows(StepAction.FORWARD):
            raise InvalidInput(
                _("%(step)s cần cho phép “Chuyển bước tiếp theo”, nếu không hồ sơ sẽ dừng ở đó.")
                % {"step": _step_label(step)},
                field="actions",
            )
    if not last.allows(StepAction.FINISH):
        raise InvalidInput(
            _("Bước cuối cùng (%(step)s) phải cho phép “Hoàn thành, có kết quả”.")
            % {"step": _step_label(last)},
            field="actions",
        )
    if last.allows(StepAction.FORWARD):
        raise InvalidInput(
            _("%(step)s là bước cuối nên không có bước tiếp theo để chuyển.")
            % {"step": _step_label(last)},
            field="actions",
        )
    budget = process_duration_budget(definition=definition, steps=steps)
    if budget.over:
        raise InvalidInput(
            _(
                "Tổng thời gian các bước là %(total)s ngày làm việc, vượt thời hạn giải quyết "
                "%(legal)s (tối đa %(allowed)s ngày làm việc)."
            )
            % {
                "total": _days(budget.total),
                "legal": budget.legal_time_text,
                "allowed": _days(budget.allowed),
            },
            field="duration",
        )


def _days(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


# --- Reads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DurationBudget:
    """The steps' working days against the procedure's legal time (None when it has none)."""

    total: Decimal
    legal_time_text: str
    allowed: Decimal | None
    in_calendar_days: bool = False

    @property
    def over(self) -> bool:
        return self.allowed is not None and self.total > self.allowed

    @property
    def remaining(self) -> Decimal | None:
        return None if self.allowed is None else self.allowed - self.total

    @property
    def total_text(self) -> str:
        return _days(self.total)

    @property
    def allowed_text(self) -> str:
        return "" if self.allowed is None else _days(self.allowed)


def process_duration_budget(
    *, definition: ProcessDefinition, steps: list[ProcessStep]
) -> DurationBudget:
    total = sum((step.duration for step in steps), Decimal("0"))
    version: ProcedureVersion | None = definition.procedure.current_version
    if version is None:
        return DurationBudget(total=total, legal_time_text="", allowed=None)
    return DurationBudget(
        total=total,
        legal_time_text=version.processing_time_text,
        allowed=working_day_budget(version.processing_time, version.processing_time_unit),
        in_calendar_days=version.processing_time_unit == DurationUnit.CALENDAR_DAYS,
    )


def process_definition_problem(
    *, definition: ProcessDefinition, steps: list[ProcessStep]
) -> InvalidInput | None:
    """What would stop the draft from being published now (the editor shows it as one edits)."""
    try:
        _check_publishable(definition, steps)
    except InvalidInput as problem:
        return problem
    return None


def process_definition_revision(*, steps: list[ProcessStep]) -> str:
    """A short hash of a draft's steps as they are now: an editor sends it back with a change,
    and the change is refused (409) when the steps moved on meanwhile."""
    content = [
        [
            step.pk,
            step.position,
            step.name,
            step.name_en,
            step.kind,
            step.unit_id,
            step.role,
            str(step.duration),
            step.actions,
            step.transfer_adapter,
            step.transfer_agency_id,
        ]
        for step in steps
    ]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:16]


def _steps_of(definition_id: int) -> list[ProcessStep]:
    return list(
        ProcessStep.objects.filter(definition_id=definition_id)
        .select_related("unit", "transfer_agency")
        .order_by("position")
    )


def process_procedures_manageable(*, user: User, query: str = "") -> QuerySet[Procedure]:
    """Procedures whose internal processes `user` may edit: those their agencies implement (by
    the current version, or the latest one for a procedure never published)."""
    procedures = Procedure.objects.select_related("field", "current_version").order_by("code")
    scope = agency_administrable_ids(user)
    if scope is not None:
        procedures = procedures.filter(versions__agency_id__in=scope).distinct()
    for token in search_key(query or "")[:200].split()[:12]:
        procedures = procedures.filter(Q(code__contains=token) | Q(search_document__contains=token))
    return procedures


def process_procedure_get(*, user: User, code: str) -> Procedure:
    procedure = process_procedures_manageable(user=user).filter(code=code[:64]).first()
    if procedure is None:
        raise NotFound(
            _("Không tìm thấy thủ tục %(code)s trong các thủ tục bạn quản lý.")
            % {"code": code[:64]},
            field="code",
        )
    return procedure


def process_agencies_for(*, user: User, procedure: Procedure) -> list[Agency]:
    """The agencies for which `user` may start a process of `procedure`."""
    version = procedure.current_version or procedure.versions.order_by("-number").first()
    if version is None:
        return []
    ids = agency_with_descendant_ids([version.agency_id])
    scope = agency_administrable_ids(user)
    if scope is not None:
        ids &= scope
    return list(Agency.objects.filter(pk__in=ids, is_active=True).order_by("code"))


def process_definitions_of(*, user: User, procedure: Procedure) -> list[ProcessDefinition]:
    """Every version of the procedure's processes in agencies `user` manages, newest first."""
    definitions = (
        ProcessDefinition.objects.filter(procedure=procedure)
        .select_related("agency")
        .order_by("agency__code", "-number")
    )
    scope = agency_administrable_ids(user)
    if scope is not None:
        definitions = definitions.filter(agency_id__in=scope)
    return list(definitions)


def process_definitions_by_procedure(
    *, user: User, procedure_ids: list[int]
) -> dict[int, list[ProcessDefinition]]:
    """The published and draft versions of these procedures' processes that `user` manages (for
    a list page: one query whatever the number of procedures)."""
    definitions = (
        ProcessDefinition.objects.filter(
            procedure_id__in=procedure_ids,
            status__in=[ProcessDefinition.Status.PUBLISHED, ProcessDefinition.Status.DRAFT],
        )
        .select_related("agency")
        .order_by("agency__code", "-number")
    )
    scope = agency_administrable_ids(user)
    if scope is not None:
        definitions = definitions.filter(agency_id__in=scope)
    grouped: dict[int, list[ProcessDefinition]] = {}
    for definition in definitions:
        grouped.setdefault(definition.procedure_id, []).append(definition)
    return grouped


def process_definition_get(*, user: User, pk: int) -> ProcessDefinition:
    """One definition of an agency `user` manages (404 otherwise: others' drafts are private)."""
    definitions = ProcessDefinition.objects.select_related(
        "procedure", "procedure__current_version", "agency"
    )
    scope = agency_administrable_ids(user)
    if scope is not None:
        definitions = definitions.filter(agency_id__in=scope)
    definition = definitions.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if definition is None:
        raise NotFound(_("Không tìm thấy quy trình nội bộ này."), field="definition")
    return definition


def process_step_get(*, definition: ProcessDefinition, step_id: int) -> ProcessStep:
    """A step of this definition; NotFound (404) when it is not (or no longer) one of them."""
    step = (
        ProcessStep.objects.filter(pk=step_id, definition=definition)
        .select_related("definition__agency")
        .first()
        if 0 < step_id < 2**63
        else None
    )
    if step is None:
        raise NotFound(
            _("Bước này không còn trong quy trình: có thể người khác vừa xóa."), field="step"
        )
    return step


def process_definition_in_force(*, definition: ProcessDefinition) -> ProcessDefinition | None:
    """The published version of the same procedure and agency (the one a draft would retire)."""
    return ProcessDefinition.objects.filter(
        procedure_id=definition.procedure_id,
        agency_id=definition.agency_id,
        status=ProcessDefinition.Status.PUBLISHED,
    ).first()


def process_definition_has_draft(*, definition: ProcessDefinition) -> bool:
    """Whether the procedure and agency of `definition` have a draft (this one or another)."""
    return definition.is_editable or (
        ProcessDefinition.objects.filter(
            procedure_id=definition.procedure_id,
            agency_id=definition.agency_id,
            status=ProcessDefinition.Status.DRAFT,
        ).exists()
    )


def process_steps_annotated(
    *, definition: ProcessDefinition, with_holders: bool = False
) -> list[ProcessStep]:
    """The steps in order, ready to show: each knows its running total of working days and the
    labels of its role, actions and adapter; `with_holders` adds `has_holder`, whether an active
    person holds its role in its unit (a step nobody holds would stop every dossier there)."""
    steps = _steps_of(definition.pk)
    held = (
        set(
            StaffRole.objects.filter(
                unit_id__in={step.unit_id for step in steps}, user__is_active=True
            ).values_list("unit_id", "role")
        )
        if with_holders
        else set()
    )
    adapters = dict(TransferAdapter.CHOICES)
    running = Decimal("0")
    for step in steps:
        running += step.duration
        step.has_holder = not with_holders or (step.unit_id, step.role) in held
        step.running_total = running
        step.running_text = _days(running)
        step.duration_text = _days(step.duration)
        step.role_label = str(Role(step.role).label) if step.role in Role.values else step.role
        step.action_labels = [
            str(StepAction(action).label) for action in step.actions if action in StepAction.values
        ]
        step.transfer_adapter_label = str(adapters.get(step.transfer_adapter, ""))
    return steps


def process_published_for(*, procedure: Procedure, agency_code: str = "") -> ProcessDefinition:
    """The published process of a procedure: of `agency_code`, or of the agency that implements
    its current version. Raises NotFound (404) when there is none."""
    definitions = ProcessDefinition.objects.filter(
        procedure=procedure, status=ProcessDefinition.Status.PUBLISHED
    ).select_related("agency")
    if agency_code:
        definitions = definitions.filter(agency__code=agency_code[:32])
    elif procedure.current_version is not None:
        definitions = definitions.filter(agency_id=procedure.current_version.agency_id)
    else:
        definitions = definitions.none()
    definition = definitions.first()
    if definition is None:
        raise NotFound(
            _("Thủ tục %(code)s chưa có quy trình nội bộ được công bố.") % {"code": procedure.code},
            field="agency" if agency_code else "code",
        )
    return definition


# --- Changes --------------------------------------------------------------------------------


def _lock_draft(definition: ProcessDefinition, expected_revision: str | None) -> ProcessDefinition:
    """The draft's row, locked until the end of the transaction, after the draft and revision
    checks (a publish that won the race shows up here as 409)."""
    locked = (
        ProcessDefinition.objects.select_for_update(of=("self",))
        .select_related("agency", "procedure", "procedure__current_version")
        .get(pk=definition.pk)
    )
    check_definition_editable(locked)
    if expected_revision is not None and expected_revision != process_definition_revision(
        steps=_steps_of(locked.pk)
    ):
        raise Conflict(STALE_MESSAGE, code="stale_version", field="revision")
    return locked


def process_definition_create(
    *, actor: User | None, procedure: Procedure, agency: Agency, note: str = ""
) -> ProcessDefinition:
    """Start draft number n+1 of the agency's process for the procedure, with a copy of the
    steps of its latest version (if any). One draft at a time per procedure and agency."""
    check_can_manage_catalog(actor, agency)
    note = nfc(note or "").strip()
    if len(note) > 500:
        raise InvalidInput(_("Ghi chú dài quá 500 ký tự."), field="note")
    with transaction.atomic():
        # The procedure's row serialises numbering and the one-draft rule between two admins.
        procedure = (
            Procedure.objects.select_for_update(of=("self",))
            .select_related("current_version")
            .get(pk=procedure.pk)
        )
        _check_agency_implements(procedure, agency)
        siblings = ProcessDefinition.objects.filter(procedure=procedure, agency=agency)
        draft = siblings.filter(status=ProcessDefinition.Status.DRAFT).first()
        if draft is not None:
            raise Conflict(
                _("Đã có bản nháp quy trình phiên bản %(number)s: hãy sửa bản nháp đó.")
                % {"number": draft.number},
                code="draft_exists",
                field="status",
            )
        source = siblings.order_by("-number").first()
        number = (siblings.aggregate(last=Max("number"))["last"] or 0) + 1
        definition = ProcessDefinition.objects.create(
            procedure=procedure, agency=agency, number=number, note=note
        )
        if source is not None:
            ProcessStep.objects.bulk_create(
                ProcessStep(
                    definition=definition,
                    **{
                        field.attname: getattr(step, field.attname)
                        for field in ProcessStep._meta.concrete_fields
                        if field.name not in {"id", "definition"}
                    },
                )
                for step in source.steps.all()
            )
        audit_record(
            actor=actor,
            action="process_definition.create",
            obj=definition,
            changes={
                "procedure": procedure.code,
                "agency": agency.code,
                "number": number,
                "from_number": source.number if source is not None else None,
            },
        )
    return definition


def process_step_save(
    *,
    actor: User | None,
    definition: ProcessDefinition,
    step: ProcessStep | None = None,
    expected_revision: str | None = None,
    **values: Any,
) -> ProcessStep:
    """Add a step at the end of a draft (`step` None) or change one of its steps."""
    check_can_manage_catalog(actor, definition.agency)
    with transaction.atomic():
        definition = _lock_draft(definition, expected_revision)
        cleaned = _clean_step_values(definition, values)
        if step is None:
            last = definition.steps.aggregate(last=Max("position"))["last"] or 0
            step = ProcessStep.objects.create(definition=definition, position=last + 1, **cleaned)
            audit_record(
                actor=actor,
                action="process_step.create",
                obj=step,
                changes={
                    "definition": definition.pk,
                    **{name: audit_value(value) for name, value in cleaned.items()},
                    "position": step.position,
                },
            )
            return step
        step = ProcessStep.objects.filter(pk=step.pk, definition=definition).first()
        if step is None:
            raise Conflict(STALE_MESSAGE, code="stale_version", field="step")
        changes = apply_changes(step, cleaned)
        if changes:
            step.save()
            audit_record(
                actor=actor,
                action="process_step.update",
                obj=step,
                changes={"definition": definition.pk, **changes},
            )
    return step


def process_step_delete(
    *,
    actor: User | None,
    step: ProcessStep,
    expected_revision: str | None = None,
) -> None:
    """Remove a step of a draft; the steps after it move up one place."""
    check_can_manage_catalog(actor, step.definition.agency)
    with transaction.atomic():
        definition = _lock_draft(step.definition, expected_revision)
        step = ProcessStep.objects.filter(pk=step.pk, definition=definition).first()
        if step is None:
            raise Conflict(STALE_MESSAGE, code="stale_version", field="step")
        audit_record(
            actor=actor,
            action="process_step.delete",
            obj=step,
            changes={"definition": definition.pk, "position": step.position, "name": step.name},
        )
        position = step.position
        step.delete()
        # One row at a time, upwards: the (definition, position) constraint is checked per row.
        for following in definition.steps.filter(position__gt=position).order_by("position"):
            following.position -= 1
            following.save(update_fields=["position"])


def process_step_move(
    *,
    actor: User | None,
    step: ProcessStep,
    offset: int,
    expected_revision: str | None = None,
) -> ProcessStep:
    """Move a step of a draft one place up (offset -1) or down (+1), swapping with its
    neighbour."""
    if offset not in (-1, 1):
        raise InvalidInput(_("Chỉ di chuyển được lên hoặc xuống một bước."), field="direction")
    check_can_manage_catalog(actor, step.definition.agency)
    with transaction.atomic():
        definition = _lock_draft(step.definition, expected_revision)
        step = ProcessStep.objects.filter(pk=step.pk, definition=definition).first()
        if step is None:
            raise Conflict(STALE_MESSAGE, code="stale_version", field="step")
        neighbour = definition.steps.filter(position=step.position + offset).first()
        if neighbour is None:
            raise InvalidInput(
                _("Bước này đã ở đầu danh sách.")
                if offset < 0
                else _("Bước này đã ở cuối danh sách."),
                field="direction",
            )
        old, new = step.position, neighbour.position
        # Through 0, which no step holds, because the position constraint is checked per row.
        step.position = 0
        step.save(update_fields=["position"])
        neighbour.position = old
        neighbour.save(update_fields=["position"])
        step.position = new
        step.save(update_fields=["position"])
        audit_record(
            actor=actor,
            action="process_step.move",
            obj=step,
            changes={"definition": definition.pk, "position": [old, new]},
        )
    return step


def process_definition_publish(
    *,
    actor: User | None,
    definition: ProcessDefinition,
    expected_revision: str | None = None,
) -> ProcessDefinition:
    """Publish a draft: dossiers received from now on follow it; the version it replaces is
    retired (dossiers already in processing keep it)."""
    check_can_manage_catalog(actor, definition.agency)
    with transaction.atomic():
        # Lock the procedure first, in the same order as `process_definition_create`.
        Procedure.objects.select_for_update().filter(pk=definition.procedure_id).first()
        definition = _lock_draft(definition, expected_revision)
        steps = _steps_of(definition.pk)
        _check_publishable(definition, steps)
        previous = (
            ProcessDefinition.objects.select_for_update()
            .filter(
                procedure_id=definition.procedure_id,
                agency_id=definition.agency_id,
                status=ProcessDefinition.Status.PUBLISHED,
            )
            .first()
        )
        if previous is not None:
            previous.status = ProcessDefinition.Status.RETIRED
            previous.save(update_fields=["status"])
            audit_record(
                actor=actor,
                action="process_definition.retire",
                obj=previous,
                changes={"status": ["published", "retired"], "replaced_by": definition.number},
            )
        definition.status = ProcessDefinition.Status.PUBLISHED
        definition.published_at = timezone.now()
        definition.save(update_fields=["status", "published_at"])
        audit_record(
            actor=actor,
            action="process_definition.publish",
            obj=definition,
            changes={
                "status": ["draft", "published"],
                "steps": len(steps),
                "total_duration": str(sum(step.duration for step in steps)),
                "retired": previous.number if previous is not None else None,
            },
        )
    return definition
