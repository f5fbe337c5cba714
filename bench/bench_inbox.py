"""The staff workspace with 1,000,000 dossiers on PostgreSQL: an officer's inbox page and the
search page must answer in under 150 ms (median), with a fixed number of queries.

What is measured: the selectors behind each page, doing what the view does (dossiers/
views_workspace.py): the workspace home of a specialist and of a unit head (five lists, each a
count and its first rows, and the deadline marks), and the search's count and first page of 25
for a code prefix, an applicant's name typed without diacritics, a set of filters (status,
overdue, unit) and no filter at all. Each run reads the user again, so the agency scope is
worked out every time, as in a request. The runner's target of 6.7 per second is a mean of
150 ms; run alone (`python -m bench.bench_inbox`), each case runs `RUNS` times and the median
and 90th percentile are printed and compared with the target.

Data: a throw-away database made with Django's test-database machinery (`test_<name>` on the
PostgreSQL server of DATABASE_URL), destroyed when the process exits. Ten agencies (the first
holds 30 % of the dossiers), each with a one-stop desk, three offices of eight specialists and
a head, and a leaders' unit; ten procedures per agency with a three-step internal process; and
1,000,000 dossiers made by one INSERT … SELECT over generate_series: 91 % returned over three
years, the rest refused, withdrawn, stopped, waiting for return, new, or in processing (3 %)
within the last 40 days, at a step and mostly assigned, about one in ten past its step's
deadline. Applicant names follow the frequency of Vietnamese family names (Nguyễn first).
The search by name needs a trigram index on `search_text`; until dossiers/models.py declares it
(`dossier_search_trgm`), this module creates it after the fill.

On SQLite the module is skipped (SKIP says why).
"""

from __future__ import annotations

import atexit
import statistics
import sys
import time
from datetime import timedelta

from bench import Benchmark

DOSSIERS = 1_000_000
AGENCIES = 10
PROCEDURES = 10  # per agency
OFFICES = 3  # processing units per agency
SPECIALISTS = 8  # per office
OFFICERS = 4  # receiving officers per desk
CITIZENS = 5_000
TARGET_MS = 150
RUNS = 25
PAGE_SIZE = 25
_state: dict[str, object] = {}

FAMILY = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
    "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Thu"]
GIVEN = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa",
    "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngọc",
    "Nhung", "Phúc", "Phương", "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy",
    "Trang", "Trung", "Tuấn", "Tùng", "Vân", "Việt", "Yến", "Đào", "Kiên", "Lộc",
]  # fmt: skip
# Cumulative shares of the statuses (the rest is in processing).
STATUS_SHARES = [
    ("returned", 0.913),
    ("refused", 0.933),
    ("withdrawn", 0.943),
    ("stopped", 0.948),
    ("done", 0.955),
    ("new", 0.960),
    ("received", 0.962),
    ("supplement_requested", 0.968),
    ("financial_obligation", 0.970),
]


def _is_postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _create_database() -> None:
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = "test_motcua_bench_inbox"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    atexit.register(connection.creation.destroy_test_db, old_name, verbosity=0)


def _staff(unit, role: str, name: str, username: str) -> int:
    from motcua.accounts.models import StaffRole, User

    user = User.objects.create(
        username=username, full_name=name, kind=User.Kind.STAFF, agency_id=unit.agency_id
    )
    StaffRole.objects.create(user=user, unit=unit, role=role)
    return user.pk


