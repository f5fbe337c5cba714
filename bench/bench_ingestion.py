"""Bulk measurement ingestion over HTTP: at least 20,000 readings per second on PostgreSQL from
one client sending batches of 1,000 (target: 20 batches a second). SQLite, one writer at a time
and meant for development, is only held to 5 batches a second.

What is measured: one client (a keep-alive `requests` session) posting batches of 1,000 hourly
means (125 hours × 8 parameters, new hours each time) to `POST /api/v1/monitoring/measurements`
on a granian WSGI server on loopback: HTTP, the station-key check, per-reading validation, the
bulk upsert, quality control and the station's last-seen update. The second line sends raw
five-minute readings, which are also averaged into hourly means.

Data: a throw-away database made with Django's test-database machinery, as in bench_catalog
(a `test_<name>` database on the PostgreSQL server of DATABASE_URL, or a SQLite file in a
temporary folder), destroyed when the process exits; the server process is pointed at it.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import Benchmark

BATCH = 1_000
PARAMETERS = ["PM2.5", "PM10", "O3", "CO", "SO2", "NO2", "TEMP", "RH"]
STATIONS = 20
_state: dict[str, object] = {}


def _create_database() -> str:
    """Create the throw-away database; return a DATABASE_URL for the server process."""
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="motcua-bench-ingestion-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(folder, "ingest.db"))
    else:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = "test_motcua_bench_ingestion"
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    atexit.register(connection.creation.destroy_test_db, old_name, verbosity=0)
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    s = connection.settings_dict
    credentials = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(database_url: str) -> str:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MOTCUA_ENV": "test",
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
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
            "1",
            "--blocking-threads",
            "2",
            "--log-level",
            "warning",
            "motcua.config.wsgi:application",
        ],
        env=env,
    )

    def stop() -> None:
        server.terminate()
        server.wait(timeout=10)

    atexit.register(stop)
    url = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(100):
        try:
            requests.get(f"{url}/healthz", timeout=1)
            return url
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the granian server did not start")


def _setup() -> None:
    import requests

    from motcua.monitoring.models import Parameter
    from motcua.monitoring.services import station_register

    database_url = _create_database()
    parameters = list(Parameter.objects.filter(code__in=PARAMETERS))
    keys = []
    for number in range(STATIONS):
        station, key = station_register(
            actor=None,
            code=f"BENCH-{number:02d}",
            name=f"Trạm đo hiệu năng {number}",
            kind="automatic",
            latitude="11.94",
            longitude="108.45",
            parameters=parameters,
        )
        keys.append((station.code, key))
    url = _start_server(database_url)
    session = requests.Session()
    _state.update(
        url=f"{url}/api/v1/monitoring/measurements",
        session=session,
        hourly=itertools.cycle(_hourly_batches(keys)),
        raw=itertools.cycle(_raw_batches(keys)),
    )


def _hourly_batches(keys: list[tuple[str, str]]):
    """Batches of 125 consecutive hours × 8 parameters, walking back over the last 300 days."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours_per_batch = BATCH // len(PARAMETERS)
    for code, key in keys:
        for batch_number in range(300 * 24 // hours_per_batch):
            first = now - timedelta(hours=(batch_number + 1) * hours_per_batch)
            readings = [
                {
                    "parameter": parameter,
                    "time": (first + timedelta(hours=h)).isoformat(),
                    "value": 10.0 + (h * 7 + index * 3) % 40,
                    "period": "1h",
                }
                for h in range(hours_per_batch)
                for index, parameter in enumerate(PARAMETERS)
            ]
            yield key, json.dumps({"station": code, "readings": readings})


def _raw_batches(keys: list[tuple[str, str]]):
    """Batches of 1,000 five-minute readings of PM2.5 and PM10 (41⅔ hours each)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    per_batch = BATCH // 2
    for code, key in keys:
        for batch_number in range(300 * 288 // per_batch):
            first = now - timedelta(minutes=5 * per_batch * (batch_number + 1))
            readings = [
                {
                    "parameter": parameter,
                    "time": (first + timedelta(minutes=5 * i)).isoformat(),
                    "value": 10.0 + (i * 7) % 30,
                    "period": "raw",
                }
                for i in range(per_batch)
                for parameter in ("PM2.5", "PM10")
            ]
            yield key, json.dumps({"station": code, "readings": readings})


def _send(kind: str) -> None:
    key, body = next(_state[kind])
    response = _state["session"].post(
        _state["url"],
        data=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=30,
    )
    if response.status_code != 200 or response.json()["stored"] != BATCH:
        raise RuntimeError(f"ingestion answered {response.status_code}: {response.text[:300]}")


def _target() -> float:
    from django.db import connection

    return 20 if connection.vendor == "postgresql" else 5


BENCHMARKS = [
    Benchmark(
        "monitoring: HTTP ingestion, batches of 1,000 hourly means",
        lambda: _send("hourly"),
        target_per_second=_target(),
        setup=_setup,
        seconds=5.0,
    ),
    Benchmark(
        "monitoring: HTTP ingestion, batches of 1,000 raw readings",
        lambda: _send("raw"),
        target_per_second=_target(),
        seconds=5.0,
    ),
]
