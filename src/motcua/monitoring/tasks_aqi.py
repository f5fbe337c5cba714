"""Background jobs of the AQI side: recompute after hours changed, e-mail operators about alerts.

Importing this module registers the recomputation with monitoring/aqi_hooks.py (the app's
ready() imports it): when the data side commits changed hours, a `recompute_aqi` task is queued.
"""

from __future__ import annotations

from datetime import datetime

from django.tasks import task

from motcua.monitoring import aqi_hooks
from motcua.monitoring.aqi_services import alert_notify_operators, aqi_recompute_hours


@task()
def recompute_aqi(*, station_id: int, hours: list[str]) -> dict[str, int]:
    """Recompute the indices and alerts that these changed hours (ISO 8601) of a station feed."""
    done = aqi_recompute_hours(
        station_id=station_id, hours=[datetime.fromisoformat(hour) for hour in hours]
    )
    return {"hourly": done.hourly, "daily": done.daily, "alerts_opened": done.alerts_opened}


@task(queue_name="notifications")
def alert_notify(*, alert_id: int) -> int:
    return alert_notify_operators(alert_id=alert_id)


@aqi_hooks.on_hours_changed
def enqueue_recompute(*, station_id: int, hours: list[datetime]) -> None:
    """Called after the data side's transaction commits (aqi_hooks.hours_changed)."""
    recompute_aqi.enqueue(station_id=station_id, hours=[hour.isoformat() for hour in hours])