def _reference_data() -> dict[str, list]:
    """Agencies, units, staff, citizens, procedures and their processes; the ids the dossier
    generator picks from, as flat arrays indexed by agency (and office, procedure...)."""
    from django.utils import timezone

    from motcua.accounts.models import Agency, Role, Unit, User
    from motcua.catalog.models import (
        Field,
        Procedure,
        ProcedureVersion,
        ProcessDefinition,
        ProcessStep,
    )

    ids: dict[str, list] = {
        key: []
        for key in (
            "agency",
            "agency_code",
            "desk",
            "office",
            "leaders",
            "officer",
            "specialist",
            "head",
            "director",
            "version",
            "definition",
            "step",
        )
    }
    field = Field.objects.create(code="dat-dai", name="Đất đai")
    now = timezone.now()
    for a in range(AGENCIES):
        agency = Agency.objects.create(
            code=f"H56.{14 + a}", name=f"Sở Nông nghiệp và Môi trường {a + 1}", kind="department"
        )
        ids["agency"].append(agency.pk)
        ids["agency_code"].append(agency.code)
        desk = Unit.objects.create(
            agency=agency, code="MOTCUA", name="Bộ phận một cửa", is_one_stop_desk=True
        )
        leaders = Unit.objects.create(agency=agency, code="LD", name="Lãnh đạo Sở")
        ids["desk"].append(desk.pk)
        ids["leaders"].append(leaders.pk)

        for k in range(OFFICERS):
            ids["officer"].append(
                _staff(desk, Role.RECEIVING_OFFICER, f"Cán bộ một cửa {k}", f"tn{a}-{k}")
            )
        ids["director"].append(_staff(leaders, Role.DIRECTOR, "Giám đốc", f"gd{a}"))
        offices = []
        for o in range(OFFICES):
            office = Unit.objects.create(agency=agency, code=f"P{o}", name=f"Phòng {o + 1}")
            offices.append(office)
            ids["office"].append(office.pk)
            ids["head"].append(_staff(office, Role.UNIT_HEAD, f"Trưởng phòng {o}", f"tp{a}-{o}"))
            for k in range(SPECIALISTS):
                ids["specialist"].append(
                    _staff(office, Role.SPECIALIST, f"Chuyên viên {o}.{k}", f"cv{a}-{o}-{k}")
                )
        for p in range(PROCEDURES):
            procedure = Procedure.objects.create(code=f"1.{a:02d}{p:04d}", field=field)
            version = ProcedureVersion.objects.create(
                procedure=procedure,
                number=1,
                status=ProcedureVersion.Status.PUBLISHED,
                published_at=now,
                name=f"Thủ tục đất đai số {p + 1}",
                agency=agency,
                service_level=4,
                processing_time=15,
            )
            Procedure.objects.filter(pk=procedure.pk).update(current_version=version)
            definition = ProcessDefinition.objects.create(
                procedure=procedure,
                agency=agency,
                number=1,
                status=ProcessDefinition.Status.PUBLISHED,
                published_at=now,
            )
            ids["version"].append(version.pk)
            ids["definition"].append(definition.pk)
            office = offices[p % OFFICES]
            for position, (unit, role) in enumerate(
                [(office, Role.SPECIALIST), (office, Role.UNIT_HEAD), (leaders, Role.DIRECTOR)],
                start=1,
            ):
                step = ProcessStep.objects.create(
                    definition=definition,
                    position=position,
                    name=f"Bước {position}",
                    unit=unit,
                    role=role,
                    duration=5,
                    actions=["forward", "return_to_step", "finish"],
                )
                ids["step"].append(step.pk)
    User.objects.bulk_create(
        [
            User(username=f"cd{n}", full_name=f"Công dân {n}", kind=User.Kind.CITIZEN)
            for n in range(CITIZENS)
        ],
        batch_size=1_000,
    )
    ids["citizen"] = list(
        User.objects.filter(kind=User.Kind.CITIZEN).order_by("pk").values_list("pk", flat=True)
    )
    return ids


