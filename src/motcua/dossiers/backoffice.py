"""The one-stop back office: every action taken on a submitted dossier, who may take it and what
it requires, performed by `dossier_act` (SPEC §3, GLOSSARY.md's action names).

One call is one transaction: the dossier row is locked, the caller's `version` checked (409 when
someone acted first), the action's state (400 `action_not_allowed`) and the actor's role and unit
(403) checked, then the action changes the dossier through `lifecycle.transition` (the only status
writer, which appends the history event and the audit entry), keeps the process control sheet
(`Handling`), and records the applicant's notifications in the outbox, all or nothing.

Who holds a dossier
    `current_unit` + `current_role` say where it waits and for whom; `assignee` the person once one
    is chosen. A staff user may act on a step when they are its assignee, or when nobody is
    assigned and they hold the step's role in its unit; the unit head of the step's unit may act
    on their unit's steps too (to unblock a specialist's absence). Reception and return are done by
    the agency's receiving officers.

Clock
    The legal time counts from reception (`core.calendar.reception_start`: after the 15:00
    cut-off, from the next working morning). While the applicant supplements (status 5) or pays
    an obligation (status 6) the clock stands still (`paused_at`); on resume the appointment, the
    step's due time and the open control-sheet line move forward by the working time waited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.accounts.models import Role, StaffRole, Unit, User
from motcua.accounts.selectors import is_staff_user
from motcua.catalog.models import ProcessStep
from motcua.catalog.selectors import process_definition_published, process_steps
from motcua.core.audit import audit_record
from motcua.core.calendar import (
    VIETNAM,
    WorkingCalendar,
    add_working_days,
    due_at,
    extend_due_for_pause,
    reception_start,
    working_hours_for,
    working_time_between,
)
from motcua.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from motcua.dossiers.lifecycle import FINAL, transition
from motcua.dossiers.models import (
    ApologyLetter,
    Attachment,
    AttachmentKind,
    Consultation,
    Dossier,
    DossierEvent,
    FinancialObligation,
    Handling,
    Outcome,
    Rating,
    ReturnMethod,
    Status,
    SupplementRequest,
)
from motcua.notifications.services import Recipient, notify

S = Status
# Statuses in which the dossier is with the agency, its clock running or stopped.
ACTIVE = frozenset({S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION})
MAX_TEXT = 4000
# What the system itself may do (callbacks of other agencies: a tax notice, its payment);
# everything else needs a person, who is recorded as its author.
SYSTEM_ACTIONS = frozenset({"pause", "resume"})


# --- Small rules ---------------------------------------------------------------------------------


def outcome_of(finished: datetime, due: datetime | None) -> str:
    """Early, on time or late, compared by the local date (SPEC §4)."""
    if due is None:
        return Outcome.ON_TIME
    finished_day = timezone.localtime(finished, VIETNAM).date()
    due_day = timezone.localtime(due, VIETNAM).date()
    if finished_day < due_day:
        return Outcome.EARLY
    if finished_day == due_day:
        return Outcome.ON_TIME
    return Outcome.LATE


def _text(payload: dict[str, Any], name: str, *, label: str, required: bool = True) -> str:
    value = payload.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("%(label)s phải là chuỗi ký tự.") % {"label": label}, field=name)
    value = value.strip()
    if required and not value:
        raise InvalidInput(_("Vui lòng nhập %(label)s.") % {"label": label}, field=name)
    if len(value) > MAX_TEXT:
        raise InvalidInput(
            _("%(label)s dài quá %(max)s ký tự.") % {"label": label, "max": MAX_TEXT}, field=name
        )
    return value


def _int(payload: dict[str, Any], name: str, *, label: str, required: bool = True) -> int | None:
    value = payload.get(name)
    if value in (None, ""):
        if required:
            raise InvalidInput(_("Vui lòng chọn %(label)s.") % {"label": label}, field=name)
        return None
    if isinstance(value, bool):
        raise InvalidInput(_("%(label)s phải là số nguyên.") % {"label": label}, field=name)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(
            _("%(label)s phải là số nguyên.") % {"label": label}, field=name
        ) from None
    if (isinstance(value, float) and value != number) or abs(number) > 2**62:
        raise InvalidInput(_("%(label)s phải là số nguyên.") % {"label": label}, field=name)
    return number


def _moment(payload: dict[str, Any], name: str, *, label: str, agency) -> datetime:
    """A date ("2026-12-01", the agency's closing time that day) or an aware date-time."""
    value = payload.get(name)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, working_hours_for(agency).afternoon_end)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if len(text) == 10:
                moment = datetime.combine(
                    date.fromisoformat(text), working_hours_for(agency).afternoon_end
                )
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(
                _("%(label)s không đúng định dạng ngày (YYYY-MM-DD).") % {"label": label},
                field=name,
            ) from None
    else:
        raise InvalidInput(_("Vui lòng nhập %(label)s.") % {"label": label}, field=name)
    if not 2000 <= moment.year <= 2100:
        raise InvalidInput(
            _("%(label)s phải trong khoảng năm 2000 đến 2100.") % {"label": label}, field=name
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=VIETNAM)
    return moment


def _reasons(payload: dict[str, Any], *, label: str) -> list[str]:
    """`reasons` as a list of texts, or one `reason`/`note` text; at least one is required."""
    raw = payload.get("reasons")
    if raw in (None, "", []):
        text = _text(payload, "reason", label=label, required=False) or _text(
            payload, "note", label=label, required=False
        )
        if not text:
            raise InvalidInput(_("Vui lòng nhập %(label)s.") % {"label": label}, field="reasons")
        return [text]
    if isinstance(raw, str):
        raw = [line for line in raw.splitlines()]
    if not isinstance(raw, list):
        raise InvalidInput(_("Lý do phải là danh sách."), field="reasons")
    reasons = []
    for index, item in enumerate(raw):
        if not isinstance(item, str):
            raise InvalidInput(_("Lý do phải là chuỗi ký tự."), field=f"reasons.{index}")
        item = item.strip()
        if len(item) > MAX_TEXT:
            raise InvalidInput(_("Lý do quá dài."), field=f"reasons.{index}")
        if item:
            reasons.append(item)
    if not reasons:
        raise InvalidInput(_("Vui lòng nhập %(label)s.") % {"label": label}, field="reasons")
    return reasons


# --- Who the actor is ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """The user and the (unit, role) pairs they hold, read once per action."""

    user: User | None
    roles: frozenset[tuple[int, str]] = frozenset()
    agencies_by_role: dict[str, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, user: User | None) -> Actor:
        if user is None or not is_staff_user(user):
            return cls(user=user)
        pairs = list(
            StaffRole.objects.filter(user=user, unit__is_active=True).values_list(
                "unit_id", "role", "unit__agency_id"
            )
        )
        by_role: dict[str, set[int]] = {}
        for _unit, role, agency_id in pairs:
            by_role.setdefault(role, set()).add(agency_id)
        return cls(
            user=user,
            roles=frozenset((unit, role) for unit, role, _agency in pairs),
            agencies_by_role={role: frozenset(ids) for role, ids in by_role.items()},
        )

    @property
    def is_system(self) -> bool:
        return self.user is None

    @property
    def is_superuser(self) -> bool:
        return bool(self.user and self.user.is_superuser)

    def has(self, role: str, *, agency_id: int | None = None, unit_id: int | None = None) -> bool:
        if self.is_superuser:
            return True
        if unit_id is not None:
            return (unit_id, role) in self.roles
        agencies = self.agencies_by_role.get(role, frozenset())
        return bool(agencies) if agency_id is None else agency_id in agencies

    def in_unit(self, unit_id: int) -> bool:
        return self.is_superuser or any(unit == unit_id for unit, _role in self.roles)


