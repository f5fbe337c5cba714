"""Signed results: producing and signing a one-page result must take under 300 ms (median), the
public verification page under 30 ms (median).

What is measured:
- "results: issue a signed one-page result": `results.services.result_issue` whole, as the
  director's "finish" runs it: the next number, the HTML template rendered by WeasyPrint with its
  QR code, the PAdES signature with the visible stamp (pyHanko, the demo PKCS#12 key), the file
  stored and the row and audit entry written. Target: 1 / 0.300 s.
- "results: verification page /verify/<token>": an anonymous GET of the page behind the QR code,
  through Django's whole middleware stack. Target: 1 / 0.030 s.
The runner's rate is a mean; the setup also prints each one's median over `SAMPLES` calls, which
is the target, with the CPU time this process spent: on a machine busy with other work the wall
time grows, the CPU time says what the work itself costs.

Data: a throw-away database made with Django's test-database machinery (a temporary SQLite file,
or `test_<name>` on the PostgreSQL server of DATABASE_URL) holding one agency, one procedure and
one finished dossier; files go to a temporary folder. Both are removed when the process exits.
"""

from __future__ import annotations

import atexit
import shutil
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench import Benchmark

SAMPLES = 15
_state: dict[str, object] = {}


def _create_database(folder: str) -> None:
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(folder, "results.db"))
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    atexit.register(connection.creation.destroy_test_db, old_name, verbosity=0)


def _fill():
    from django.utils import timezone

    from motcua.accounts.models import Agency, Role, StaffRole, Unit, User
    from motcua.catalog.models import Field, Procedure, ProcedureVersion
    from motcua.dossiers.models import Dossier, Status

    agency = Agency.objects.create(
        code="H56.14",
        name="Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
        kind=Agency.Kind.DEPARTMENT,
    )
    leaders = Unit.objects.create(agency=agency, code="VP", name="Lãnh đạo Sở")
    director = User.objects.create(
        username="gd", full_name="Nguyễn Văn Hùng", kind=User.Kind.STAFF, agency=agency
    )
    StaffRole.objects.create(user=director, unit=leaders, role=Role.DIRECTOR)
    field = Field.objects.create(code="dat-dai", name="Đất đai")
    procedure = Procedure.objects.create(code="1.012783", field=field)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        status=ProcedureVersion.Status.PUBLISHED,
        name="Cấp đổi Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        agency=agency,
        processing_time=Decimal(5),
        result_type="Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất.",
    )
    dossier = Dossier.objects.create(
        code="H56.14-261123-0001",
        procedure_version=version,
        agency=agency,
        status=Status.DONE,
        channel="online",
        applicant_kind="citizen",
        applicant_name="Nguyễn Văn An",
        applicant_id_number="001090000001",
        applicant_address="Số 12 đường Lê Lợi",
        form_data={"parcel_number": 125, "map_sheet": 14, "certificate_serial": "AA 123456"},
        submitted_at=timezone.now(),
        finished_at=timezone.now(),
        result_summary="Cấp đổi Giấy chứng nhận",
        created_by=director,
    )
    return dossier, director


def _setup() -> None:
    from django.test import Client
    from django.test.utils import override_settings

    folder = tempfile.mkdtemp(prefix="motcua-bench-results-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs last (LIFO)
    override_settings(
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": folder},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        RATELIMIT_ENABLED=False,
    ).enable()
    _create_database(folder)
    dossier, director = _fill()
    _state.update(dossier=dossier, director=director, client=Client(HTTP_HOST="localhost"))
    token = _issue().verify_token
    _state["url"] = f"/verify/{token}"
    _verify_page()
    for name, run in (("issue", _issue), ("verify page", _verify_page)):
        wall, cpu = [], []
        for _ in range(SAMPLES):
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(
            f"  results {name}: median {statistics.median(wall) * 1000:.1f} ms "
            f"(CPU {statistics.median(cpu) * 1000:.1f} ms)"
        )


def _issue():
    from django.utils import timezone

    from motcua.results.services import result_issue

    return result_issue(
        dossier=_state["dossier"],
        signer=_state["director"],
        issued_at=timezone.now(),
        summary="Cấp đổi Giấy chứng nhận",
    )


def _verify_page() -> None:
    response = _state["client"].get(_state["url"])
    if response.status_code != 200:
        raise RuntimeError(f"verification page answered {response.status_code}")


BENCHMARKS = [
    Benchmark(
        "results: issue a signed one-page result",
        _issue,
        target_per_second=1 / 0.300,
        setup=_setup,
        seconds=5.0,
    ),
    Benchmark("results: verification page /verify/<token>", _verify_page, 1 / 0.030),
]

if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.config.settings")
    os.environ.setdefault("MOTCUA_ENV", "test")
    django.setup()
    from bench import measure

    for benchmark in BENCHMARKS:
        rate = measure(benchmark)
        print(f"{benchmark.name}: {rate:.1f}/s (target {benchmark.target_per_second:.1f}/s)")
