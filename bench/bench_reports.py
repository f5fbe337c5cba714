"""Dossier statistics with 1,000,000 dossiers: a province-year must answer in under 1 s.

What is measured: `reports.selectors.dossier_statistics` for the province's department with its
nine commune agencies (include_children), for a whole past year (2025: the paused bucket read
from the event history) and for the current year (2026: current statuses). Each call is the
whole report: the aggregate queries over dossiers, their closing events, the process control
sheet per unit, and the procedure names. The runner's rate is over the past year; the setup
prints the median of several calls of each, which is the target (under 1 s), with the CPU time
the database server process spent (its parallel workers not included): on a machine busy with
other work the wall time grows, the CPU time says what the report itself costs.

Data: PostgreSQL only (on SQLite the module says so and is skipped): a throw-away database
`test_motcua_bench_reports` on the server of DATABASE_URL, made with Django's test-database
machinery and destroyed when the process exits, filled inside the database with INSERT ...
SELECT generate_series: 1,000,000 dossiers submitted evenly from 1 January 2024 to yesterday,
80 % in the province (half at the department, the rest at its communes) and 20 % in another;
2 % refused, 1 % withdrawn, 0.5 % stopped, the others finished 2 to 30 days after reception
(due after 10 to 25 days, so some late) or still in progress, a few waiting for a supplement
or a financial obligation; their history (about 4.5 events each) and, for a third of them, three
lines of the process control sheet. Then VACUUM ANALYZE, as autovacuum would do.

The statistics need the three indexes of `INDEXES` below; the setup creates those the
migrations do not, and with BENCH_REPORTS_COMPARE=1 also times the calls without them.
"""

from __future__ import annotations

import atexit
import os
import statistics
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from bench import Benchmark

DOSSIERS = int(os.environ.get("BENCH_REPORTS_DOSSIERS", "1000000"))
START = datetime.fromisoformat("2024-01-01T00:00:00+07:00")
PROCEDURES = 20
COMMUNES = 9
CALLS = 7
# The indexes the statistics need (dossiers/models.py should declare them; until it does, the
# setup creates them): dossiers by agency and finished_at with every column the report reads,
# so that PostgreSQL reads the period's dossiers from the index alone; the history of a
# dossier in order (its status at a moment, the moment it was closed); control-sheet lines by
# unit and hand-off.
INDEXES = {
    "dossier_agency_finished": (
        "dossiers_dossier (agency_id, finished_at) INCLUDE (id, submitted_at, received_at, "
        "appointment_at, status, channel, procedure_version_id)"
    ),
    "dossier_event_history": (
        "dossiers_dossierevent (dossier_id, occurred_at, id) INCLUDE (to_status)"
    ),
    "handling_unit_completed": (
        "dossiers_handling (unit_id, completed_at) INCLUDE (started_at, due_at)"
    ),
}
TABLES = ("dossiers_dossier", "dossiers_dossierevent", "dossiers_handling")
_state: dict[str, object] = {}


def _skip_reason() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://...): 1,000,000 rows on SQLite"
    return ""


def _create_database() -> None:
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "test_motcua_bench_reports"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    atexit.register(connection.creation.destroy_test_db, old_name, verbosity=0)


def _insert_select(model, values: dict[str, str | tuple[str, list]], source: str, params: list):
    """INSERT INTO model's table SELECT ...: each column from `values` (SQL over `source`, with
    its parameters when given as (sql, params)), the others with the field's default or NULL."""
    from django.db import connection

    columns, expressions, select_params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        value = values.get(field.attname)
        if isinstance(value, tuple):
            expressions.append(value[0])
            select_params.extend(value[1])
        elif value is not None:
            expressions.append(value)
        elif field.null:
            expressions.append("NULL")
        else:
            expressions.append("%s")
            select_params.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 (constants)
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, *params])