def _deny(message: str | None = None) -> PermissionDenied:
    return PermissionDenied(
        message or _("Bạn không có quyền thực hiện thao tác này trên hồ sơ."), field="action"
    )


def _check_receiving_officer(actor: Actor, dossier: Dossier) -> None:
    if not actor.has(Role.RECEIVING_OFFICER, agency_id=dossier.agency_id):
        raise _deny(_("Chỉ cán bộ tiếp nhận của cơ quan mới thực hiện được thao tác này."))


def _is_holder(actor: Actor, dossier: Dossier) -> bool:
    if actor.is_superuser:
        return True
    user = actor.user
    if user is None or dossier.current_unit_id is None:
        return False
    if dossier.assignee_id is not None and dossier.assignee_id == user.pk:
        return True
    if dossier.assignee_id is None and actor.has(
        dossier.current_role, unit_id=dossier.current_unit_id
    ):
        return True
    return actor.has(Role.UNIT_HEAD, unit_id=dossier.current_unit_id)


def _check_holder(actor: Actor, dossier: Dossier) -> None:
    if not _is_holder(actor, dossier):
        raise _deny(_("Hồ sơ không do bạn xử lý ở bước này."))


def _check_head(actor: Actor, dossier: Dossier) -> None:
    """The head of the unit holding the dossier, or a director of its agency."""
    if dossier.current_unit_id is not None and actor.has(
        Role.UNIT_HEAD, unit_id=dossier.current_unit_id
    ):
        return
    if actor.has(Role.DIRECTOR, agency_id=dossier.agency_id):
        return
    raise _deny(_("Chỉ lãnh đạo đơn vị đang giữ hồ sơ hoặc lãnh đạo cơ quan mới làm được."))


def _check_applicant_or_desk(actor: Actor, dossier: Dossier) -> None:
    """The applicant's own account, or a receiving officer acting on the applicant's request."""
    if actor.user is not None and dossier.owner_id == actor.user.pk:
        return
    _check_receiving_officer(actor, dossier)


# --- The action table ----------------------------------------------------------------------------