# One statement: draws per row, then the status, the agency, the step and the dates follow
# from them. Arrays are 1-based; `a`, `p`, `o`, `s` are 0-based indexes.
_FILL_SQL = """
INSERT INTO dossiers_dossier (
    code, procedure_version_id, agency_id, status, channel, owner_id, created_by_id,
    applicant_kind, applicant_name, applicant_id_number, applicant_phone, applicant_email,
    applicant_address, form_data, created_at, updated_at, submitted_at, received_at,
    appointment_at, finished_at, returned_at, process_definition_id, current_step_id,
    current_unit_id, "current_role", assignee_id, step_started_at, step_due_at, paused_at,
    waiting_on, result_summary, return_method, search_text, version
)
WITH draws AS (
    SELECT g, random() AS r_agency, random() AS r_status, random() AS r_procedure,
           random() AS r_step, random() AS r_who, random() AS r_when, random() AS r_due,
           random() AS r_family, random() AS r_middle, random() AS r_given
    FROM generate_series(1, %(count)s) AS g
), shaped AS (
    SELECT *,
        CASE WHEN r_agency < 0.30 THEN 0
             ELSE 1 + floor((r_agency - 0.30) / 0.70 * (%(agencies)s - 1))::int END AS a,
        floor(r_procedure * %(procedures)s)::int AS p,
        CASE WHEN r_step < 0.7 THEN 0 WHEN r_step < 0.9 THEN 1 ELSE 2 END AS s,
        {status_case} AS status,
        1 + floor(power(r_family, 2.2) * %(families)s)::int AS fi,
        1 + floor(r_middle * %(middles)s)::int AS mi,
        1 + floor(r_given * %(givens)s)::int AS gi
    FROM draws
), timed AS (
    SELECT *,
        status IN ('received', 'processing', 'supplement_requested', 'financial_obligation')
            AS active,
        CASE WHEN status IN ('returned', 'refused', 'withdrawn', 'stopped')
             THEN now() - interval '40 days' - r_when * interval '1100 days'
             ELSE now() - r_when * interval '40 days' END AS submitted
    FROM shaped
), placed AS (
    SELECT *,
        a * %(offices)s + p %% %(offices)s AS o,
        (a * %(procedures)s + p) AS ap,
        row_number() OVER (
            PARTITION BY a, (submitted AT TIME ZONE 'Asia/Ho_Chi_Minh')::date ORDER BY g
        ) AS sequence
    FROM timed
), coded AS (
    SELECT *,
        (%(agency_code)s::text[])[a + 1] || '-'
            || to_char(submitted AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-'
            || lpad(sequence::text, 4, '0') AS code,
        (%(family)s::text[])[fi] || ' ' || (%(middle)s::text[])[mi] || ' '
            || (%(given)s::text[])[gi] AS name,
        (%(family_key)s::text[])[fi] || ' ' || (%(middle_key)s::text[])[mi] || ' '
            || (%(given_key)s::text[])[gi] AS name_key,
        (%(citizen)s::int[])[1 + g %% %(citizens)s] AS owner
    FROM placed
)
SELECT
    code,
    (%(version)s::int[])[ap + 1],
    (%(agency)s::int[])[a + 1],
    status,
    'online',
    owner,
    owner,
    'citizen',
    name,
    '0680' || lpad(g::text, 8, '0'),
    '09' || lpad(g::text, 8, '0'),
    '',
    'Số ' || (g %% 200 + 1) || ' đường Trần Phú',
    '{{}}'::jsonb,
    submitted,
    submitted,
    submitted,
    CASE WHEN status IN ('new', 'refused') THEN NULL ELSE submitted + interval '2 hours' END,
    CASE WHEN status = 'refused' THEN NULL ELSE submitted + interval '21 days' END,
    CASE WHEN status IN ('done', 'returned') THEN submitted + r_due * interval '20 days' END,
    CASE WHEN status = 'returned' THEN submitted + r_due * interval '20 days' + interval '1 day'
    END,
    CASE WHEN status IN ('new', 'refused') THEN NULL ELSE (%(definition)s::int[])[ap + 1] END,
    CASE WHEN active AND status <> 'received' THEN (%(step)s::int[])[ap * 3 + s + 1] END,
    CASE WHEN status IN ('received', 'done') THEN (%(desk)s::int[])[a + 1]
         WHEN active AND s < 2 THEN (%(office)s::int[])[o + 1]
         WHEN active THEN (%(leaders)s::int[])[a + 1] END,
    CASE WHEN status IN ('received', 'done') THEN 'receiving_officer'
         WHEN active AND s = 0 THEN 'specialist'
         WHEN active AND s = 1 THEN 'unit_head'
         WHEN active THEN 'director' ELSE '' END,
    CASE WHEN status = 'received'
             THEN (%(officer)s::int[])[a * %(officers)s + floor(r_who * %(officers)s)::int + 1]
         WHEN active AND s = 0 AND r_who < 0.8
             THEN (%(specialist)s::int[])[
                 o * %(specialists)s + floor(r_who / 0.8 * %(specialists)s)::int + 1]
         WHEN active AND s = 1 THEN (%(head)s::int[])[o + 1]
         WHEN active AND s = 2 THEN (%(director)s::int[])[a + 1] END,
    CASE WHEN active THEN now() - r_due * interval '5 days' END,
    CASE WHEN active THEN now() + (r_due * 20 - 2) * interval '1 day' END,
    CASE WHEN status IN ('supplement_requested', 'financial_obligation')
         THEN now() - r_who * interval '5 days' END,
    '',
    CASE WHEN status IN ('done', 'returned') THEN 'Đã cấp Giấy chứng nhận' ELSE '' END,
    CASE WHEN status = 'returned' THEN 'counter' ELSE '' END,
    lower(code) || ' ' || name_key,
    1
FROM coded
"""


def _status_case() -> str:
    whens = " ".join(f"WHEN r_status < {share} THEN '{name}'" for name, share in STATUS_SHARES)
    return f"CASE {whens} ELSE 'processing' END"