def _fill() -> dict[str, object]:
    from django.db import connection, transaction
    from django.utils import timezone

    from motcua.accounts.models import Agency, Unit, User
    from motcua.catalog.models import Field, Procedure, ProcedureVersion
    from motcua.dossiers.models import Dossier, DossierEvent, Handling

    now = timezone.now().replace(microsecond=0)
    department = Agency.objects.create(
        code="H56.14", name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng", kind="department"
    )
    communes = Agency.objects.bulk_create(
        Agency(code=f"H56.{24000 + n}", name=f"UBND xã {n}", kind="commune", parent=department)
        for n in range(COMMUNES)
    )
    other = Agency.objects.create(code="H37.14", name="Sở Khánh Hòa", kind="department")
    one_stop = Unit.objects.create(agency=department, code="MC", name="Bộ phận một cửa")
    offices = Unit.objects.bulk_create(
        Unit(agency=department, code=f"P{n}", name=f"Phòng chuyên môn {n}") for n in range(5)
    )
    creator = User.objects.create(username="bench", kind="staff", full_name="Cán bộ đo thử")
    field = Field.objects.create(code="dat-dai", name="Đất đai")
    versions = []
    for number in range(PROCEDURES):
        procedure = Procedure.objects.create(code=f"1.{10000 + number}", field=field)
        versions.append(
            ProcedureVersion.objects.create(
                procedure=procedure,
                number=1,
                status="published",
                name=f"Thủ tục đo thử {number}",
                agency=department,
                processing_time=15,
            )
        )
    province_agencies = [department.pk, *(commune.pk for commune in communes)]
    span = (now - timedelta(days=1) - START).total_seconds()
    # One row per dossier: its fate and durations drawn at random, moments derived from them;
    # a withdrawn or stopped dossier closes a third of the way to its due date.
    source = f"""(
      SELECT g, sub, fate, due_days, recv, recv + due_days * interval '8 hours' AS closes,
        CASE WHEN fate < 0.02 THEN 'refused' WHEN recv > %s THEN 'waiting'
             WHEN fate < 0.03 THEN 'withdrawn' WHEN fate < 0.035 THEN 'stopped'
             ELSE 'normal' END AS kind,
        recv + proc_days * interval '1 day' AS done
      FROM (
        SELECT g, sub, fate, due_days, proc_days, sub + recv_days * interval '1 day' AS recv
        FROM (
          SELECT g,
            %s::timestamptz
              + ((g - 1)::float8 / {DOSSIERS} * {span} + random() * 43200) * interval '1 second'
              AS sub,
            random() AS fate, random() * 2 AS recv_days, 2 + random() * 28 AS proc_days,
            10 + (g %% 4) * 5 AS due_days
          FROM generate_series(1, {DOSSIERS}) g
        ) drawn
      ) received
    ) s"""  # noqa: S608 (numbers only)
    in_progress = "s.kind = 'normal' AND s.done >= %s"
    status = """CASE
        WHEN s.kind = 'refused' THEN 'refused'
        WHEN s.kind = 'waiting' THEN 'new'
        WHEN s.kind IN ('withdrawn', 'stopped') AND s.closes < %s THEN s.kind
        WHEN s.kind IN ('withdrawn', 'stopped') THEN 'processing'
        WHEN s.done + interval '2 days' < %s THEN 'returned'
        WHEN s.done < %s THEN 'done'
        WHEN s.g %% 20 = 0 THEN 'supplement_requested'
        WHEN s.g %% 20 = 1 THEN 'financial_obligation'
        WHEN s.g %% 20 = 2 THEN 'received'
        ELSE 'processing' END"""
    agency = (
        f"CASE WHEN s.g %% 10 < 5 THEN {department.pk} "
        f"WHEN s.g %% 10 < 8 THEN (ARRAY{province_agencies[1:]})[1 + (s.g / 10) %% {COMMUNES}] "
        f"ELSE {other.pk} END"
    )
    values = {
        "version": "1",
        "code": "'B-' || s.g",
        "procedure_version_id": (
            f"(ARRAY{[version.pk for version in versions]})[1 + (s.g * 7) %% {PROCEDURES}]"
        ),
        "agency_id": agency,
        "status": (status, [now] * 3),
        "channel": (
            "CASE WHEN s.g %% 10 IN (0, 1, 3, 5, 7, 9) THEN 'online' "
            "WHEN s.g %% 10 IN (2, 4, 8) THEN 'counter' ELSE 'post' END"
        ),
        "created_by_id": str(creator.pk),
        "applicant_kind": "'citizen'",
        "applicant_name": "'Người nộp ' || s.g",
        "created_at": "s.sub",
        # A closed dossier was last changed when it closed (the statistics rely on it).
        "updated_at": (
            "CASE WHEN s.kind = 'refused' THEN s.sub + interval '2 hours' "
            "WHEN s.kind IN ('withdrawn', 'stopped') AND s.closes < %s THEN s.closes "
            "ELSE s.sub END",
            [now],
        ),
        "submitted_at": "s.sub",
        "received_at": "CASE WHEN s.kind IN ('refused', 'waiting') THEN NULL ELSE s.recv END",
        "appointment_at": (
            "CASE WHEN s.kind IN ('refused', 'waiting') THEN NULL "
            "ELSE s.recv + s.due_days * interval '1 day' END"
        ),
        "finished_at": ("CASE WHEN s.kind = 'normal' AND s.done < %s THEN s.done END", [now]),
        "returned_at": (
            "CASE WHEN s.kind = 'normal' AND s.done + interval '2 days' < %s "
            "THEN s.done + interval '2 days' END",
            [now],
        ),
        "current_unit_id": (f"CASE WHEN {in_progress} THEN {offices[0].pk} END", [now]),
        "step_started_at": (f"CASE WHEN {in_progress} THEN s.recv + interval '2 hours' END", [now]),
        "step_due_at": (f"CASE WHEN {in_progress} THEN s.recv + interval '5 days' END", [now]),
    }
    started = time.perf_counter()
    # Indexes rebuilt once the rows are committed (deferred foreign-key checks done).
    with _indexes_rebuilt_after(), transaction.atomic():
        _insert_select(Dossier, values, source, [now, START])
        _events(DossierEvent, now)
        _handlings(Handling, one_stop, offices)
    _create_indexes()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"  (data: {Dossier.objects.count():,} dossiers, {DossierEvent.objects.count():,} "
        f"events, {Handling.objects.count():,} control-sheet lines in "
        f"{time.perf_counter() - started:.0f} s)"
    )
    return {"department": department, "now": now}