@dataclass
class Context:
    dossier: Dossier
    actor: Actor
    payload: dict[str, Any]
    at: datetime
    calendar: WorkingCalendar
    notifications: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Free room for before/after hooks of other apps to pass things along (e.g. the step a
    # "finish" started from, saved by a before-hook for the after-hook).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> User | None:
        return self.actor.user


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: Any
    statuses: frozenset[str]
    check: Callable[[Actor, Dossier], None]
    perform: Callable[[Context], None]
    # The current step must list it in `actions` (step actions of catalog.StepAction).
    step_action: bool = False
    # Offered to the applicant in "Hồ sơ của tôi" rather than in the staff workspace.
    applicant: bool = False
    # Needs a form in the workspace (reasons, items...) rather than one click.
    needs_input: bool = True


ACTIONS: dict[str, ActionSpec] = {}

# Other apps plug into actions here (payments, results...), from their AppConfig.ready():
# `before_action["receive"].append(check)` runs after the engine's own checks and before the
# action, `after_action["finish"].append(hook)` right after it; both inside the action's
# transaction, so raising a DomainError from either undoes the whole action.
ActionHook = Callable[["Context"], None]
before_action: defaultdict[str, list[ActionHook]] = defaultdict(list)
after_action: defaultdict[str, list[ActionHook]] = defaultdict(list)


def action(
    name: str,
    label: Any,
    statuses: set[str],
    *,
    check: Callable[[Actor, Dossier], None],
    step_action: bool = False,
    applicant: bool = False,
    needs_input: bool = True,
):
    def register(perform: Callable[[Context], None]) -> Callable[[Context], None]:
        ACTIONS[name] = ActionSpec(
            name=name,
            label=label,
            statuses=frozenset(statuses),
            check=check,
            perform=perform,
            step_action=step_action,
            applicant=applicant,
            needs_input=needs_input,
        )
        return perform

    return register


# --- Control sheet and steps ---------------------------------------------------------------------


def _open_handling(dossier: Dossier) -> Handling | None:
    return Handling.objects.filter(dossier=dossier, completed_at__isnull=True).first()


def _close_handling(ctx: Context, *, action_name: str, note: str = "") -> None:
    line = _open_handling(ctx.dossier)
    if line is None:
        return
    line.completed_at = ctx.at
    line.completed_by = ctx.user if getattr(ctx.user, "pk", None) else None
    line.completed_action = action_name
    line.outcome = outcome_of(ctx.at, line.due_at)
    line.note = note[:MAX_TEXT]
    line.save(update_fields=["completed_at", "completed_by", "completed_action", "outcome", "note"])


def _single_holder(unit_id: int, role: str) -> User | None:
    """The one active user holding `role` in the unit, if exactly one does."""
    users = list(
        User.objects.filter(
            staff_roles__unit_id=unit_id, staff_roles__role=role, is_active=True
        ).distinct()[:2]
    )
    return users[0] if len(users) == 1 else None


def least_loaded(unit_id: int, role: str) -> User | None:
    """The active user holding `role` in the unit who holds the fewest open dossiers now (ties:
    the lowest id, so the choice is stable)."""
    return (
        User.objects.filter(staff_roles__unit_id=unit_id, staff_roles__role=role, is_active=True)
        .annotate(
            load=Count(
                "assigned_dossiers",
                filter=Q(assigned_dossiers__status__in=ACTIVE),
                distinct=True,
            )
        )
        .order_by("load", "pk")
        .first()
    )


def _hold(
    ctx: Context,
    *,
    unit: Unit,
    role: str,
    step: ProcessStep | None,
    due: datetime | None,
    assignee: User | None,
) -> dict[str, Any]:
    """Open the control-sheet line of the new holder; the dossier fields to set."""
    Handling.objects.create(
        dossier=ctx.dossier,
        step=step,
        unit=unit,
        role=role,
        handler=assignee,
        started_at=ctx.at,
        due_at=due,
    )
    return {
        "current_step": step,
        "current_unit": unit,
        "current_role": role,
        "assignee": assignee,
        "step_started_at": ctx.at,
        "step_due_at": due,
    }


def _enter_step(ctx: Context, step: ProcessStep, *, assignee: User | None = None) -> dict:
    due = due_at(
        ctx.at,
        step.duration,
        step.duration_unit,
        agency=ctx.dossier.agency,
        calendar=ctx.calendar,
    )
    assignee = assignee or _single_holder(step.unit_id, step.role)
    fields = _hold(ctx, unit=step.unit, role=step.role, step=step, due=due, assignee=assignee)
    if assignee is not None and assignee != ctx.user:
        _notify_staff(ctx, assignee, "dossier_assigned", {"step": step.display_name})
    return fields


def _steps(dossier: Dossier) -> list[ProcessStep]:
    if dossier.process_definition_id is None:
        return []
    return process_steps(definition_id=dossier.process_definition_id)


def _step_at(dossier: Dossier, position: int) -> ProcessStep | None:
    return next((step for step in _steps(dossier) if step.position == position), None)


def _desk_unit(ctx: Context) -> Unit:
    """The one-stop desk where the dossier was received (its reception line), else the acting
    officer's desk, else the agency's first one-stop desk."""
    reception = (
        Handling.objects.filter(dossier=ctx.dossier, step__isnull=True)
        .select_related("unit")
        .order_by("started_at", "pk")
        .first()
    )
    if reception is not None:
        return reception.unit
    if ctx.user is not None:
        unit = Unit.objects.filter(
            agency_id=ctx.dossier.agency_id,
            staff_roles__user=ctx.user,
            staff_roles__role=Role.RECEIVING_OFFICER,
        ).first()
        if unit is not None:
            return unit
    unit = (
        Unit.objects.filter(agency_id=ctx.dossier.agency_id, is_active=True)
        .order_by("-is_one_stop_desk", "code")
        .first()
    )
    if unit is None:
        raise InvalidInput(_("Cơ quan chưa khai báo bộ phận một cửa."), field="agency")
    return unit


def _step_data(step: ProcessStep | None) -> dict[str, Any]:
    if step is None:
        return {}
    return {"step": step.position, "step_name": step.name, "unit": step.unit.name}


def _move(
    ctx: Context,
    *,
    to_status: str,
    name: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
    is_public: bool = True,
) -> None:
    transition(
        dossier=ctx.dossier,
        to_status=to_status,
        actor=ctx.user,
        action=name,
        note=note,
        data=data or {},
        at=ctx.at,
        is_public=is_public,
        update_fields=fields or {},
    )


def _hand_on(
    ctx: Context,
    step: ProcessStep,
    *,
    name: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    assignee: User | None = None,
    is_public: bool = True,
) -> None:
    """Close the current line of the control sheet and give the dossier to `step` of its
    process (status processing): forward from the desk or a step, or return to an earlier one."""
    _close_handling(ctx, action_name=name, note=note)
    _move(
        ctx,
        to_status=S.PROCESSING,
        name=name,
        note=note,
        data={**_step_data(step), **(data or {})},
        fields=_enter_step(ctx, step, assignee=assignee),
        is_public=is_public,
    )


def _release() -> dict[str, Any]:
    """Fields of a dossier nobody holds any more."""
    return {
        "current_step": None,
        "current_unit": None,
        "current_role": "",
        "assignee": None,
        "step_started_at": None,
        "step_due_at": None,
        "waiting_on": "",
    }


# --- Notifications -------------------------------------------------------------------------------


def _notify(ctx: Context, event: str, data: dict[str, Any] | None = None) -> None:
    """Queue a message to the applicant, sent with the change (outbox, after commit)."""
    ctx.notifications.append((event, data or {}))


def notify_applicant(dossier: Dossier, event: str, data: dict[str, Any]) -> None:
    """Record a message to the dossier's applicant in the outbox (SMS, e-mail, in the app, as
    they chose), in the caller's transaction."""
    owner = dossier.owner
    notify(
        event=event,
        recipient=Recipient(
            name=dossier.applicant_name,
            phone=dossier.applicant_phone,
            email=dossier.applicant_email,
            user_id=dossier.owner_id,
            language=getattr(owner, "preferred_language", "vi") or "vi",
        ),
        data={
            "code": dossier.code,
            "procedure": dossier.procedure_version.name,
            "appointment_at": dossier.promised_at,
            "url": _page_url(dossier, staff=False),
            **data,
        },
        dossier_code=dossier.code or "",
    )


def _notify_staff(ctx: Context, user: User, event: str, data: dict[str, Any]) -> None:
    notify(
        event=event,
        recipient=Recipient(
            name=user.full_name, user_id=user.pk, language=user.preferred_language or "vi"
        ),
        data={"code": ctx.dossier.code, "url": _page_url(ctx.dossier, staff=True), **data},
        dossier_code=ctx.dossier.code or "",
        channels=["in_app"],
    )


def _page_url(dossier: Dossier, *, staff: bool) -> str:
    """The absolute address of the dossier's page: the workspace for staff, "Hồ sơ của tôi"
    for an applicant with an account, the public lookup otherwise."""
    if staff:
        path = reverse("dossiers:workspace-dossier", args=[dossier.code])
    elif dossier.owner_id:
        path = reverse("dossiers:mine-detail", args=[dossier.code])
    else:
        path = reverse("dossiers:lookup") + f"?code={dossier.code}"
    return settings.SITE_URL.rstrip("/") + path


# --- Reception -----------------------------------------------------------------------------------


@action(
    "receive",
    gettext_lazy("Tiếp nhận hồ sơ"),
    {S.NEW},
    check=_check_receiving_officer,
    needs_input=False,
)
def _receive(ctx: Context) -> None:
    """Accept a complete dossier (form 01): the legal time starts, the appointment is set, the
    internal process chosen; then (unless `forward` is false) it goes to the first step at once,
    as an electronic dossier does."""
    dossier = ctx.dossier
    version = dossier.procedure_version
    definition = process_definition_published(
        procedure_id=version.procedure_id, agency_id=dossier.agency_id
    )
    if definition is None or not _definition_steps(definition.pk):
        raise InvalidInput(
            _("Thủ tục này chưa có quy trình nội bộ được ban hành: không tiếp nhận được."),
            code="no_process",
            field="process_definition",
        )
    start = reception_start(ctx.at, agency=dossier.agency, calendar=ctx.calendar)
    appointment = due_at(
        start,
        version.processing_time,
        version.processing_time_unit,
        agency=dossier.agency,
        calendar=ctx.calendar,
    )
    desk = _desk_unit(ctx)
    fields = _hold(
        ctx, unit=desk, role=Role.RECEIVING_OFFICER, step=None, due=None, assignee=ctx.user
    )
    note = _text(ctx.payload, "note", label=_("ghi chú"), required=False)
    _move(
        ctx,
        to_status=S.RECEIVED,
        name="receive",
        note=note,
        data={"appointment_at": appointment.isoformat(), "counting_from": start.isoformat()},
        fields={
            **fields,
            "received_at": ctx.at,
            "appointment_at": appointment,
            "process_definition": definition,
        },
    )
    _notify(ctx, "dossier_received", {"appointment_at": appointment})
    if ctx.payload.get("forward", True) not in (False, "false", "0", 0):
        _forward_from_desk(ctx)


def _definition_steps(definition_id: int) -> list[ProcessStep]:
    return process_steps(definition_id=definition_id)


def _forward_from_desk(ctx: Context) -> None:
    first = _step_at(ctx.dossier, 1)
    if first is None:
        raise InvalidInput(_("Quy trình nội bộ không có bước nào."), field="process_definition")
    _hand_on(ctx, first, name="forward")


@action(
    "refuse",
    gettext_lazy("Từ chối tiếp nhận"),
    {S.NEW},
    check=_check_receiving_officer,
)
def _refuse(ctx: Context) -> None:
    """Form 03: not eligible or not within the agency's competence, with reasons."""
    reasons = _reasons(ctx.payload, label=_("lý do từ chối"))
    _move(
        ctx,
        to_status=S.REFUSED,
        name="refuse",
        note="\n".join(reasons),
        data={"reasons": reasons},
        fields=_release(),
    )
    _notify(ctx, "dossier_refused", {"reasons": "; ".join(reasons)})


def _supplement_items(ctx: Context) -> list[dict[str, Any]]:
    raw = ctx.payload.get("items")
    if not isinstance(raw, list) or not raw:
        raise InvalidInput(
            _("Vui lòng liệt kê ít nhất một giấy tờ cần bổ sung và lý do."), field="items"
        )
    documents = {
        document.pk: document for document in ctx.dossier.procedure_version.documents.all()
    }
    items = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidInput(_("Mỗi mục cần bổ sung phải có tên và lý do."), field="items")
        document_id = _int(item, "document_id", label=_("thành phần hồ sơ"), required=False)
        if document_id is not None and document_id not in documents:
            raise InvalidInput(
                _("Thành phần hồ sơ không thuộc thủ tục này."), field=f"items.{index}.document_id"
            )
        name = item.get("name") or (documents[document_id].name if document_id else "")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(
                _("Vui lòng nhập tên giấy tờ cần bổ sung."), field=f"items.{index}.name"
            )
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput(
                _("Vui lòng nêu lý do cần bổ sung, hoàn thiện giấy tờ này."),
                field=f"items.{index}.reason",
            )
        if len(name) > 500 or len(reason) > MAX_TEXT:
            raise InvalidInput(_("Nội dung quá dài."), field=f"items.{index}")
        items.append({"document_id": document_id, "name": name.strip(), "reason": reason.strip()})
    return items


def _check_supplement_requester(actor: Actor, dossier: Dossier) -> None:
    if dossier.status == S.NEW:
        _check_receiving_officer(actor, dossier)
    else:
        _check_holder(actor, dossier)


@action(
    "request_supplement",
    gettext_lazy("Yêu cầu bổ sung hồ sơ"),
    {S.NEW, S.PROCESSING},
    check=_check_supplement_requester,
    step_action=True,
)
def _request_supplement(ctx: Context) -> None:
    """Form 02. At reception nothing is counting yet; in processing the clock stops until the
    applicant answers."""
    dossier = ctx.dossier
    items = _supplement_items(ctx)
    note = _text(ctx.payload, "note", label=_("hướng dẫn"), required=False)
    number = SupplementRequest.objects.filter(dossier=dossier).count() + 1
    in_processing = dossier.status == S.PROCESSING
    SupplementRequest.objects.create(
        dossier=dossier,
        number=number,
        stage=(
            SupplementRequest.Stage.PROCESSING
            if in_processing
            else SupplementRequest.Stage.RECEPTION
        ),
        items=items,
        note=note,
        requested_by=ctx.user,
        requested_at=ctx.at,
        step=dossier.current_step if in_processing else None,
        due_before=dossier.appointment_at if in_processing else None,
    )
    fields: dict[str, Any] = {"paused_at": ctx.at} if in_processing else {}
    _move(
        ctx,
        to_status=S.SUPPLEMENT_REQUESTED,
        name="request_supplement",
        note=note,
        data={"number": number, "items": items},
        fields=fields,
    )
    _notify(ctx, "supplement_requested", {"items": items, "note": note, "number": number})


def _extended(ctx: Context, moment: datetime | None) -> datetime | None:
    paused = ctx.dossier.paused_at
    if moment is None or paused is None:
        return moment
    return extend_due_for_pause(
        moment,
        paused,
        ctx.at,
        hours=working_hours_for(ctx.dossier.agency),
        calendar=ctx.calendar,
    )


def _resume_fields(ctx: Context) -> dict[str, Any]:
    """The clock restarts: appointment, step due time and the open control-sheet line move
    forward by the working time the dossier waited."""
    dossier = ctx.dossier
    line = _open_handling(dossier)
    if line is not None and line.due_at is not None:
        line.due_at = _extended(ctx, line.due_at)
        line.save(update_fields=["due_at"])
    return {
        "paused_at": None,
        "appointment_at": _extended(ctx, dossier.appointment_at),
        "step_due_at": _extended(ctx, dossier.step_due_at),
        "rescheduled_appointment_at": _extended(ctx, dossier.rescheduled_appointment_at),
    }


def _attach_files(ctx: Context, request: SupplementRequest | None) -> list[int]:
    ids = ctx.payload.get("attachment_ids") or []
    if not isinstance(ids, list):
        raise InvalidInput(_("Danh sách tệp không hợp lệ."), field="attachment_ids")
    attached = []
    for index, raw in enumerate(ids):
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise InvalidInput(_("Mã tệp không hợp lệ."), field=f"attachment_ids.{index}") from None
        updated = Attachment.objects.filter(
            pk=pk, dossier__isnull=True, uploaded_by=ctx.user
        ).update(dossier=ctx.dossier, supplement_request=request)
        if not updated:
            raise InvalidInput(
                _("Không tìm thấy tệp đã tải lên (có thể đã được dùng)."),
                field=f"attachment_ids.{index}",
            )
        attached.append(pk)
    return attached


@action(
    "supplement",
    gettext_lazy("Nộp bổ sung hồ sơ"),
    {S.SUPPLEMENT_REQUESTED},
    check=_check_applicant_or_desk,
    applicant=True,
)
def _supplement(ctx: Context) -> None:
    """The applicant answers form 02: back to reception when asked there, back to the same
    step and person (clock restarted) when asked during processing."""
    dossier = ctx.dossier
    request = (
        SupplementRequest.objects.filter(dossier=dossier, answered_at__isnull=True)
        .order_by("-number")
        .first()
    )
    note = _text(ctx.payload, "note", label=_("ghi chú"), required=False)
    files = _attach_files(ctx, request)
    if not files and not note:
        raise InvalidInput(
            _("Vui lòng tải lên giấy tờ bổ sung hoặc ghi rõ nội dung đã bổ sung."),
            field="attachment_ids",
        )
    if request is not None and request.stage == SupplementRequest.Stage.PROCESSING:
        fields = _resume_fields(ctx)
        to_status = S.PROCESSING
    else:
        fields = {}
        to_status = S.NEW
    if request is not None:
        request.answered_at = ctx.at
        request.answer_note = note
        request.due_after = fields.get("appointment_at")
        request.save(update_fields=["answered_at", "answer_note", "due_after"])
    _move(
        ctx,
        to_status=to_status,
        name="supplement",
        note=note,
        data={"attachments": files, "number": request.number if request else None},
        fields=fields,
    )
    if to_status == S.PROCESSING and dossier.assignee_id and dossier.assignee != ctx.user:
        _notify_staff(ctx, dossier.assignee, "dossier_assigned", {"step": _("bổ sung hồ sơ")})


# --- Processing ----------------------------------------------------------------------------------


def _check_forward(actor: Actor, dossier: Dossier) -> None:
    if dossier.status == S.RECEIVED:
        _check_receiving_officer(actor, dossier)
    else:
        _check_holder(actor, dossier)


def _check_step_allows(dossier: Dossier, name: str) -> None:
    step = dossier.current_step
    if step is None or not step.allows(name):
        raise InvalidInput(
            _("Bước xử lý hiện tại không cho phép thao tác này."),
            code="action_not_allowed",
            field="action",
        )


@action(
    "forward",
    gettext_lazy("Chuyển bước tiếp theo"),
    {S.RECEIVED, S.PROCESSING},
    check=_check_forward,
    step_action=True,
    needs_input=False,
)
def _forward(ctx: Context) -> None:
    dossier = ctx.dossier
    if dossier.status == S.RECEIVED:
        _forward_from_desk(ctx)
        return
    if dossier.waiting_on:
        raise InvalidInput(
            _("Hồ sơ đang chờ cơ quan liên thông trả lời: chưa chuyển bước được."),
            code="waiting_transfer",
            field="action",
        )
    step = dossier.current_step
    following = _step_at(dossier, step.position + 1)
    if following is None:
        raise InvalidInput(
            _("Đây là bước cuối của quy trình: dùng thao tác “Hoàn thành”."),
            code="action_not_allowed",
            field="action",
        )
    note = _text(ctx.payload, "note", label=_("ý kiến"), required=False)
    approved = step.kind in ("approve", "sign")
    _hand_on(
        ctx,
        following,
        name="forward",
        note=note,
        data={"from_step": step.position, "approved": approved},
    )


@action(
    "return_to_step",
    gettext_lazy("Trả lại bước trước"),
    {S.PROCESSING},
    check=_check_holder,
    step_action=True,
)
def _return_to_step(ctx: Context) -> None:
    dossier = ctx.dossier
    current = dossier.current_step
    reason = _text(ctx.payload, "reason", label=_("lý do trả lại"))
    position = _int(ctx.payload, "step", label=_("bước trả về"), required=False)
    if position is None:
        position = current.position - 1
    target = _step_at(dossier, position)
    if target is None or position >= current.position:
        raise InvalidInput(_("Chỉ trả lại được một bước trước bước hiện tại."), field="step")
    previous = (
        Handling.objects.filter(dossier=dossier, step=target, handler__isnull=False)
        .order_by("-started_at", "-pk")
        .values_list("handler", flat=True)
        .first()
    )
    assignee = User.objects.filter(pk=previous, is_active=True).first() if previous else None
    _hand_on(
        ctx,
        target,
        name="return_to_step",
        note=reason,
        data={"from_step": current.position},
        assignee=assignee,
        is_public=False,
    )


@action(
    "assign",
    gettext_lazy("Phân công xử lý"),
    {S.PROCESSING},
    check=_check_head,
)
def _assign(ctx: Context) -> None:
    """The unit head gives the step to a person holding the step's role in the unit, or
    `"assignee": "auto"` to the one who holds the fewest open dossiers."""
    dossier = ctx.dossier
    raw = ctx.payload.get("assignee")
    if raw == "auto":
        user = least_loaded(dossier.current_unit_id, dossier.current_role)
        if user is None:
            raise InvalidInput(
                _("Đơn vị không có cán bộ nào đảm nhận vai trò của bước này."), field="assignee"
            )
    else:
        user_id = _int(ctx.payload, "assignee", label=_("cán bộ xử lý"))
        user = User.objects.filter(
            pk=user_id,
            is_active=True,
            staff_roles__unit_id=dossier.current_unit_id,
            staff_roles__role=dossier.current_role,
        ).first()
        if user is None:
            raise InvalidInput(
                _("Cán bộ được chọn không đảm nhận bước này trong đơn vị."), field="assignee"
            )
    if user.pk == dossier.assignee_id:
        raise InvalidInput(_("Hồ sơ đã được giao cho cán bộ này."), field="assignee")
    Handling.objects.filter(dossier=dossier, completed_at__isnull=True).update(handler=user)
    _move(
        ctx,
        to_status=S.PROCESSING,
        name="assign",
        data={"assignee": user.pk, "assignee_name": user.full_name},
        fields={"assignee": user},
        is_public=False,
    )
    if user != ctx.user:
        _notify_staff(ctx, user, "dossier_assigned", {"step": dossier.current_step.display_name})


@action(
    "consult",
    gettext_lazy("Xin ý kiến"),
    {S.PROCESSING},
    check=_check_holder,
    step_action=True,
)
def _consult(ctx: Context) -> None:
    dossier = ctx.dossier
    unit_id = _int(ctx.payload, "unit", label=_("đơn vị được xin ý kiến"))
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None:
        raise InvalidInput(_("Không tìm thấy đơn vị được xin ý kiến."), field="unit")
    if unit.pk == dossier.current_unit_id:
        raise InvalidInput(_("Hãy chọn một đơn vị khác đơn vị đang xử lý."), field="unit")
    question = _text(ctx.payload, "question", label=_("nội dung xin ý kiến"))
    days = _int(ctx.payload, "days", label=_("số ngày"), required=False)
    days = days if days is not None else settings.CONSULTATION_DEFAULT_DAYS
    if not 1 <= days <= 60:
        raise InvalidInput(_("Thời hạn trả lời từ 1 đến 60 ngày làm việc."), field="days")
    due = add_working_days(
        ctx.at, days, hours=working_hours_for(dossier.agency), calendar=ctx.calendar
    )
    consultation = Consultation.objects.create(
        dossier=dossier,
        step=dossier.current_step,
        to_unit=unit,
        question=question,
        requested_by=ctx.user,
        requested_at=ctx.at,
        due_at=due,
    )
    _move(
        ctx,
        to_status=S.PROCESSING,
        name="consult",
        note=question,
        data={"consultation": consultation.pk, "unit": unit.name, "due_at": due.isoformat()},
        is_public=False,
    )
    for head in User.objects.filter(
        staff_roles__unit=unit, staff_roles__role=Role.UNIT_HEAD, is_active=True
    ).distinct():
        _notify_staff(ctx, head, "consultation_requested", {"question": question, "due_at": due})


def _check_consulted(actor: Actor, dossier: Dossier) -> None:
    """Anyone of a unit with an open consultation on the dossier."""
    units = Consultation.objects.filter(dossier=dossier, answered_at__isnull=True).values_list(
        "to_unit_id", flat=True
    )
    if not any(actor.in_unit(unit) for unit in units):
        raise _deny(_("Đơn vị của bạn không được xin ý kiến về hồ sơ này."))


@action(
    "answer_consultation",
    gettext_lazy("Trả lời xin ý kiến"),
    {S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION},
    check=_check_consulted,
)
def _answer_consultation(ctx: Context) -> None:
    dossier = ctx.dossier
    pk = _int(ctx.payload, "consultation", label=_("yêu cầu xin ý kiến"))
    consultation = Consultation.objects.filter(
        pk=pk, dossier=dossier, answered_at__isnull=True
    ).first()
    if consultation is None or not ctx.actor.in_unit(consultation.to_unit_id):
        raise InvalidInput(
            _("Không tìm thấy yêu cầu xin ý kiến đang chờ đơn vị bạn trả lời."),
            field="consultation",
        )
    answer = _text(ctx.payload, "answer", label=_("ý kiến trả lời"))
    consultation.answer = answer
    consultation.answered_by = ctx.user
    consultation.answered_at = ctx.at
    consultation.save(update_fields=["answer", "answered_by", "answered_at"])
    _move(
        ctx,
        to_status=dossier.status,
        name="answer_consultation",
        note=answer,
        data={
            "consultation": consultation.pk,
            "on_time": outcome_of(ctx.at, consultation.due_at) != Outcome.LATE,
        },
        is_public=False,
    )
    if dossier.assignee_id:
        _notify_staff(
            ctx, dossier.assignee, "dossier_assigned", {"step": _("đã có ý kiến trả lời")}
        )


@action(
    "inspect",
    gettext_lazy("Ghi nhận kiểm tra thực địa"),
    {S.PROCESSING},
    check=_check_holder,
    step_action=True,
)
def _inspect(ctx: Context) -> None:
    findings = _text(ctx.payload, "findings", label=_("kết quả kiểm tra"))
    day = ctx.payload.get("date") or timezone.localdate(ctx.at).isoformat()
    inspected = _moment({"date": day}, "date", label=_("ngày kiểm tra"), agency=None).date()
    if inspected > timezone.localdate(ctx.at):
        raise InvalidInput(_("Ngày kiểm tra không được sau hôm nay."), field="date")
    files = ctx.payload.get("attachment_ids") or []
    if files:
        _attach_files(ctx, None)
        Attachment.objects.filter(pk__in=files, dossier=ctx.dossier).update(
            kind=AttachmentKind.INSPECTION
        )
    _move(
        ctx,
        to_status=S.PROCESSING,
        name="inspect",
        note=findings,
        data={"date": inspected.isoformat(), "attachments": files},
        is_public=False,
    )


@action(
    "transfer",
    gettext_lazy("Chuyển liên thông"),
    {S.PROCESSING},
    check=_check_holder,
    step_action=True,
)
def _transfer(ctx: Context) -> None:
    """Hand the dossier to another agency through the step's adapter (tax, another Motcua
    agency); it stays at this step, waiting, until the answer comes back."""
    from motcua.integrations.services import transfer_start

    dossier = ctx.dossier
    step = dossier.current_step
    if not step.transfer_adapter:
        raise InvalidInput(_("Bước này chưa cấu hình kênh liên thông."), field="transfer_adapter")
    if dossier.waiting_on == "transfer":
        raise Conflict(
            _("Hồ sơ đã được chuyển liên thông và đang chờ trả lời."),
            code="already_transferred",
            field="action",
        )
    note = _text(ctx.payload, "note", label=_("ghi chú"), required=False)
    _move(
        ctx,
        to_status=S.PROCESSING,
        name="transfer",
        note=note,
        data={
            "adapter": step.transfer_adapter,
            "agency": step.transfer_agency.name if step.transfer_agency_id else "",
        },
        fields={"waiting_on": "transfer"},
    )
    transfer_start(dossier=dossier, step=step, actor=ctx.user, at=ctx.at)


def _obligation_from(ctx: Context) -> FinancialObligation:
    payload = ctx.payload
    amount = _int(payload, "amount", label=_("số tiền"))
    if amount is None or amount < 0 or amount > 10**15:
        raise InvalidInput(_("Số tiền phải là số không âm (đồng)."), field="amount")
    items = payload.get("items") or []
    if not isinstance(items, list):
        raise InvalidInput(_("Các khoản phải nộp phải là danh sách."), field="items")
    return FinancialObligation.objects.create(
        dossier=ctx.dossier,
        issuer=_text(payload, "issuer", label=_("cơ quan thông báo"), required=False)[:255]
        or _("Cơ quan thuế"),
        notice_number=_text(payload, "notice_number", label=_("số thông báo"), required=False)[
            :100
        ],
        amount=amount,
        items=items,
        external_ref=str(payload.get("external_ref") or "")[:100],
        payment_url=_web_address(payload.get("payment_url")),
        issued_at=ctx.at,
    )


def _web_address(value: Any) -> str:
    """An http(s) address to link the applicant to, or "" (never a javascript: or other URL)."""
    if not isinstance(value, str) or len(value) > 500:
        return ""
    return value if value.startswith(("https://", "http://")) else ""


@action(
    "pause",
    gettext_lazy("Tạm dừng chờ nghĩa vụ tài chính"),
    {S.PROCESSING},
    check=_check_holder,
)
def _pause(ctx: Context) -> None:
    """Status 6: the applicant must pay a financial obligation; the clock stops."""
    obligation = _obligation_from(ctx)
    note = _text(ctx.payload, "note", label=_("ghi chú"), required=False)
    _move(
        ctx,
        to_status=S.FINANCIAL_OBLIGATION,
        name="pause",
        note=note,
        data={
            "amount": obligation.amount,
            "notice_number": obligation.notice_number,
            "issuer": obligation.issuer,
        },
        fields={"paused_at": ctx.at},
    )
    _notify(
        ctx,
        "financial_obligation",
        {"amount": obligation.amount, "notice_number": obligation.notice_number},
    )


def _check_resume(actor: Actor, dossier: Dossier) -> None:
    if _is_holder(actor, dossier):
        return
    _check_receiving_officer(actor, dossier)


@action(
    "resume",
    gettext_lazy("Tiếp tục xử lý (đã hoàn thành nghĩa vụ tài chính)"),
    {S.FINANCIAL_OBLIGATION},
    check=_check_resume,
)
def _resume(ctx: Context) -> None:
    payment_ref = _text(ctx.payload, "payment_ref", label=_("chứng từ nộp tiền"), required=False)
    FinancialObligation.objects.filter(dossier=ctx.dossier, paid_at__isnull=True).update(
        paid_at=ctx.at, payment_ref=payment_ref[:100]
    )
    fields = _resume_fields(ctx)
    _move(
        ctx,
        to_status=S.PROCESSING,
        name="resume",
        data={"payment_ref": payment_ref},
        fields=fields,
    )


@action(
    "stop",
    gettext_lazy("Dừng xử lý"),
    {S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION},
    check=_check_head,
)
def _stop(ctx: Context) -> None:
    reasons = _reasons(ctx.payload, label=_("lý do dừng xử lý"))
    _close_handling(ctx, action_name="stop", note="\n".join(reasons))
    _move(
        ctx,
        to_status=S.STOPPED,
        name="stop",
        note="\n".join(reasons),
        data={"reasons": reasons},
        fields={**_release(), "paused_at": None},
    )
    _notify(ctx, "dossier_stopped", {"reason": "\n".join(reasons)})


@action(
    "withdraw",
    gettext_lazy("Rút hồ sơ"),
    {S.NEW, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION},
    check=_check_applicant_or_desk,
    applicant=True,
)
def _withdraw(ctx: Context) -> None:
    reason = _text(ctx.payload, "reason", label=_("lý do rút hồ sơ"))
    _close_handling(ctx, action_name="withdraw", note=reason)
    _move(
        ctx,
        to_status=S.WITHDRAWN,
        name="withdraw",
        note=reason,
        data={"by_applicant": bool(ctx.user and ctx.user.pk == ctx.dossier.owner_id)},
        fields={**_release(), "paused_at": None},
    )
    _notify(ctx, "dossier_withdrawn", {"reason": reason})


# --- Result --------------------------------------------------------------------------------------


@action(
    "finish",
    gettext_lazy("Hoàn thành, có kết quả"),
    {S.PROCESSING},
    check=_check_holder,
    step_action=True,
)
def _finish(ctx: Context) -> None:
    """Status 9: the result exists (a document uploaded, or described); it goes back to the
    one-stop desk for return."""
    dossier = ctx.dossier
    if dossier.waiting_on:
        raise InvalidInput(
            _("Hồ sơ đang chờ cơ quan liên thông trả lời: chưa hoàn thành được."),
            code="waiting_transfer",
            field="action",
        )
    summary = _text(ctx.payload, "result_summary", label=_("kết quả giải quyết"))[:500]
    files = _attach_files(ctx, None)
    if files:
        Attachment.objects.filter(pk__in=files).update(kind=AttachmentKind.RESULT)
    _close_handling(ctx, action_name="finish")
    desk = _desk_unit(ctx)
    fields = _hold(ctx, unit=desk, role=Role.RECEIVING_OFFICER, step=None, due=None, assignee=None)
    _move(
        ctx,
        to_status=S.DONE,
        name="finish",
        data={"result_summary": summary, "attachments": files},
        fields={**fields, "finished_at": ctx.at, "result_summary": summary},
    )
    _notify(ctx, "result_ready", {"result_summary": summary})


@action(
    "return_result",
    gettext_lazy("Trả kết quả"),
    {S.DONE},
    check=_check_receiving_officer,
)
def _return_result(ctx: Context) -> None:
    method = ctx.payload.get("method") or ReturnMethod.COUNTER
    if method not in ReturnMethod.values:
        raise InvalidInput(
            _("Hình thức trả kết quả phải là tại một cửa, bưu chính hoặc trực tuyến."),
            field="method",
        )
    note = _text(ctx.payload, "note", label=_("ghi chú"), required=False)
    _close_handling(ctx, action_name="return_result", note=note)
    _move(
        ctx,
        to_status=S.RETURNED,
        name="return_result",
        note=note,
        data={"method": method},
        fields={**_release(), "returned_at": ctx.at, "return_method": method},
    )
    # The code: each template words the method in its own language.
    _notify(ctx, "result_returned", {"method": method})


def _check_apologizer(actor: Actor, dossier: Dossier) -> None:
    if dossier.received_at is None:
        raise InvalidInput(
            _("Hồ sơ chưa được tiếp nhận: chưa tính thời hạn nên chưa thể xin lỗi, hẹn lại."),
            code="action_not_allowed",
            field="action",
        )
    _check_head(actor, dossier)


@action(
    "apologize",
    gettext_lazy("Lập phiếu xin lỗi và hẹn lại"),
    {S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION},
    check=_check_apologizer,
)
def _apologize(ctx: Context) -> None:
    """Form 04, at most once: the reason and the new appointment, after the current one."""
    dossier = ctx.dossier
    if ApologyLetter.objects.filter(dossier=dossier).exists():
        raise Conflict(
            _("Hồ sơ đã có phiếu xin lỗi và hẹn lại: chỉ được lập một lần."),
            code="apology_exists",
            field="action",
        )
    reason = _text(ctx.payload, "reason", label=_("lý do chậm trả kết quả"))
    new_at = _moment(
        ctx.payload, "new_appointment_at", label=_("ngày hẹn trả mới"), agency=dossier.agency
    )
    previous = dossier.promised_at
    if previous is not None and new_at <= previous:
        raise InvalidInput(
            _("Ngày hẹn mới phải sau ngày hẹn hiện tại (%(date)s).")
            % {"date": timezone.localtime(previous, VIETNAM).strftime("%d/%m/%Y %H:%M")},
            field="new_appointment_at",
        )
    unit = dossier.current_unit or _desk_unit(ctx)
    ApologyLetter.objects.create(
        dossier=dossier,
        reason=reason,
        previous_appointment_at=previous or ctx.at,
        new_appointment_at=new_at,
        issued_by=ctx.user,
        unit=unit,
        issued_at=ctx.at,
    )
    _move(
        ctx,
        to_status=dossier.status,
        name="apologize",
        note=reason,
        data={"new_appointment_at": new_at.isoformat()},
        fields={"rescheduled_appointment_at": new_at},
    )
    _notify(ctx, "apology_issued", {"reason": reason, "new_appointment_at": new_at})


def _check_owner(actor: Actor, dossier: Dossier) -> None:
    if actor.user is None or dossier.owner_id != actor.user.pk:
        raise _deny(_("Chỉ chủ hồ sơ mới đánh giá được."))


@action(
    "rate",
    gettext_lazy("Đánh giá mức độ hài lòng"),
    {S.RETURNED},
    check=_check_owner,
    applicant=True,
)
def _rate(ctx: Context) -> None:
    score = _int(ctx.payload, "score", label=_("mức độ hài lòng"))
    if not 1 <= score <= 5:
        raise InvalidInput(_("Mức độ hài lòng từ 1 đến 5."), field="score")
    comment = _text(ctx.payload, "comment", label=_("góp ý"), required=False)
    if Rating.objects.filter(dossier=ctx.dossier).exists():
        raise Conflict(_("Bạn đã đánh giá hồ sơ này."), code="already_rated", field="score")
    Rating.objects.create(
        dossier=ctx.dossier, score=score, comment=comment, rated_by=ctx.user, rated_at=ctx.at
    )
    # Recorded in the history without changing the status (a returned dossier is final, so the
    # event is appended directly rather than through a transition).
    DossierEvent.objects.create(
        dossier=ctx.dossier,
        occurred_at=ctx.at,
        actor=ctx.user,
        action="rate",
        from_status=ctx.dossier.status,
        to_status=ctx.dossier.status,
        data={"score": score},
        is_public=False,
    )
    audit_record(actor=ctx.user, action="dossier.rate", obj=ctx.dossier, changes={"score": score})


# --- The entry point -----------------------------------------------------------------------------


def _locked(dossier: Dossier | str) -> Dossier:
    query = Dossier.objects.select_for_update(of=("self",)).select_related(
        "procedure_version",
        "agency",
        "owner",
        "assignee",
        "current_step__unit",
        "current_step__transfer_agency",
        "current_unit",
    )
    if isinstance(dossier, Dossier):
        found = query.filter(pk=dossier.pk).first()
    else:
        found = query.filter(code=dossier).exclude(status=S.DRAFT).first()
    if found is None:
        raise NotFound(_("Không tìm thấy hồ sơ."), field="code")
    return found


def _check_state(spec: ActionSpec, dossier: Dossier) -> None:
    if dossier.status not in spec.statuses:
        raise InvalidInput(
            _("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.")
            % {"action": spec.label, "status": Status(dossier.status).label},
            code="action_not_allowed",
            field="action",
        )


def _check_step(spec: ActionSpec, dossier: Dossier) -> None:
    if spec.step_action and dossier.status == S.PROCESSING:
        _check_step_allows(dossier, spec.name)


def dossier_act(
    *,
    actor: User | None,
    dossier: Dossier | str,
    action: str,
    payload: dict[str, Any] | None = None,
    version: int | None = None,
    at: datetime | None = None,
) -> Dossier:
    """Perform one action on a submitted dossier (by object or code) for `actor` (None: the
    system, for callbacks from other agencies), all or nothing. `version` is the dossier version
    the actor saw: a different current version is a 409 (someone acted first).

    Raises InvalidInput (400; code action_not_allowed when the state or step forbids it),
    PermissionDenied (403), Conflict (409), NotFound (404)."""
    spec = ACTIONS.get(action) if isinstance(action, str) else None
    if spec is None:
        raise InvalidInput(
            _("Thao tác không hợp lệ: %(action)s.") % {"action": str(action)[:50]},
            code="unknown_action",
            field="action",
        )
    if payload is not None and not isinstance(payload, dict):
        raise InvalidInput(_("Dữ liệu thao tác phải là một đối tượng JSON."), field="payload")
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(dossier)
        if version is not None and current.version != version:
            raise Conflict(
                _(
                    "Hồ sơ vừa được người khác xử lý (phiên bản %(current)s, bạn đang xem "
                    "%(seen)s). Vui lòng tải lại trang."
                )
                % {"current": current.version, "seen": version},
                code="stale_version",
                field="version",
            )
        who = Actor.of(actor)
        if who.is_system and spec.name not in SYSTEM_ACTIONS:
            raise PermissionDenied(_("Thao tác này cần một người thực hiện."), field="action")
        _check_state(spec, current)
        if not who.is_system:
            spec.check(who, current)
        _check_step(spec, current)
        ctx = Context(
            dossier=current,
            actor=who,
            payload=payload or {},
            at=at,
            calendar=WorkingCalendar.load(),
        )
        for hook in before_action[spec.name]:
            hook(ctx)
        spec.perform(ctx)
        for hook in after_action[spec.name]:
            hook(ctx)
        for event, data in ctx.notifications:
            notify_applicant(current, event, data)
    if isinstance(dossier, Dossier):
        for name in ("status", "version", "appointment_at", "current_unit_id", "assignee_id"):
            setattr(dossier, name, getattr(current, name))
    return current


def actions_available(*, dossier: Dossier, user: User | None) -> list[ActionSpec]:
    """The actions `user` may take on `dossier` now (state, step and role allow them)."""
    who = Actor.of(user)
    available = []
    for spec in ACTIONS.values():
        try:
            _check_state(spec, dossier)
            spec.check(who, dossier)
            _check_step(spec, dossier)
        except (PermissionDenied, InvalidInput):
            continue
        if spec.name == "apologize" and ApologyLetter.objects.filter(dossier=dossier).exists():
            continue
        if spec.name == "rate" and Rating.objects.filter(dossier=dossier).exists():
            continue
        available.append(spec)
    return available


# --- Callbacks of inter-agency transfers (integrations app, system actor) -----------------------


def obligation_notice_received(
    *,
    dossier_id: int,
    issuer: str,
    notice_number: str,
    amount: int,
    items: list[dict],
    external_ref: str,
    payment_url: str = "",
    at: datetime | None = None,
) -> Dossier | None:
    """The tax authority's financial obligation notice: status 6, clock stopped. Applied once
    per `external_ref` (a repeated poll returns None)."""
    if FinancialObligation.objects.filter(
        dossier_id=dossier_id, external_ref=external_ref
    ).exists():
        return None
    return dossier_act(
        actor=None,
        dossier=Dossier(pk=dossier_id),
        action="pause",
        payload={
            "issuer": issuer,
            "notice_number": notice_number,
            "amount": amount,
            "items": items,
            "external_ref": external_ref,
            "payment_url": payment_url,
        },
        at=at,
    )


def obligation_paid(
    *, dossier_id: int, external_ref: str, payment_ref: str, at: datetime | None = None
) -> Dossier | None:
    """The obligation was paid: back to processing with the clock moved; once only."""
    if not FinancialObligation.objects.filter(
        dossier_id=dossier_id, external_ref=external_ref, paid_at__isnull=True
    ).exists():
        return None
    dossier = dossier_act(
        actor=None,
        dossier=Dossier(pk=dossier_id),
        action="resume",
        payload={"payment_ref": payment_ref},
        at=at,
    )
    return _transfer_done(dossier, note=_("Đã hoàn thành nghĩa vụ tài chính."), data={}, at=at)


def transfer_returned(
    *, dossier_id: int, note: str, data: dict, at: datetime | None = None
) -> Dossier | None:
    """The other agency finished its part: the dossier stops waiting at its step."""
    dossier = Dossier.objects.filter(pk=dossier_id).first()
    if dossier is None or dossier.waiting_on != "transfer":
        return None
    return _transfer_done(dossier, note=note, data=data, at=at)


def _transfer_done(dossier: Dossier, *, note: str, data: dict, at: datetime | None) -> Dossier:
    at = at or timezone.now()
    with transaction.atomic():
        current = _locked(dossier)
        if current.waiting_on != "transfer" or current.status in FINAL:
            return current
        transition(
            dossier=current,
            to_status=current.status,
            actor=None,
            action="transfer_returned",
            note=note[:MAX_TEXT],
            data=data or {},
            at=at,
            update_fields={"waiting_on": ""},
        )
        if current.assignee_id:
            ctx = Context(
                dossier=current,
                actor=Actor(user=None),
                payload={},
                at=at,
                calendar=WorkingCalendar.load(),
            )
            _notify_staff(
                ctx, current.assignee, "dossier_assigned", {"step": _("liên thông đã trả lời")}
            )
    return current


# --- Bulk and periodic work ----------------------------------------------------------------------


def dossier_assign_bulk(
    *, actor: User, codes: list[str], assignee: str | int
) -> dict[str, str | None]:
    """Assign several dossiers; each is its own transaction. Returns code -> None when done, or
    the error message."""
    results: dict[str, str | None] = {}
    for code in codes[:200]:
        try:
            dossier_act(actor=actor, dossier=code, action="assign", payload={"assignee": assignee})
            results[code] = None
        except (InvalidInput, PermissionDenied, Conflict, NotFound) as error:
            results[code] = error.message
    return results


def apologies_due_request(*, now: datetime | None = None) -> int:
    """Find dossiers that will miss their appointment (one working day or less left, or already
    past) without a form 04, and ask the heads of the units holding them to issue one: once per
    dossier. Returns how many were flagged."""
    now = now or timezone.now()
    calendar = WorkingCalendar.load()
    candidates = (
        Dossier.objects.filter(
            status__in=[S.RECEIVED, S.PROCESSING],
            apology_requested_at__isnull=True,
            apology__isnull=True,
            appointment_at__isnull=False,
            appointment_at__lte=now + _LOOKAHEAD,
        )
        .select_related("agency", "current_unit")
        .order_by("appointment_at")[:1000]
    )
    flagged = 0
    for dossier in candidates:
        left = working_time_between(
            now, dossier.appointment_at, hours=working_hours_for(dossier.agency), calendar=calendar
        )
        if left > Decimal(1):
            continue
        with transaction.atomic():
            updated = Dossier.objects.filter(
                pk=dossier.pk, apology_requested_at__isnull=True
            ).update(apology_requested_at=now)
            if not updated:
                continue
            flagged += 1
            unit_id = dossier.current_unit_id
            heads = User.objects.filter(is_active=True, staff_roles__role=Role.UNIT_HEAD)
            heads = (
                heads.filter(staff_roles__unit_id=unit_id)
                if unit_id
                else heads.filter(staff_roles__unit__agency_id=dossier.agency_id)
            )
            ctx = Context(
                dossier=dossier, actor=Actor(user=None), payload={}, at=now, calendar=calendar
            )
            for head in heads.distinct():
                _notify_staff(
                    ctx, head, "apology_needed", {"appointment_at": dossier.appointment_at}
                )
    return flagged


# A working day is at most four calendar days away (a weekend plus Tết's longest runs are
# longer, so look further): candidates are those due within this window.
_LOOKAHEAD = timedelta(days=14)

__all__ = [
    "ACTIONS",
    "ActionSpec",
    "Context",
    "actions_available",
    "after_action",
    "apologies_due_request",
    "before_action",
    "dossier_act",
    "dossier_assign_bulk",
    "notify_applicant",
    "obligation_notice_received",
    "obligation_paid",
    "outcome_of",
    "transfer_returned",
]
