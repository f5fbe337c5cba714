"""Reads of the staff workspace (bàn làm việc): the reception queue, my inbox, what waits for an
assignment, a return or an opinion, the staff search and the dossier page, each already limited
to what the asking officer holds or may see.

Who holds what
    A dossier waits at a (`current_unit`, `current_role`) pair, for its `assignee` once one is
    chosen. "Việc của tôi" is what is assigned to me plus what nobody is assigned yet at a pair I
    hold (the partial indexes `dossier_inbox_assignee` and `dossier_inbox_unit` serve both
    halves); unit heads also see the unassigned dossiers of their units ("Chờ phân công").

Deadlines
    A step due before now is overdue; one due before the end of the next working day's worth of
    working time (1 working day from now, core.calendar) is due soon; a dossier whose clock is
    stopped (supplement, financial obligation) is paused instead. Every mark has a text label,
    never a colour alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Role, StaffRole, Unit, User
from motcua.accounts.selectors import agency_scope_ids, unit_list_visible_to
from motcua.catalog.models import Procedure, ProcessStep
from motcua.catalog.selectors import process_steps, query_tokens
from motcua.core.calendar import VIETNAM, WorkingCalendar, add_working_days
from motcua.core.errors import NotFound
from motcua.dossiers.codes import normalize_code
from motcua.dossiers.models import (
    ApologyLetter,
    Attachment,
    Consultation,
    Dossier,
    FinancialObligation,
    Handling,
    Status,
    SupplementRequest,
)
from motcua.dossiers.selectors import dossier_history_for, required_documents

S = Status
# The statuses in which a dossier is with someone in the agency (DONE has its own list).
INBOX_STATUSES = (S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.FINANCIAL_OBLIGATION)
# Statuses whose clock runs: only these can be overdue.
RUNNING_STATUSES = (S.RECEIVED, S.PROCESSING)
SHORT_LIST = 10
SEARCH_COUNT_LIMIT = 10_000
MAX_QUERY_LENGTH = 200
# What a row of any dossier list shows, read with the row (no query per row).
ROW_RELATED = (
    "procedure_version__procedure",
    "agency",
    "current_step",
    "current_unit",
    "assignee",
)
# A typed code starts with the agency identifier's letter ("H56.14-2611…"): a prefix search on
# the unique code's index. Anything else is looked for in the diacritic-free search text.
_CODE_PREFIX = re.compile(r"[A-Z][A-Z0-9.]*-[0-9-]*", re.ASCII)


# --- What the user holds ---------------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """The (unit, role) pairs a staff user holds, read once per page."""

    user_id: int | None
    pairs: frozenset[tuple[int, str]] = frozenset()
    agency_of_unit: dict[int, int] = field(default_factory=dict)

    def units_with(self, role: str) -> frozenset[int]:
        return frozenset(unit for unit, held in self.pairs if held == role)

    def agencies_with(self, role: str) -> frozenset[int]:
        return frozenset(self.agency_of_unit[unit] for unit in self.units_with(role))

    @property
    def units(self) -> frozenset[int]:
        return frozenset(unit for unit, _role in self.pairs)

    @property
    def at_desk(self) -> bool:
        return bool(self.units_with(Role.RECEIVING_OFFICER))

    @property
    def heads_unit(self) -> bool:
        return bool(self.units_with(Role.UNIT_HEAD))

    @property
    def can_assign(self) -> bool:
        return bool(self.units_with(Role.UNIT_HEAD) or self.units_with(Role.DIRECTOR))


def staff_holdings(*, user) -> Holdings:
    """One query: the active units and roles of `user` (nothing for a non-staff user)."""
    if user is None or not user.is_authenticated:
        return Holdings(user_id=None)
    rows = list(
        StaffRole.objects.filter(user=user, unit__is_active=True).values_list(
            "unit_id", "role", "unit__agency_id"
        )
    )
    return Holdings(
        user_id=user.pk,
        pairs=frozenset((unit, role) for unit, role, _agency in rows),
        agency_of_unit={unit: agency for unit, _role, agency in rows},
    )


# --- Deadline marks --------------------------------------------------------------------------


class Mark:
    """A deadline's mark; the templates show each with its text (dossiers/workspace/_due.html)."""

    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    PAUSED = "paused"
    ON_TRACK = ""