@contextmanager
def _indexes_rebuilt_after():
    """Drop the secondary indexes of the filled tables, recreate them at the end: building an
    index once is much faster than updating it for each of millions of rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(TABLES)],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)


def _create_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name, definition in INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def _drop_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _events(model, now) -> None:
    """The history of every dossier: submitted, received, transferred, paused and resumed for
    some, closed or finished and returned."""
    pause = (
        "d.id %% 10 = 5 AND d.received_at + interval '5 days' < COALESCE(d.finished_at, %s) "
        "AND d.status NOT IN ('withdrawn', 'stopped', 'supplement_requested', "
        "'financial_obligation')"
    )
    steps = [
        ("d.submitted_at", "'submit'", "''", "'new'", "TRUE"),
        ("d.received_at", "'receive'", "'new'", "'received'", "d.received_at IS NOT NULL"),
        (
            "d.received_at + interval '1 hour'",
            "'transfer'",
            "'received'",
            "'processing'",
            "d.received_at IS NOT NULL AND d.status <> 'received'",
        ),
        (
            "d.received_at + interval '3 days'",
            "'request_supplement'",
            "'processing'",
            "'supplement_requested'",
            pause,
        ),
        (
            "d.received_at + interval '5 days'",
            "'supplement'",
            "'supplement_requested'",
            "'processing'",
            pause,
        ),
        (
            "d.received_at + interval '2 hours'",
            "'pause'",
            "'processing'",
            "d.status",
            "d.status IN ('supplement_requested', 'financial_obligation')",
        ),
        (
            "CASE WHEN d.status = 'refused' THEN d.submitted_at + interval '2 hours' "
            "ELSE d.received_at + (d.appointment_at - d.received_at) / 3 END",
            "d.status",
            "'processing'",
            "d.status",
            "d.status IN ('refused', 'withdrawn', 'stopped')",
        ),
        ("d.finished_at", "'finish'", "'processing'", "'done'", "d.finished_at IS NOT NULL"),
        ("d.returned_at", "'return_result'", "'done'", "'returned'", "d.returned_at IS NOT NULL"),
    ]
    for moment, action, from_status, to_status, condition in steps:
        _insert_select(
            model,
            {
                "dossier_id": "d.id",
                "occurred_at": moment,
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
            },
            f"dossiers_dossier d WHERE {condition}",
            [now] if "%s" in condition else [],
        )


def _handlings(model, one_stop, offices) -> None:
    """A third of the dossiers: the one-stop desk's line, the office's (open while the dossier
    is in progress), the leader's at the end."""
    office = f"(ARRAY{[unit.pk for unit in offices]})[1 + d.id %% {len(offices)}]"
    received = "d.id %% 3 = 0 AND d.received_at IS NOT NULL"
    lines = [
        (
            str(one_stop.pk),
            "d.received_at",
            "d.received_at + interval '12 hours'",
            "d.received_at + interval '2 hours'",
            received,
        ),
        (
            office,
            "d.received_at + interval '2 hours'",
            "d.received_at + (d.appointment_at - d.received_at) * 0.6",
            "CASE WHEN d.finished_at IS NOT NULL THEN GREATEST(d.finished_at - interval '1 day', "
            "d.received_at + interval '3 hours') END",
            received + " AND d.status NOT IN ('withdrawn', 'stopped')",
        ),
        (
            str(offices[-1].pk),
            "GREATEST(d.finished_at - interval '1 day', d.received_at + interval '3 hours')",
            "d.appointment_at",
            "d.finished_at",
            received + " AND d.finished_at IS NOT NULL",
        ),
    ]
    for unit, started, due, completed, condition in lines:
        _insert_select(
            model,
            {
                "dossier_id": "d.id",
                "unit_id": unit,
                "started_at": started,
                "due_at": due,
                "completed_at": completed,
            },
            f"dossiers_dossier d WHERE {condition}",
            [],
        )