def _fill() -> dict[str, list]:
    from django.db import connection, transaction

    from motcua.core.text import search_key

    started = time.monotonic()
    with transaction.atomic():
        ids = _reference_data()
        params = {
            **ids,
            "count": DOSSIERS,
            "agencies": AGENCIES,
            "procedures": PROCEDURES,
            "offices": OFFICES,
            "specialists": SPECIALISTS,
            "officers": OFFICERS,
            "citizens": len(ids["citizen"]),
            "families": len(FAMILY),
            "middles": len(MIDDLE),
            "givens": len(GIVEN),
            "family": FAMILY,
            "middle": MIDDLE,
            "given": GIVEN,
            "family_key": [search_key(name) for name in FAMILY],
            "middle_key": [search_key(name) for name in MIDDLE],
            "given_key": [search_key(name) for name in GIVEN],
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute(_FILL_SQL.format(status_case=_status_case()), params)
    with connection.cursor() as cursor:
        # The trigram index the name search needs (proposed for dossiers/models.py; a no-op
        # once its migration exists), then planner statistics and the visibility map, as a
        # database in service has them.
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS dossier_search_trgm ON dossiers_dossier "
            "USING gin (search_text gin_trgm_ops)"
        )
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
    print(f"bench_inbox: {DOSSIERS:,} dossiers in {time.monotonic() - started:.0f} s", flush=True)
    return ids


# --- The cases ---------------------------------------------------------------------------------


def _user(pk: int):
    from motcua.accounts.models import User

    return User.objects.get(pk=pk)


def _overview(user_id: int):
    from motcua.dossiers.workspace import workspace_overview

    def run():
        return workspace_overview(user=_user(user_id))

    return run


def _search(user_id: int, **filters):
    from motcua.dossiers.workspace import (
        CappedPaginator,
        WorkspaceFilters,
        deadline_marks,
        dossier_search,
    )

    def run():
        dossiers = dossier_search(user=_user(user_id), filters=WorkspaceFilters(**filters))
        page = CappedPaginator(dossiers, PAGE_SIZE).get_page(1)
        return deadline_marks().mark(list(page.object_list)), page.paginator.count

    return run


def _cases() -> list[tuple[str, object]]:
    from django.utils import timezone

    ids = _state["ids"]
    specialist, head = ids["specialist"][0], ids["head"][0]
    month = (timezone.localtime() - timedelta(days=3)).strftime("%y%m")
    return [
        ("inbox: a specialist's workspace home", _overview(specialist)),
        ("inbox: a unit head's workspace home", _overview(head)),
        ("search: code prefix", _search(head, query=f"{ids['agency_code'][0]}-{month}")),
        ("search: applicant name, no diacritics", _search(head, query="nguyen thi lan")),
        (
            "search: status, overdue and unit",
            _search(head, status="processing", overdue=True, unit=ids["office"][0]),
        ),
        ("search: no filter (the whole agency)", _search(head)),
    ]


def _setup() -> None:
    if "ids" not in _state:
        _create_database()
        _state["ids"] = _fill()
        _state["cases"] = dict(_cases())


def _benchmark(name: str) -> Benchmark:
    def run():
        return _state["cases"][name]()

    return Benchmark(
        f"{name} (1M dossiers)",
        run,
        target_per_second=1000 / TARGET_MS,
        setup=_setup,
        seconds=2.0,
    )


_NAMES = [
    "inbox: a specialist's workspace home",
    "inbox: a unit head's workspace home",
    "search: code prefix",
    "search: applicant name, no diacritics",
    "search: status, overdue and unit",
    "search: no filter (the whole agency)",
]


NEEDS_POSTGRESQL = "needs PostgreSQL (DATABASE_URL=postgres://...)"


def _skip_reason() -> str:
    from django.conf import settings

    if not settings.configured:
        return ""  # run alone: main() sets Django up and decides
    return "" if _is_postgresql() else NEEDS_POSTGRESQL


# The runner (bench/__main__.py) prints SKIP instead of running the benchmarks.
SKIP = _skip_reason()
BENCHMARKS = [_benchmark(name) for name in _NAMES]


def main() -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    import django
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    django.setup()
    if not _is_postgresql():
        print(f"bench_inbox: skipped, it {NEEDS_POSTGRESQL}")
        return 0
    _setup()
    missed = 0
    print(f"{'case':45} {'median':>9} {'p90':>9} {'queries':>8}  result")
    for name in _NAMES:
        case = _state["cases"][name]
        case()  # warm caches
        timings = []
        for _run in range(RUNS):
            started = time.perf_counter()
            case()
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            case()
        median = statistics.median(timings)
        p90 = statistics.quantiles(timings, n=10)[-1]
        ok = median < TARGET_MS
        missed += not ok
        print(
            f"{name:45} {median:7.1f}ms {p90:7.1f}ms {len(queries.captured_queries):8}  "
            f"{'ok' if ok else 'MISSED'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