@dataclass(frozen=True)
class DeadlineMarks:
    """Marks deadlines against one `now` for a whole page."""

    now: datetime
    soon_until: datetime

    def of(self, due: datetime | None, *, paused: bool = False) -> str:
        if due is None:
            return Mark.ON_TRACK
        if paused:
            return Mark.PAUSED
        if due < self.now:
            return Mark.OVERDUE
        if due <= self.soon_until:
            return Mark.DUE_SOON
        return Mark.ON_TRACK

    def mark(self, dossiers: list[Dossier]) -> list[Dossier]:
        """Set `step_mark` (the step's due time) and `appointment_mark` (the promised date) on
        each dossier of a list, for the templates."""
        for dossier in dossiers:
            paused = dossier.paused_at is not None
            dossier.step_mark = self.of(dossier.step_due_at, paused=paused)
            if dossier.status in (*INBOX_STATUSES, S.NEW):
                dossier.appointment_mark = self.of(dossier.promised_at, paused=paused)
            else:
                dossier.appointment_mark = Mark.ON_TRACK
        return dossiers


def deadline_marks(*, now: datetime | None = None) -> DeadlineMarks:
    """Due soon means within one working day from now (one query: the calendar's overrides)."""
    now = now or timezone.now()
    return DeadlineMarks(
        now=now, soon_until=add_working_days(now, 1, calendar=WorkingCalendar.load())
    )


# --- The lists of the workspace home ---------------------------------------------------------


def _rows(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return queryset.select_related(*ROW_RELATED)


def _by_step_due(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return queryset.order_by(F("step_due_at").asc(nulls_last=True), "pk")


def inbox_list(*, holdings: Holdings) -> QuerySet[Dossier]:
    """ "Việc của tôi": assigned to me, or unassigned at a (unit, role) pair I hold; the most
    urgent step first."""
    if holdings.user_id is None:
        return Dossier.objects.none()
    waiting = Q()
    for unit, role in sorted(holdings.pairs):
        waiting |= Q(current_unit_id=unit, current_role=role)
    condition = Q(assignee_id=holdings.user_id)
    if holdings.pairs:
        condition |= Q(assignee__isnull=True, current_unit__isnull=False) & waiting
    return _by_step_due(_rows(Dossier.objects.filter(condition, status__in=INBOX_STATUSES)))


def reception_queue(*, holdings: Holdings) -> QuerySet[Dossier]:
    """ "Chờ tiếp nhận": new dossiers of the agencies where I am a receiving officer, oldest
    first (first come, first served)."""
    agencies = holdings.agencies_with(Role.RECEIVING_OFFICER)
    return _rows(Dossier.objects.filter(status=S.NEW, agency_id__in=agencies)).order_by(
        "submitted_at", "pk"
    )


def assignment_queue(*, holdings: Holdings) -> QuerySet[Dossier]:
    """ "Chờ phân công": dossiers in processing that nobody is assigned at the units I head."""
    units = holdings.units_with(Role.UNIT_HEAD)
    return _by_step_due(
        _rows(
            Dossier.objects.filter(
                status=S.PROCESSING, assignee__isnull=True, current_unit_id__in=units
            )
        )
    )


def return_queue(*, holdings: Holdings) -> QuerySet[Dossier]:
    """ "Chờ trả kết quả": finished dossiers back at my one-stop desk, longest waiting first."""
    units = holdings.units_with(Role.RECEIVING_OFFICER)
    return _rows(Dossier.objects.filter(status=S.DONE, current_unit_id__in=units)).order_by(
        "finished_at", "pk"
    )


def consultation_queue(*, holdings: Holdings) -> QuerySet[Consultation]:
    """Requests for an opinion that my units have not answered yet, earliest deadline first."""
    return (
        Consultation.objects.filter(to_unit_id__in=holdings.units, answered_at__isnull=True)
        .select_related("dossier", "to_unit", "requested_by")
        .order_by("due_at", "pk")
    )


@dataclass
class Section:
    """One list of the workspace home: how many, and the first few."""

    key: str
    count: int
    rows: list[Any]

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)


@dataclass
class Overview:
    holdings: Holdings
    marks: DeadlineMarks
    sections: dict[str, Section]


def workspace_overview(*, user, now: datetime | None = None, size: int = SHORT_LIST) -> Overview:
    """Every list of the workspace home, each a count and its first `size` rows: the same
    number of queries whatever the number of dossiers."""
    holdings = staff_holdings(user=user)
    marks = deadline_marks(now=now)
    queries: dict[str, QuerySet] = {
        "reception": reception_queue(holdings=holdings),
        "inbox": inbox_list(holdings=holdings),
        "assignment": assignment_queue(holdings=holdings),
        "return": return_queue(holdings=holdings),
        "consultations": consultation_queue(holdings=holdings),
    }
    sections = {}
    for key, queryset in queries.items():
        rows = list(queryset[:size])
        if key != "consultations":
            marks.mark(rows)
        else:
            for consultation in rows:
                consultation.mark = marks.of(consultation.due_at)
        sections[key] = Section(key=key, count=queryset.count(), rows=rows)
    return Overview(holdings=holdings, marks=marks, sections=sections)


# --- Search ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkspaceFilters:
    """What an officer asked the search for; every part optional."""

    query: str = ""
    procedure: int | None = None
    status: str = ""
    overdue: bool = False
    unit: int | None = None
    assignee: int | None = None
    unassigned: bool = False
    received_from: date | None = None
    received_to: date | None = None


def dossier_list_for_staff(*, user) -> QuerySet[Dossier]:
    """The submitted dossiers of the agencies in `user`'s scope: the agency part of
    `dossier_list_visible_to` (a staff member's own applications elsewhere are not work)."""
    scope = agency_scope_ids(user)
    dossiers = Dossier.objects.exclude(status=S.DRAFT)
    if scope is None:
        return dossiers
    return dossiers.filter(agency_id__in=scope)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


def dossier_search(
    *, user, filters: WorkspaceFilters, now: datetime | None = None
) -> QuerySet[Dossier]:
    """The staff search: code prefix or applicant name (without diacritics), procedure,
    status, overdue, current unit, assignee and reception dates; newest submission first."""
    dossiers = _rows(dossier_list_for_staff(user=user))
    text = (filters.query or "")[:MAX_QUERY_LENGTH].strip()
    if text:
        code = normalize_code(text)[:40]
        if _CODE_PREFIX.fullmatch(code):
            dossiers = dossiers.filter(code__startswith=code)
        else:
            for token in query_tokens(text):
                dossiers = dossiers.filter(search_text__contains=token)
    if filters.procedure:
        dossiers = dossiers.filter(procedure_version__procedure_id=filters.procedure)
    if filters.status:
        dossiers = dossiers.filter(status=filters.status)
    if filters.overdue:
        now = now or timezone.now()
        dossiers = dossiers.filter(status__in=RUNNING_STATUSES, paused_at__isnull=True).filter(
            Q(appointment_at__lt=now) | Q(step_due_at__lt=now)
        )
    if filters.unit:
        dossiers = dossiers.filter(current_unit_id=filters.unit)
    if filters.assignee:
        dossiers = dossiers.filter(assignee_id=filters.assignee)
    if filters.unassigned:
        dossiers = dossiers.filter(assignee__isnull=True, current_unit__isnull=False)
    if filters.received_from:
        dossiers = dossiers.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        dossiers = dossiers.filter(
            received_at__lt=_day_start(filters.received_to + timedelta(days=1))
        )
    # Plain descending order (submitted dossiers all have submitted_at), so that PostgreSQL
    # reads the newest rows from the (agency, submitted_at) index instead of sorting them all.
    return dossiers.order_by("-submitted_at", "-pk")


class CappedPaginator(Paginator):
    """A paginator that counts at most `limit` rows: an exact count of a whole province's
    dossiers costs more than the page itself, and nobody pages that far. Past the limit
    `capped` is True and the page says "more than" and asks for a narrower search."""

    def __init__(self, object_list, per_page: int, *, limit: int = SEARCH_COUNT_LIMIT):
        super().__init__(object_list, per_page)
        self.limit = limit
        self.capped = False

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.limit + 1].count()
        self.capped = counted > self.limit
        return min(counted, self.limit)


