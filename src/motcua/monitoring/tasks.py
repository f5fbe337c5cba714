"""Periodic jobs of the monitoring data side: silent stations, forgotten CSV previews."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from motcua.core.scheduler import periodic
from motcua.monitoring.services import csv_uploads_purge, stations_silence_check


@periodic(every=timedelta(minutes=10))
@task()
def check_silent_stations() -> dict[str, list[str]]:
    """Open an operational alert for each station silent too long; close those that speak."""
    result = stations_silence_check()
    return {"opened": result.opened, "resolved": result.resolved}


@periodic(every=timedelta(days=1))
@task()
def purge_csv_previews() -> int:
    return csv_uploads_purge()
