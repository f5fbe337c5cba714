"""Catalogue search with 2,000 published procedures: a search must answer in under 50 ms.

What is measured: `GET /api/v1/procedures?q=...` through Django's test client (URL routing,
middleware, the search selector, the count and the first page of 20, JSON), cycling through
queries people type (without diacritics, a code, English words). The runner reports searches
per second, the inverse of the mean time: the target of 20 per second is a mean of 50 ms, and
search times skew right (rare slow outliers), so the median is below the mean.

Data: this module never touches real data. `setup` creates a throw-away database with Django's
test-database machinery (`connection.creation.create_test_db`): on SQLite a file in a new
temporary folder, on PostgreSQL (DATABASE_URL) a `test_<name>` database on the same server.
It is migrated, filled in bulk with 2,000 procedures in four fields, and destroyed when the
process exits. Benchmark modules that run after this one in the same `make bench` process find
the connection pointing at that throw-away database, never at the real one.
"""

from __future__ import annotations

import atexit
import itertools
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from bench import Benchmark

PROCEDURES = 2_000
QUERIES = [
    "giay phep moi truong",
    "cấp đổi giấy chứng nhận",
    "khai thac nuoc duoi dat",
    "1.012756",
    "environmental permit",
    "tham dinh bao cao danh gia",
    "dat dai",
    "gia han giay phep tham do khoang san",
]
_ACTIONS = ["Cấp", "Cấp đổi", "Cấp lại", "Gia hạn", "Điều chỉnh", "Thẩm định", "Đăng ký"]
_OBJECTS = [
    ("giấy phép môi trường", "environmental permit", "moi-truong"),
    ("báo cáo đánh giá tác động môi trường", "environmental impact assessment", "moi-truong"),
    ("Giấy chứng nhận quyền sử dụng đất", "land-use right certificate", "dat-dai"),
    ("biến động đất đai", "changes to land", "dat-dai"),
    ("giấy phép khai thác nước dưới đất", "groundwater extraction licence", "tai-nguyen-nuoc"),
    ("giấy phép khai thác nước mặt", "surface water licence", "tai-nguyen-nuoc"),
    ("giấy phép thăm dò khoáng sản", "mineral exploration licence", "khoang-san"),
    ("giấy phép khai thác khoáng sản", "mineral extraction licence", "khoang-san"),
]
_SUFFIXES = [
    "cấp tỉnh",
    "cấp xã",
    "cho tổ chức",
    "cho hộ gia đình, cá nhân",
    "trong khu công nghiệp",
]
_state: dict[str, object] = {}


def _create_database() -> None:
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="motcua-bench-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # runs last (LIFO)
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(folder, "catalog.db"))
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    atexit.register(connection.creation.destroy_test_db, old_name, verbosity=0)


def _fill() -> None:
    from motcua.accounts.models import Agency
    from motcua.catalog.models import Field, Procedure, ProcedureVersion
    from motcua.catalog.services import procedure_search_rebuild

    agency = Agency.objects.create(
        code="H56.14", name="Sở Nông nghiệp và Môi trường", kind=Agency.Kind.DEPARTMENT
    )
    fields = {
        code: Field.objects.create(code=code, name=name, sort_order=order)
        for order, (code, name) in enumerate(
            [
                ("dat-dai", "Đất đai"),
                ("moi-truong", "Môi trường"),
                ("tai-nguyen-nuoc", "Tài nguyên nước"),
                ("khoang-san", "Khoáng sản"),
            ]
        )
    }
    names = itertools.cycle(itertools.product(_ACTIONS, _OBJECTS, _SUFFIXES))
    procedures, versions = [], []
    for number in range(PROCEDURES):
        action, (name, name_en, field_code), suffix = next(names)
        code = "1.012756" if number == 0 else f"1.{100000 + number:06d}"
        procedure = Procedure(code=code, field=fields[field_code])
        procedures.append(procedure)
        versions.append(
            ProcedureVersion(
                procedure=procedure,
                number=1,
                status=ProcedureVersion.Status.PUBLISHED,
                name=f"{action} {name} {suffix} (mẫu {number})",
                name_en=f"{action} {name_en} ({number})",
                agency=agency,
                service_level=3 + number % 2,
                processing_time=Decimal(5 + number % 30),
                channels=["online", "counter"],
                applicant_kinds=["citizen", "organisation"],
            )
        )
    Procedure.objects.bulk_create(procedures, batch_size=500)
    for version in versions:
        version.procedure_id = version.procedure.pk
    ProcedureVersion.objects.bulk_create(versions, batch_size=500)
    for procedure, version in zip(procedures, versions, strict=True):
        procedure.current_version = version
    Procedure.objects.bulk_update(procedures, ["current_version"], batch_size=500)
    procedure_search_rebuild()


def _setup() -> None:
    from django.test import Client

    _create_database()
    _fill()
    _state["client"] = Client(HTTP_HOST="localhost")
    _state["queries"] = itertools.cycle(QUERIES)


def _search() -> None:
    response = _state["client"].get("/api/v1/procedures", {"q": next(_state["queries"])})
    if response.status_code != 200:
        raise RuntimeError(f"search answered {response.status_code}: {response.content[:200]!r}")


BENCHMARKS = [
    Benchmark(
        "catalog: search 2,000 procedures (API, page 1)",
        _search,
        target_per_second=20,
        setup=_setup,
        seconds=3.0,
    ),
]
