"""Monitoring test data: stations registered through the service (so keys are real), an
operator, and helpers to build reading batches. Other monitoring tests (AQI) may import them."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

from django.apps import apps

from motcua.monitoring.models import Parameter, Station
from motcua.monitoring.services import station_register
from tests.factories import Role, StaffFactory

AIR = ["PM2.5", "PM10", "O3", "CO", "SO2", "NO2", "TEMP", "RH"]
_counter = iter(range(1, 1_000_000))


def parameters_seeded() -> None:
    """The parameters of the data migration; transactional tests (live_server, threads) empty
    every table when they end, so a later test seeds them again."""
    if not Parameter.objects.exists():
        seed = importlib.import_module("motcua.monitoring.migrations.0002_seed_parameters")
        seed.seed(apps, None)


def station_with_key(
    *, code: str | None = None, parameters: list[str] | None = None, **values: Any
) -> tuple[Station, str]:
    """A registered station and its ingestion key (by default measuring every air parameter)."""
    parameters_seeded()
    number = next(_counter)
    station, key = station_register(
        actor=None,
        code=code or f"T-{number:03d}",
        name=values.pop("name", f"Trạm thử {number}"),
        kind=values.pop("kind", Station.Kind.AUTOMATIC),
        latitude=values.pop("latitude", "11.940400"),
        longitude=values.pop("longitude", "108.458300"),
        parameters=list(Parameter.objects.filter(code__in=parameters or AIR)),
        **values,
    )
    return station, key


def station(**values: Any) -> Station:
    return station_with_key(**values)[0]


def operator(**values: Any):
    """A staff user holding the monitoring-operator role."""
    return StaffFactory(role=Role.MONITORING_OPERATOR, **values)


def hours_ago(hours: int, *, now: datetime | None = None) -> datetime:
    """The start of the UTC hour `hours` before the current one."""
    now = now or datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)


def reading(
    parameter: str, time: datetime | str, value: Any, period: str = "1h", **extra: Any
) -> dict[str, Any]:
    return {
        "parameter": parameter,
        "time": time if isinstance(time, str) else time.isoformat(),
        "value": value,
        "period": period,
        **extra,
    }
