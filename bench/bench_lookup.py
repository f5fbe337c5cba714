"""Public lookup under load: `GET /api/v1/lookup` must hold at least 70 % of the requests per
second of a bare Django view that does one indexed query, on the same server, in the same run.

What is measured: a real granian WSGI server (2 workers) on 127.0.0.1, started for the run,
serving Motcua with one extra URL, `/bench/bare?code=...`: a Django view behind the same
middleware that reads one dossier's status by its unique code and answers JSON. A small load
generator in this process keeps 8 keep-alive HTTP connections busy (bounded: at most
`MAX_REQUESTS` requests and `MAX_SECONDS` seconds per endpoint), first on the bare view, then on
the lookup, each with a real dossier code and its applicant's phone. The rate limits are off in
the server (RATELIMIT_ENABLED=false): they would stop the load, which is their job.

Each benchmark's `run` returns when the next answer of the concurrent load arrives, so the
runner's "per second" is the server's throughput. The lookup's target is 70 % of the bare
view's rate measured just before it; both numbers are printed.

Data: like bench_catalog.py, a throw-away database made with Django's test-database machinery
(a temporary SQLite file, or `test_<name>` on the PostgreSQL server of DATABASE_URL), filled in
bulk with 100,000 dossiers and their history, destroyed when the process exits.

Run alone, `python -m bench.bench_lookup` (from the checkout, with the virtualenv's Python)
alternates three rounds of each and compares the means: steadier on a machine that is doing
other work too.
"""

from __future__ import annotations

import atexit
import http.client
import itertools
import os
import queue
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from bench import Benchmark, measure

DOSSIERS = 100_000
CONNECTIONS = 8
SERVER_WORKERS = 2
SERVER_THREADS = 2  # per worker: Django's sync views gain nothing from more under the GIL
MAX_REQUESTS = 200_000
MAX_SECONDS = 60
TARGET_SHARE = 0.70
ROUNDS = 3  # when run alone: bare, lookup, bare, lookup...
_SAMPLE = 2_000
_state: dict[str, object] = {}


# --- The server's side: Motcua's URLs plus the bare view ----------------------------------------


def bare_view(request):
    """One indexed query (the unique code) and a small JSON answer: the baseline."""
    from django.http import JsonResponse

    from motcua.dossiers.models import Dossier

    status = (
        Dossier.objects.filter(code=request.GET.get("code", ""))
        .values_list("status", flat=True)
        .first()
    )
    return JsonResponse({"status": status})


def _urlpatterns():
    from django.urls import path

    from motcua.config.urls import urlpatterns

    return [path("bench/bare", bare_view), *urlpatterns]


def __getattr__(name: str):
    # ROOT_URLCONF points here in the benchmark's server: Django reads `urlpatterns` lazily.
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


_handler = None


def application(environ, start_response):
    """The WSGI application granian serves: Motcua with this module as URLconf."""
    global _handler
    if _handler is None:
        import django
        from django.conf import settings

        django.setup()
        settings.ROOT_URLCONF = __name__
        from django.core.handlers.wsgi import WSGIHandler

        _handler = WSGIHandler()
    return _handler(environ, start_response)


# --- Data ---------------------------------------------------------------------------------------


def _create_database() -> None:
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="motcua-bench-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs last (LIFO)
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(folder, "lookup.db"))
    else:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = "test_motcua_bench_lookup"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    atexit.register(connection.creation.destroy_test_db, old_name, verbosity=0)


