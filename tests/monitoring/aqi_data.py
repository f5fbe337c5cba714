"""Test data for the AQI side: hourly means written straight to the database (no quality
control, so steady values stay valid), local times, and background tasks run at once."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from motcua.monitoring.models import HourlyMeasurement, Parameter, Source

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 3, 10)


def local_hour(hour: int, day: date = DAY) -> datetime:
    """The start of the hour `hour` (may exceed 23 or be negative) of a local day."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL) + timedelta(hours=hour)


def put(station, code: str, values: dict[datetime, float], *, validity: str = "valid") -> None:
    """Hourly means of one parameter, upserted."""
    parameter = Parameter.objects.get(code=code)
    now = timezone.now()
    HourlyMeasurement.objects.bulk_create(
        [
            HourlyMeasurement(
                station=station,
                parameter=parameter,
                hour_start=hour,
                value=value,
                source=Source.HTTP,
                validity=validity,
                received_at=now,
            )
            for hour, value in values.items()
        ],
        update_conflicts=True,
        unique_fields=["station", "parameter", "hour_start"],
        update_fields=["value", "validity"],
    )


def day_of(value: float, day: date = DAY) -> dict[datetime, float]:
    return {local_hour(h, day): value for h in range(24)}


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run where they are enqueued (the hook's recomputation, the alert e-mail); the
    tests' mail backend keeps what is sent in django.core.mail.outbox."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "notifications", "integrations", "reports"],
        }
    }
