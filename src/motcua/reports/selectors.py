"""Dossier statistics of SPEC §4 and who holds which dossiers now, per agency, read in a few
aggregate queries.

Rules (all dates local, Asia/Ho_Chi_Minh; the period runs from `start` 00:00 to the end of
`end`):
- received: carried over (received before the period, neither finished nor withdrawn/stopped
  before it) and new (received in it), by channel; also submitted in the period, still waiting
  for reception at its end, and refused in it.
- handled: finished (`finished_at`) in the period, early / on time / late by comparing the
  finished DATE with the DATE of `appointment_at`, the legal due date with its pause
  extensions: form 04's new date does not turn a late dossier into an on-time one. Withdrawn
  and stopped dossiers (after reception) in the period are counted apart.
- in progress at the end: received, not finished, withdrawn or stopped by then. Paused
  (supplement requested, financial obligation) is its own bucket; the others are overdue when
  their due date is before the "cutoff" (the end of the period, or today for a period that
  reaches today: a dossier due today is not late yet), else within time.
  Balance: carried over + new = handled + withdrawn + stopped + in progress.
- per unit, from the process control sheet (`Handling`): lines handed on in the period, early /
  on time / late by date against the line's `due_at`, and lines open at the end.

Which status a dossier had at the end of a past period is not on its row: a period that reaches
today takes the current status; a past one reads the dossier's last event before the end
(DossierEvent), for the dossiers open at that end only. The moment a dossier was refused,
withdrawn or stopped is that status's event (the row keeps no such date); `updated_at`, set by
that last transition, bounds it from above.

Speed (bench/bench_reports.py: a province-year among 1,000,000 dossiers): each dossier of the
period is read once, from a covering index on (agency, finished_at), grouped by procedure
version and channel with conditional counts; local dates are UTC+7 arithmetic; the history is
read only for the few dossiers open at a past period's end or closed in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Sign, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Agency, Role, Unit
from motcua.accounts.selectors import (
    agency_in_scope,
    agency_scope,
    agency_with_descendant_ids,
    is_staff_user,
    sees_all_agencies,
    staff_roles,
)
from motcua.catalog.models import Channel, ProcedureVersion, localized
from motcua.core.calendar import VIETNAM
from motcua.core.errors import InvalidInput, NotFound, PermissionDenied
from motcua.dossiers.models import Dossier, DossierEvent, Handling, Status
from motcua.reports.periods import Period, period_check

CLOSED = (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED)
PAUSED = (Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION)
HELD = (Status.RECEIVED, Status.PROCESSING)
CHANNELS = tuple(Channel.values)
# Every part of the statistics is counted per procedure version and channel, under these keys.
VERSION, CHANNEL = "procedure_version_id", "channel"
# The staff dossier search (staff workspace); figures link to it with its filters.
STAFF_SEARCH_PATH = "/can-bo/ho-so/"
LEADER_ROLES = (Role.UNIT_HEAD, Role.DIRECTOR, Role.ADMINISTRATOR)


def on_time_rate(*, early: int, on_time: int, handled: int) -> float | None:
    """Share handled early or on time, 0..1; None when nothing was handled."""
    return (early + on_time) / handled if handled else None


@dataclass
class Figures:
    """The counts of one agency, procedure or channel for a period."""

    submitted: int = 0
    pending_reception: int = 0
    refused: int = 0
    carried_over: int = 0
    new: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    withdrawn: int = 0
    stopped: int = 0
    within_time: int = 0
    overdue: int = 0
    paused: int = 0

    @property
    def received(self) -> int:
        return self.carried_over + self.new

    @property
    def handled(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def in_progress(self) -> int:
        return self.within_time + self.overdue + self.paused

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(early=self.early, on_time=self.on_time, handled=self.handled)

    def add(self, counts: Mapping[str, int]) -> None:
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + (value or 0))

    def as_dict(self) -> dict[str, int | float | None]:
        values: dict[str, int | float | None] = {
            f.name: getattr(self, f.name) for f in fields(self)
        }
        values.update(
            received=self.received,
            handled=self.handled,
            in_progress=self.in_progress,
            on_time_rate=self.on_time_rate,
        )
        return values


@dataclass(frozen=True)
class ProcedureFigures:
    procedure_id: int
    code: str
    name: str
    figures: Figures


@dataclass(frozen=True)
class UnitFigures:
    """A processing unit's lines of the process control sheet."""

    unit_id: int
    code: str
    name: str
    agency_code: str
    early: int = 0
    on_time: int = 0
    late: int = 0
    open_within: int = 0
    open_overdue: int = 0

    @property
    def handed_off(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def open(self) -> int:
        return self.open_within + self.open_overdue

    @property
    def on_time_rate(self) -> float | None:
        return on_time_rate(early=self.early, on_time=self.on_time, handled=self.handed_off)


@dataclass(frozen=True)
class DossierStatistics:
    agency: Agency
    agency_ids: tuple[int, ...]
    agency_codes: tuple[str, ...]
    include_children: bool
    period: Period
    # Deadlines of dossiers in progress are judged against this moment (see the module).
    cutoff: datetime
    # True when the paused bucket comes from the event history (a past period).
    paused_from_events: bool
    totals: Figures
    by_channel: dict[str, Figures]
    by_procedure: list[ProcedureFigures]
    by_unit: list[UnitFigures]


def _in(name: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{name}__gte": start, f"{name}__lt": end})


# Vietnam has kept UTC+7, without daylight saving, since 1975: a local date is the UTC date of
# the moment shifted by 7 hours, which PostgreSQL computes far faster than a time-zone
# conversion per row (the statistics convert hundreds of thousands of rows).
VIETNAM_OFFSET = timedelta(hours=7)


def _local_day(name: str) -> TruncDate:
    return TruncDate(F(name) + Value(VIETNAM_OFFSET), tzinfo=UTC)


class DaysBetween(Func):
    """Whole days from the second date to the first (negative when the first is earlier)."""

    output_field = IntegerField()
    arg_joiner = " - "
    template = "(%(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _cutoff(period: Period, now: datetime) -> datetime:
    today_start = datetime.combine(timezone.localtime(now, VIETNAM).date(), time.min, VIETNAM)
    return min(period.end_at, today_start)


@contextmanager
def _plain_aggregates():
    """PostgreSQL's JIT compiler spends longer compiling these aggregates than running them
    (seconds against a few hundred milliseconds with a million dossiers): off for the report."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def _each(queryset: QuerySet, *conditions: Q) -> Iterable[dict]:
    """The rows of `queryset` filtered by each condition in turn: two index scans (e.g. open
    dossiers, then those finished since a date) read far less than one scan with OR."""
    for condition in conditions:
        yield from queryset.filter(condition)


def dossier_statistics(
    *,
    agency: Agency,
    start: date,
    end: date,
    include_children: bool = False,
    now: datetime | None = None,
) -> DossierStatistics:
    """The statistics of `agency`'s dossiers (with its child agencies' when asked) for the
    local dates `start`..`end`. The caller checks that the user may see the agency."""
    period = period_check(start=start, end=end)
    now = now or timezone.now()
    ids = tuple(
        sorted(agency_with_descendant_ids([agency.pk])) if include_children else (agency.pk,)
    )
    current = period.end_at > now
    cutoff = _cutoff(period, now)
    cells: dict[tuple[int, str], Figures] = defaultdict(Figures)
    with _plain_aggregates():
        parts = [
            _dossier_counts(ids, period, cutoff, current),
            _closed_counts(ids, period, cutoff, current),
        ]
        for rows in parts:
            for row in rows:
                _tally(cells[row.pop(VERSION), row.pop(CHANNEL)], row)
        by_unit = _unit_counts(ids, period, cutoff)
        procedures = _procedures_of({version for version, _channel in cells})
        codes = tuple(
            Agency.objects.filter(pk__in=ids).order_by("code").values_list("code", flat=True)
        )
    totals = Figures()
    by_channel = {channel: Figures() for channel in CHANNELS}
    by_procedure: dict[int, Figures] = defaultdict(Figures)
    for (version, channel), figures in cells.items():
        counts = {f.name: getattr(figures, f.name) for f in fields(figures)}
        totals.add(counts)
        by_channel.setdefault(channel, Figures()).add(counts)
        by_procedure[procedures[version][0]].add(counts)
    names = {procedure_id: (code, name) for procedure_id, code, name in procedures.values()}
    return DossierStatistics(
        agency=agency,
        agency_ids=ids,
        agency_codes=codes,
        include_children=include_children,
        period=period,
        cutoff=cutoff,
        paused_from_events=not current,
        totals=totals,
        by_channel=by_channel,
        by_procedure=sorted(
            (
                ProcedureFigures(procedure_id, *names[procedure_id], figures)
                for procedure_id, figures in by_procedure.items()
            ),
            key=lambda row: row.code,
        ),
        by_unit=by_unit,
    )


OUTCOMES = {-1: "early", 0: "on_time", 1: "late"}


def _outcome(done: str, due: str) -> Sign:
    """-1, 0 or 1: the date `done` happened before, on or after the due date (0 without one).
    A GROUP BY key, so that each row's dates are converted once."""
    return Sign(Coalesce(DaysBetween(_local_day(done), _local_day(due)), Value(0)))


def _tally(figures: Figures, row: dict) -> None:
    """Add one result row: Figures fields by name, `handled` under its outcome."""
    lateness = row.pop("lateness", None)
    handled = row.pop("handled", 0)
    if lateness is not None and handled:
        figures.add({OUTCOMES[int(lateness)]: handled})
    paused_overdue = row.pop("paused_overdue", None)
    if paused_overdue is not None:
        # A past period's paused dossiers were also counted as overdue or within time.
        row["overdue"] -= paused_overdue
        row["within_time"] -= row["paused"] - paused_overdue
    figures.add(row)


def _count(condition: Q | None = None, *, of: str = "agency") -> Count:
    """Rows where `condition` holds. Counts a NOT NULL column of the covering index (the id
    is not in it: counting the id would send PostgreSQL to the table, not the index alone)."""
    return Count(of, filter=condition)


def _status_at(moment: datetime, *, dossier: OuterRef) -> Subquery:
    """The status a dossier had at `moment`: where its last event before then left it."""
    return Subquery(
        DossierEvent.objects.filter(dossier=dossier, occurred_at__lt=moment)
        .order_by("-occurred_at", "-pk")
        .values("to_status")[:1]
    )


def _at_end_of_past_period(open_at_end: Q, cutoff: datetime, *, count) -> dict[str, Count]:
    """In progress at the end of a past period: overdue or within time, and among them the
    paused ones (by their history: the current status says nothing about that moment). The
    history is read last in each condition, so only for the dossiers open at the end."""
    overdue = Q(appointment_at__lt=cutoff)
    paused = Q(status_at_end__in=PAUSED)
    return {
        "overdue": count(open_at_end & overdue),
        "within_time": count(open_at_end & ~overdue),
        "paused": count(open_at_end & paused),
        "paused_overdue": count(open_at_end & overdue & paused),
    }


def _dossier_counts(
    ids: tuple[int, ...], period: Period, cutoff: datetime, current: bool
) -> Iterable[dict]:
    """The dossiers that matter for the period, but the refused, withdrawn and stopped ones:
    those still open and those finished since the period began (drafts have no submitted_at).
    Per procedure version, channel and outcome of the handled ones."""
    start, end = period.start_at, period.end_at
    finished = _in("finished_at", start, end)
    open_at_end = Q(received_at__lt=end) & (Q(finished_at__isnull=True) | Q(finished_at__gte=end))
    if current:
        paused = Q(status__in=PAUSED)
        at_end = {
            "paused": _count(open_at_end & paused),
            "overdue": _count(open_at_end & ~paused & Q(appointment_at__lt=cutoff)),
            "within_time": _count(open_at_end & ~paused & ~Q(appointment_at__lt=cutoff)),
        }
    else:
        at_end = _at_end_of_past_period(open_at_end, cutoff, count=_count)
    counts = (
        Dossier.objects.filter(agency_id__in=ids, submitted_at__lt=end)
        .exclude(status__in=CLOSED)
        .alias(status_at_end=_status_at(end, dossier=OuterRef("pk")))
        .values(
            VERSION,
            CHANNEL,
            lateness=Case(When(finished, then=_outcome("finished_at", "appointment_at"))),
        )
        .annotate(
            submitted=_count(_in("submitted_at", start, end)),
            pending_reception=_count(Q(received_at__isnull=True) | Q(received_at__gte=end)),
            new=_count(_in("received_at", start, end)),
            carried_over=_count(Q(received_at__lt=start)),
            handled=_count(finished),
            **at_end,
        )
        .order_by()
    )
    return _each(counts, Q(finished_at__isnull=True), Q(finished_at__gte=start))


def _closed_counts(
    ids: tuple[int, ...], period: Period, cutoff: datetime, current: bool
) -> Iterable[dict]:
    """Refused, withdrawn and stopped dossiers, dated by the event that closed them: counted
    in the period, and still carried over / waiting / in progress when they closed later.
    `updated_at` is at least the closing moment (the closing transition set it; a dossier
    is not changed after), so those updated before the period closed before it."""
    start, end = period.start_at, period.end_at
    count_events = partial(_count, of="dossier")
    received = Q(dossier__received_at__isnull=False)
    closed_in_period = Q(occurred_at__lt=end)
    open_at_end = Q(dossier__received_at__lt=end, occurred_at__gte=end)
    if current:
        overdue = Q(appointment_at__lt=cutoff)
        at_end = {
            "overdue": count_events(open_at_end & overdue),
            "within_time": count_events(open_at_end & ~overdue),
        }
    else:
        at_end = _at_end_of_past_period(open_at_end, cutoff, count=count_events)
    return (
        DossierEvent.objects.filter(
            dossier__agency_id__in=ids,
            dossier__status__in=CLOSED,
            dossier__submitted_at__lt=end,
            dossier__updated_at__gte=start,
            to_status__in=CLOSED,
            to_status=F("dossier__status"),
            occurred_at__gte=start,
        )
        .alias(
            appointment_at=F("dossier__appointment_at"),
            status_at_end=_status_at(end, dossier=OuterRef("dossier_id")),
        )
        .values(**{VERSION: F("dossier__procedure_version_id"), CHANNEL: F("dossier__channel")})
        .annotate(
            submitted=count_events(_in("dossier__submitted_at", start, end)),
            pending_reception=count_events(
                (Q(dossier__received_at__isnull=True) | Q(dossier__received_at__gte=end))
                & Q(occurred_at__gte=end)
            ),
            new=count_events(_in("dossier__received_at", start, end)),
            carried_over=count_events(Q(dossier__received_at__lt=start)),
            refused=count_events(closed_in_period & Q(to_status=Status.REFUSED)),
            withdrawn=count_events(closed_in_period & received & Q(to_status=Status.WITHDRAWN)),
            stopped=count_events(closed_in_period & received & Q(to_status=Status.STOPPED)),
            **at_end,
        )
        .order_by()
    )


def _procedures_of(version_ids: set[int]) -> dict[int, tuple[int, str, str]]:
    """{version id: (procedure id, code, name)}; the name of the procedure's current version."""
    rows = ProcedureVersion.objects.filter(pk__in=version_ids).values(
        "pk",
        "procedure_id",
        "procedure__code",
        "name",
        "name_en",
        "procedure__current_version__name",
        "procedure__current_version__name_en",
    )
    found = {}
    for row in rows:
        name = localized(
            row["procedure__current_version__name"] or row["name"],
            row["procedure__current_version__name_en"] or row["name_en"],
        )
        found[row["pk"]] = (row["procedure_id"], row["procedure__code"], name)
    return found


def _unit_counts(ids: tuple[int, ...], period: Period, cutoff: datetime) -> list[UnitFigures]:
    """The agencies' units and their control-sheet lines: handed on in the period by outcome
    (date of hand-off against the line's due date), and open at its end."""
    start, end = period.start_at, period.end_at
    units = list(
        Unit.objects.filter(agency_id__in=ids)
        .select_related("agency")
        .order_by("agency__code", "code")
    )
    if not units:
        return []
    lines = Handling.objects.filter(unit_id__in=[unit.pk for unit in units])
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    handed_on = (
        lines.filter(_in("completed_at", start, end))
        .values("unit_id", lateness=_outcome("completed_at", "due_at"))
        .annotate(n=_count(of="unit"))
        .order_by()
    )
    for row in handed_on:
        counts[row["unit_id"]][OUTCOMES[int(row["lateness"])]] += row["n"]
    still_open = (
        lines.filter(started_at__lt=end)
        .values("unit_id")
        .annotate(
            open_overdue=_count(Q(due_at__lt=cutoff), of="unit"),
            open_within=_count(~Q(due_at__lt=cutoff), of="unit"),
        )
        .order_by()
    )
    for row in _each(still_open, Q(completed_at__isnull=True), Q(completed_at__gte=end)):
        unit_counts = counts[row.pop("unit_id")]
        for name, value in row.items():
            unit_counts[name] += value
    return [
        UnitFigures(
            unit_id=unit.pk,
            code=unit.code,
            name=localized(unit.name, unit.name_en),
            agency_code=unit.agency.code,
            **counts.get(unit.pk, {}),
        )
        for unit in units
        if unit.is_active or unit.pk in counts
    ]


# --- Who holds what now ---------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    """The dossiers one officer (or nobody yet: waiting in the unit) holds now."""

    assignee_id: int | None
    assignee_name: str
    held: int
    oldest_started_at: datetime | None
    average_age: timedelta | None
    step_overdue: int
    dossier_overdue: int
    # Dossiers with a known step start, the weight of `average_age`.
    aged: int = 0


@dataclass(frozen=True)
class UnitHoldings:
    unit_id: int
    code: str
    name: str
    agency_code: str
    officers: list[Holding] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(officer.held for officer in self.officers)

    @property
    def step_overdue(self) -> int:
        return sum(officer.step_overdue for officer in self.officers)

    @property
    def dossier_overdue(self) -> int:
        return sum(officer.dossier_overdue for officer in self.officers)

    @property
    def oldest_started_at(self) -> datetime | None:
        moments = [o.oldest_started_at for o in self.officers if o.oldest_started_at]
        return min(moments) if moments else None

    @property
    def average_age(self) -> timedelta | None:
        aged = sum(officer.aged for officer in self.officers)
        if not aged:
            return None
        total = sum(
            (o.average_age * o.aged for o in self.officers if o.average_age is not None),
            timedelta(),
        )
        return total / aged


def dossier_holdings(
    *, agency: Agency, include_children: bool = False, now: datetime | None = None
) -> list[UnitHoldings]:
    """Per unit of the agency (and its children when asked) and per officer: the dossiers
    received or in processing they hold now, since when, and how many are overdue (the step's
    deadline, and the dossier's appointment)."""
    now = now or timezone.now()
    ids = agency_with_descendant_ids([agency.pk]) if include_children else {agency.pk}
    age = ExpressionWrapper(Value(now) - F("step_started_at"), output_field=DurationField())
    rows = (
        Dossier.objects.filter(current_unit__agency_id__in=ids, status__in=HELD)
        .values(
            "current_unit_id",
            "current_unit__code",
            "current_unit__name",
            "current_unit__name_en",
            "current_unit__agency__code",
            "assignee_id",
            "assignee__full_name",
            "assignee__username",
        )
        .annotate(
            held=Count("pk"),
            aged=Count("step_started_at"),
            oldest_started_at=Min("step_started_at"),
            average_age=Avg(age),
            step_overdue=Count("pk", filter=Q(step_due_at__lt=now)),
            dossier_overdue=Count("pk", filter=Q(appointment_at__lt=now)),
        )
        .order_by("current_unit__agency__code", "current_unit__code", "assignee__full_name")
    )
    units: dict[int, UnitHoldings] = {}
    for row in rows:
        unit = units.setdefault(
            row["current_unit_id"],
            UnitHoldings(
                unit_id=row["current_unit_id"],
                code=row["current_unit__code"],
                name=localized(row["current_unit__name"], row["current_unit__name_en"]),
                agency_code=row["current_unit__agency__code"],
            ),
        )
        unit.officers.append(
            Holding(
                assignee_id=row["assignee_id"],
                assignee_name=(
                    row["assignee__full_name"] or row["assignee__username"] or _("Chưa phân công")
                ),
                held=row["held"],
                oldest_started_at=row["oldest_started_at"],
                average_age=_duration(row["average_age"]),
                step_overdue=row["step_overdue"],
                dossier_overdue=row["dossier_overdue"],
                aged=row["aged"],
            )
        )
    return list(units.values())


def _duration(value) -> timedelta | None:
    # PostgreSQL answers an interval; SQLite a number of microseconds.
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(microseconds=float(value))


# --- Access: which agencies a user may report on --------------------------------------------


def report_agencies_visible_to(*, user) -> QuerySet[Agency]:
    """The agencies whose statistics `user` may read (staff only)."""
    if not is_staff_user(user):
        return Agency.objects.none()
    return agency_scope(user).order_by("code")


def report_agency_get(*, user, code: str, field: str = "agency") -> Agency:
    """The agency with `code` if `user` may read its statistics: 404 when there is none, 403
    when it is outside the user's agencies."""
    if not is_staff_user(user):
        raise PermissionDenied(_("Chỉ cán bộ được xem báo cáo thống kê."))
    code = (code or "").strip()
    if not code:
        raise InvalidInput(_("Thiếu mã cơ quan, ví dụ H56.14."), field=field)
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise NotFound(
            _("Không tìm thấy cơ quan có mã “%(code)s”.") % {"code": code[:32]},
            field=field,
        )
    if not agency_in_scope(user, agency):
        raise PermissionDenied(_("Bạn không có quyền xem số liệu của cơ quan này."), field=field)
    return agency


def report_default_agency(*, user) -> Agency | None:
    """The user's own agency when they may see it, else the first one they may see."""
    agencies = report_agencies_visible_to(user=user)
    own = agencies.filter(pk=user.agency_id).first() if user.agency_id else None
    return own or agencies.first()


def is_leader(user) -> bool:
    """Heads of unit, directors and administrators (and superusers) see who holds what."""
    return is_staff_user(user) and (
        sees_all_agencies(user) or staff_roles(user).filter(role__in=LEADER_ROLES).exists()
    )


def staff_search_url(**filters: object) -> str:
    """A link to the staff dossier search with these filters (None values left out)."""
    query = {name: value for name, value in filters.items() if value is not None}
    return f"{STAFF_SEARCH_PATH}?{urlencode(query)}" if query else STAFF_SEARCH_PATH