def _insert(model, template, rows, *, varying: list[str]) -> None:
    """INSERT rows of `model` fast: every column as in `template` (an unsaved instance) but the
    `varying` attributes, given per row in that order. The ORM's bulk_create spends most of its
    time preparing each value of each row; this prepares the constant ones once."""
    from django.db import connection

    # The primary key is left to the database unless given.
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key or field.attname in varying
    ]
    constant = {
        field.attname: field.get_db_prep_save(field.pre_save(template, add=True), connection)
        for field in fields
        if field.attname not in varying
    }
    by_name = {field.attname: field for field in fields}
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) " + (
        f"VALUES ({placeholders})"
    )
    position = {name: index for index, name in enumerate(varying)}

    def prepared(row):
        return [
            by_name[field.attname].get_db_prep_save(row[position[field.attname]], connection)
            if field.attname in position
            else constant[field.attname]
            for field in fields
        ]

    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(prepared(row))
            if len(batch) == 5_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _fill() -> list[tuple[str, str]]:
    """100,000 submitted dossiers of one agency over 500 days, with 2-3 public events each.
    Returns a sample of (code, phone) to look up."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from motcua.accounts.models import Agency, Unit, User
    from motcua.catalog.models import Field, Procedure, ProcedureVersion
    from motcua.dossiers.models import Dossier, DossierEvent, Status

    agency = Agency.objects.create(
        code="H56.14", name="Sở Nông nghiệp và Môi trường", kind=Agency.Kind.DEPARTMENT
    )
    Unit.objects.create(agency=agency, code="MOTCUA", name="Bộ phận một cửa", is_one_stop_desk=True)
    field_of_law = Field.objects.create(code="dat-dai", name="Đất đai")
    procedure = Procedure.objects.create(code="1.012783", field=field_of_law)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        status=ProcedureVersion.Status.PUBLISHED,
        name="Cấp đổi Giấy chứng nhận quyền sử dụng đất",
        agency=agency,
        service_level=4,
        processing_time=5,
        channels=["online"],
        applicant_kinds=["citizen"],
    )
    creator = User.objects.create(username="bench", kind=User.Kind.CITIZEN, full_name="Bench")
    start = timezone.now() - timedelta(days=500)
    per_day = DOSSIERS // 500
    rng = random.Random(1)
    dossiers = []
    for number in range(DOSSIERS):
        day, sequence = divmod(number, per_day)
        submitted = start + timedelta(days=day, minutes=sequence * 2)
        status = Status.PROCESSING if number % 2 == 0 else Status.RECEIVED
        code = f"H56.14-{submitted:%y%m%d}-{sequence + 1:04d}"
        phone = f"09{number:08d}"
        dossiers.append((number + 1, code, status, phone, f"068090{number:06d}", submitted))
    sample = [(code, phone) for _id, code, _status, phone, *_rest in rng.sample(dossiers, _SAMPLE)]
    template = Dossier(
        procedure_version=version,
        agency=agency,
        channel="online",
        created_by=creator,
        applicant_kind="citizen",
        applicant_name="Nguyễn Văn An",
    )
    events_template = DossierEvent(action="", to_status="")
    with transaction.atomic():
        _insert(
            Dossier,
            template,
            (
                (
                    pk,
                    code,
                    status,
                    phone,
                    id_number,
                    at,
                    at + timedelta(hours=2),
                    at + timedelta(days=7),
                )
                for pk, code, status, phone, id_number, at in dossiers
            ),
            varying=[
                "id",
                "code",
                "status",
                "applicant_phone",
                "applicant_id_number",
                "submitted_at",
                "received_at",
                "appointment_at",
            ],
        )
        steps = [
            ("submit", "", Status.NEW),
            ("receive", Status.NEW, Status.RECEIVED),
            ("transfer", Status.RECEIVED, Status.PROCESSING),
        ]
        _insert(
            DossierEvent,
            events_template,
            (
                (pk, at + timedelta(hours=2 * hours), action, from_status, to_status)
                for pk, _code, status, _phone, _id, at in dossiers
                for hours, (action, from_status, to_status) in enumerate(
                    steps if status == Status.PROCESSING else steps[:2]
                )
            ),
            varying=["dossier_id", "occurred_at", "action", "from_status", "to_status"],
        )
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Dossier]):
                cursor.execute(statement)
    # Planner statistics, as a database in service has them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return sample


# --- The server and the load ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings["USER"] or "", safe="")
    password = quote(settings["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings["HOST"] or "localhost"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{settings['NAME']}"


def _start_server() -> int:
    port = _free_port()
    checkout = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.config.settings",
        "DATABASE_URL": _database_url(),
        "RATELIMIT_ENABLED": "false",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(checkout), os.environ.get("PYTHONPATH", "")]),
    }
    granian = Path(sys.executable).with_name("granian")
    server = subprocess.Popen(  # noqa: S603 - our own executable and arguments
        [
            str(granian),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(SERVER_WORKERS),
            "--blocking-threads",
            str(SERVER_THREADS),
            "--log-level",
            "warning",
            "bench.bench_lookup:application",
        ],
        env=env,
        cwd=checkout,
    )
    atexit.register(_stop_server, server)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return port
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"granian did not start on 127.0.0.1:{port}")


def _stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@dataclass
class Load:
    """CONNECTIONS keep-alive connections sending GETs as fast as the server answers; `next()`
    returns when the next answer arrives. Bounded by MAX_REQUESTS and MAX_SECONDS."""

    port: int
    paths: list[str]
    answers: queue.Queue = field(default_factory=queue.Queue)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    calls: list[float] = field(default_factory=list)

    def start(self) -> None:
        started = time.monotonic()
        sent = itertools.count()
        paths = itertools.cycle(self.paths)
        lock = threading.Lock()
        atexit.register(self.stop)  # before the server stops (atexit runs last-in first-out)

        def worker() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            while not self.stopping.is_set():
                with lock:
                    count, path = next(sent), next(paths)
                if count >= MAX_REQUESTS or time.monotonic() - started > MAX_SECONDS:
                    break
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    self.answers.put(response.status)
                except (OSError, http.client.HTTPException) as error:
                    self.answers.put(error)
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            connection.close()

        self.threads = [threading.Thread(target=worker, daemon=True) for _ in range(CONNECTIONS)]
        for thread in self.threads:
            thread.start()

    def next(self) -> None:
        answer = self.answers.get(timeout=15)
        if answer != 200:
            raise RuntimeError(f"the server answered {answer!r}")
        self.calls.append(time.perf_counter())

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=15)

    @property
    def rate(self) -> float:
        """Answers per second while the runner was taking them."""
        if len(self.calls) < 2:
            return 0.0
        return (len(self.calls) - 1) / (self.calls[-1] - self.calls[0])


def _setup_server() -> None:
    if "port" in _state:
        return
    _create_database()
    sample = _fill()
    _state["sample"] = sample
    _state["port"] = _start_server()


def _setup_bare() -> None:
    _setup_server()
    running = _state.get("lookup")
    if isinstance(running, Load):
        running.stop()
    paths = [f"/bench/bare?{urlencode({'code': code})}" for code, _phone in _state["sample"]]
    load = Load(port=_state["port"], paths=paths)
    _state["bare"] = load
    load.start()


def _setup_lookup() -> None:
    _setup_server()
    bare = _state.get("bare")
    if isinstance(bare, Load):
        bare.stop()
    else:  # run alone: measure the bare view first
        measure(BARE)
        _state["bare"].stop()
    paths = [
        f"/api/v1/lookup?{urlencode({'code': code, 'phone': phone})}"
        for code, phone in _state["sample"]
    ]
    load = Load(port=_state["port"], paths=paths)
    _state["lookup"] = load
    load.start()
    print(
        f"  (bare view {_state['bare'].rate:,.0f} requests/s: the lookup's target is "
        f"{TARGET_SHARE:.0%} of it)",
        flush=True,
    )


def _next(name: str):
    def run() -> None:
        _state[name].next()

    return run


class RelativeBenchmark:
    """A benchmark (as bench.Benchmark) whose target is a share of the rate another one's load
    reached just before, read once that one was measured."""

    def __init__(self, name, run, *, setup, seconds: float, share: float, baseline: str):
        self.name, self.run, self.setup, self.seconds = name, run, setup, seconds
        self.share, self.baseline = share, baseline

    @property
    def target_per_second(self) -> float:
        baseline = _state.get(self.baseline)
        return self.share * baseline.rate if isinstance(baseline, Load) else 0.0


BARE = Benchmark(
    "lookup: bare view, 1 indexed query (granian, 8 conn.)",
    _next("bare"),
    target_per_second=100,
    setup=_setup_bare,
    seconds=5.0,
)
LOOKUP = RelativeBenchmark(
    "lookup: GET /api/v1/lookup, 100k dossiers",
    _next("lookup"),
    setup=_setup_lookup,
    seconds=5.0,
    share=TARGET_SHARE,
    baseline="bare",
)
BENCHMARKS = [BARE, LOOKUP]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    import django

    django.setup()
    started = time.monotonic()
    _setup_server()
    print(f"{DOSSIERS:,} dossiers loaded in {time.monotonic() - started:.1f} s")
    # Alternating rounds, so that other load on the machine weighs on both alike.
    bare_rate = lookup_rate = 0.0
    for _round in range(ROUNDS):
        bare_rate += measure(BARE) / ROUNDS
        lookup_rate += measure(LOOKUP) / ROUNDS
    _state["lookup"].stop()
    share = lookup_rate / bare_rate if bare_rate else 0
    print(f"bare view: {bare_rate:,.0f} requests/s")
    print(f"lookup:    {lookup_rate:,.0f} requests/s ({share:.0%} of the bare view)")
    verdict = "ok" if share >= TARGET_SHARE else "MISSED"
    print(f"target {TARGET_SHARE:.0%}: {verdict}")
    return 0 if share >= TARGET_SHARE else 1


if __name__ == "__main__":
    sys.exit(main())