def search_procedure_choices(*, user) -> list[tuple[int, str]]:
    """The procedures of the agencies in scope, for the search filter."""
    scope = agency_scope_ids(user)
    procedures = Procedure.objects.filter(current_version__isnull=False)
    if scope is not None:
        procedures = procedures.filter(versions__agency_id__in=scope)
    return [
        (pk, f"{code} – {name}")
        for pk, code, name in procedures.distinct()
        .order_by("code")
        .values_list("pk", "code", "current_version__name")
    ]


def search_unit_choices(*, user) -> list[tuple[int, str]]:
    return [
        (unit.pk, f"{unit.name} ({unit.agency.code})")
        for unit in unit_list_visible_to(user=user)
        .filter(is_active=True)
        .order_by("agency__code", "code")
    ]


def search_assignee_choices(*, user) -> list[tuple[int, str]]:
    """Staff holding a role in a unit in scope."""
    scope = agency_scope_ids(user)
    staff = User.objects.filter(is_active=True, staff_roles__isnull=False)
    if scope is not None:
        staff = staff.filter(staff_roles__unit__agency_id__in=scope)
    return list(staff.distinct().order_by("full_name", "pk").values_list("pk", "full_name"))


def bulk_assignee_choices(*, holdings: Holdings) -> list[tuple[int, str]]:
    """Who a head may give dossiers to: the staff of the units they head (all units of the
    agencies they direct), labelled with their unit."""
    units = Q(unit_id__in=holdings.units_with(Role.UNIT_HEAD)) | Q(
        unit__agency_id__in=holdings.agencies_with(Role.DIRECTOR)
    )
    rows = (
        StaffRole.objects.filter(units, user__is_active=True, unit__is_active=True)
        .exclude(role__in=[Role.UNIT_HEAD, Role.DIRECTOR, Role.ADMINISTRATOR])
        .order_by("user__full_name", "user_id", "unit__code")
        .values_list("user_id", "user__full_name", "unit__name")
    )
    choices: dict[int, str] = {}
    for user_id, name, unit in rows:
        choices.setdefault(user_id, f"{name} – {unit}")
    return list(choices.items())