def _province_year(year: int, *, index: bool = False):
    """The province's statistics (or its service-quality index) for `year`."""
    from motcua.reports.selectors import dossier_statistics
    from motcua.reports.service_index import service_index

    read = service_index if index else dossier_statistics
    return read(
        agency=_state["department"],
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        include_children=True,
    )


def _backend_cpu() -> float | None:
    """Seconds of CPU the database server process of this connection has used, when the server
    runs on this machine (Linux): the report's cost whatever else the machine is doing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _medians(year: int) -> tuple[float, float | None]:
    """Median wall time of CALLS reports, and median CPU time of the database process."""
    walls, cpus = [], []
    for _ in range(CALLS):
        cpu, started = _backend_cpu(), time.perf_counter()
        _province_year(year)
        walls.append(time.perf_counter() - started)
        if cpu is not None:
            cpus.append(_backend_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus) if cpus else None


def _report() -> None:
    stats = _province_year(2025)
    for year, label in ((2025, "province-year 2025"), (2026, "2026 to date")):
        wall, cpu = _medians(year)
        database = f", database CPU {cpu * 1000:.0f} ms" if cpu is not None else ""
        print(f"  ({label}: median {wall * 1000:.0f} ms{database})")
    print(
        f"  (2025: received {stats.totals.received:,}, handled {stats.totals.handled:,}, on time "
        f"{stats.totals.on_time_rate:.1%}; load average {os.getloadavg()[0]:.1f})"
    )


def _setup() -> None:
    from django.db import connection

    _create_database()
    _state.update(_fill())
    if os.environ.get("BENCH_REPORTS_COMPARE"):
        _drop_indexes()
        print("  without the three indexes:")
        _report()
        _create_indexes()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print("  with them:")
    _report()


def __getattr__(name: str):
    # Read when the runner asks, after Django is set up: on SQLite there is nothing to run.
    if name == "SKIP":
        return _skip_reason()
    if name == "BENCHMARKS":
        if _skip_reason():
            return []
        return [
            Benchmark(
                "reports: statistics of a province-year, 1M dossiers",
                lambda: _province_year(2025),
                target_per_second=1.0,
                setup=_setup,
                seconds=5.0,
            ),
            # Read after the one above, which filled the database.
            Benchmark(
                "reports: service-quality index of a province-year",
                lambda: _province_year(2025, index=True),
                target_per_second=0.5,
                seconds=5.0,
            ),
        ]
    raise AttributeError(name)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    import django

    django.setup()
    from bench import measure

    if _skip_reason():
        print(f"bench_reports skipped: {_skip_reason()}")
    for benchmark in __getattr__("BENCHMARKS"):
        print(f"{benchmark.name}: {measure(benchmark):.2f} per second (target 1)")