# --- The dossier page ------------------------------------------------------------------------


@dataclass
class DossierFile:
    """Everything the staff dossier page shows about one dossier."""

    dossier: Dossier
    holdings: Holdings
    marks: DeadlineMarks
    attachments: list[Attachment]
    documents: list
    supplement_requests: list[SupplementRequest]
    consultations: list[Consultation]
    obligations: list[FinancialObligation]
    handlings: list[Handling]
    history: list[dict]
    apology: ApologyLetter | None
    steps: list[ProcessStep]


def workspace_dossier_get(*, user, code: str) -> Dossier:
    """A submitted dossier of the agencies in scope, with what its page and the engine's
    permission checks read; NotFound otherwise."""
    wanted = normalize_code(code)[:40]
    dossier = (
        _rows(dossier_list_for_staff(user=user))
        .select_related(
            "procedure_version__form_template",
            "applicant_commune__province",
            "owner",
            "current_step__unit",
            "current_step__transfer_agency",
            "process_definition",
        )
        .filter(code=wanted)
        .first()
        if wanted
        else None
    )
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ có mã này."), field="code")
    return dossier


def workspace_dossier(*, user, code: str, now: datetime | None = None) -> DossierFile:
    dossier = workspace_dossier_get(user=user, code=code)
    marks = deadline_marks(now=now)
    marks.mark([dossier])
    consultations = list(
        dossier.consultations.select_related("to_unit", "requested_by", "answered_by")
    )
    for consultation in consultations:
        consultation.mark = (
            marks.of(consultation.due_at) if consultation.answered_at is None else Mark.ON_TRACK
        )
    handlings = list(
        dossier.handlings.select_related("step", "unit", "handler", "completed_by").order_by(
            "started_at", "pk"
        )
    )
    for line in handlings:
        line.mark = marks.of(line.due_at) if line.completed_at is None else Mark.ON_TRACK
    return DossierFile(
        dossier=dossier,
        holdings=staff_holdings(user=user),
        marks=marks,
        attachments=list(
            dossier.attachments.select_related("required_document").order_by("uploaded_at", "pk")
        ),
        documents=required_documents(dossier=dossier),
        supplement_requests=list(
            dossier.supplement_requests.select_related("requested_by").order_by("number")
        ),
        consultations=consultations,
        obligations=list(dossier.financial_obligations.order_by("issued_at", "pk")),
        handlings=handlings,
        history=dossier_history_for(dossier=dossier, user=user),
        apology=ApologyLetter.objects.filter(dossier=dossier).select_related("issued_by").first(),
        steps=process_steps(definition_id=dossier.process_definition_id)
        if dossier.process_definition_id
        else [],
    )


# --- Choices of the action forms -------------------------------------------------------------


def step_holders(*, dossier: Dossier) -> list[tuple[int, str]]:
    """The active users holding the current step's role in its unit (assignment)."""
    if dossier.current_unit_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            staff_roles__unit_id=dossier.current_unit_id,
            staff_roles__role=dossier.current_role,
        )
        .distinct()
        .order_by("full_name", "pk")
        .values_list("pk", "full_name")
    )


def consultation_unit_choices(*, user, dossier: Dossier) -> list[tuple[int, str]]:
    """Units in scope that may be asked for an opinion (not the one holding the dossier)."""
    units: QuerySet[Unit] = (
        unit_list_visible_to(user=user)
        .filter(is_active=True)
        .exclude(pk=dossier.current_unit_id)
        .order_by("agency__code", "code")
    )
    return [(unit.pk, f"{unit.name} ({unit.agency.code})") for unit in units]


def consultations_to_answer(*, file: DossierFile) -> list[Consultation]:
    """The dossier's open consultations addressed to a unit of the user."""
    return [
        consultation
        for consultation in file.consultations
        if consultation.answered_at is None and consultation.to_unit_id in file.holdings.units
    ]
