"""Reads of monitoring data: stations visible to an operator, hourly series for the AQI, the
operations overview.

Hourly values for the AQI: `hourly_valid_rows` streams (station_id, parameter_code,
hour_start, value) tuples of `validity=valid` hours in one ordered query, with a server-side
cursor on PostgreSQL, so millions of rows are read without building model objects.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from motcua.accounts.models import Role
from motcua.accounts.selectors import agency_scope_ids, is_staff_user, user_has_role
from motcua.monitoring.models import (
    CsvUpload,
    HourlyMeasurement,
    OperationalAlert,
    Parameter,
    Station,
)

KEY_PREFIX_LENGTH = 8


# --- Station keys ----------------------------------------------------------------------------


def station_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def station_by_key(*, raw: str) -> Station | None:
    """The station whose ingestion key is `raw`, if it is not retired. The prefix finds the
    candidates; the hash is compared in constant time."""
    raw = raw.strip()
    if len(raw) < 20:
        return None
    digest = station_key_hash(raw)
    candidates = Station.objects.filter(key_prefix=raw[:KEY_PREFIX_LENGTH]).exclude(
        status=Station.Status.RETIRED
    )
    for station in candidates:
        if station.key_hash and hmac.compare_digest(station.key_hash, digest):
            return station
    return None


# --- Permission ------------------------------------------------------------------------------


def is_monitoring_operator(user) -> bool:
    return is_staff_user(user) and (
        user.is_superuser or user_has_role(user, Role.MONITORING_OPERATOR)
    )


def station_list_visible_to(*, user) -> QuerySet[Station]:
    """Stations a monitoring operator may look after: those of the agencies in their scope and
    stations not assigned to any agency. Nobody else sees any."""
    if not is_monitoring_operator(user):
        return Station.objects.none()
    stations = Station.objects.select_related("province", "commune", "agency")
    scope = agency_scope_ids(user)
    if scope is None:
        return stations
    return stations.filter(Q(agency_id__in=scope) | Q(agency__isnull=True))


def csv_upload_of(*, user, token: str) -> CsvUpload | None:
    return CsvUpload.objects.filter(token=token, uploaded_by=user).first()


# --- Hourly series ---------------------------------------------------------------------------


def parameter_codes() -> dict[int, str]:
    return dict(Parameter.objects.values_list("id", "code"))


def hourly_valid_rows(
    *,
    start: datetime,
    end: datetime,
    station_ids: Iterable[int] | None = None,
    parameter_codes_wanted: Iterable[str] | None = None,
    chunk_size: int = 20_000,
) -> Iterator[tuple[int, str, datetime, float]]:
    """(station_id, parameter_code, hour_start, value) of every valid hour with
    start <= hour_start < end, ordered by station, parameter and hour."""
    rows = HourlyMeasurement.objects.filter(
        validity=HourlyMeasurement.Validity.VALID, hour_start__gte=start, hour_start__lt=end
    )
    if station_ids is not None:
        rows = rows.filter(station_id__in=list(station_ids))
    if parameter_codes_wanted is not None:
        rows = rows.filter(parameter__code__in=list(parameter_codes_wanted))
    codes = parameter_codes()
    for station_id, parameter_id, hour_start, value in (
        rows.order_by("station_id", "parameter_id", "hour_start")
        .values_list("station_id", "parameter_id", "hour_start", "value")
        .iterator(chunk_size=chunk_size)
    ):
        yield station_id, codes[parameter_id], hour_start, value


@dataclass(frozen=True)
class HourRow:
    hour: datetime
    cells: list[HourlyMeasurement | None]


def hourly_grid(
    *, station: Station, start: datetime, end: datetime
) -> tuple[list[Parameter], list[HourRow]]:
    """A station's hourly values of [start, end), all validities, as rows of hours (newest
    first) and one column per parameter it measures; for the operations view."""
    parameters = list(station.parameters.all())
    column = {parameter.pk: position for position, parameter in enumerate(parameters)}
    rows: dict[datetime, list[HourlyMeasurement | None]] = {}
    hour = utc_hour(end - timedelta(microseconds=1))
    while hour >= start:
        rows[hour] = [None] * len(parameters)
        hour -= timedelta(hours=1)
    for measurement in HourlyMeasurement.objects.filter(
        station=station, hour_start__gte=start, hour_start__lt=end
    ).select_related("parameter", "reviewed_by"):
        cells = rows.get(measurement.hour_start.astimezone(UTC))
        if cells is not None and measurement.parameter_id in column:
            cells[column[measurement.parameter_id]] = measurement
    return parameters, [HourRow(hour=hour, cells=cells) for hour, cells in rows.items()]


# --- Operations overview ---------------------------------------------------------------------


@dataclass(frozen=True)
class StationOverview:
    station: Station
    # {parameter code: [hours received on each of the last days, oldest first]}
    completeness: dict[str, list[int]]
    open_flags: int
    open_alerts: list[OperationalAlert]


def local_day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def operations_overview(
    *, user, days: int = 7, today: date | None = None
) -> tuple[list[date], list[StationOverview]]:
    """For each station the operator sees: hours received per day and parameter over the last
    `days` local days, how many of those hours are flagged, and its open operational alerts.
    A fixed number of queries whatever the number of stations."""
    today = today or timezone.localdate()
    day_list = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    start = local_day_start(day_list[0])
    end = local_day_start(today + timedelta(days=1))
    stations = list(
        station_list_visible_to(user=user).prefetch_related("parameters").order_by("code")
    )
    ids = [station.pk for station in stations]
    current = timezone.get_current_timezone()
    counts = {
        (station_id, parameter_id, day): count
        for station_id, parameter_id, day, count in HourlyMeasurement.objects.filter(
            station_id__in=ids, hour_start__gte=start, hour_start__lt=end
        )
        .annotate(day=TruncDate("hour_start", tzinfo=current))
        .values_list("station_id", "parameter_id", "day")
        .annotate(count=Count("id"))
        .order_by()
    }
    flagged = dict(
        HourlyMeasurement.objects.filter(
            station_id__in=ids,
            validity=HourlyMeasurement.Validity.FLAGGED,
            hour_start__gte=start,
            hour_start__lt=end,
        )
        .values_list("station_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    alerts: dict[int, list[OperationalAlert]] = defaultdict(list)
    for alert in OperationalAlert.objects.filter(station_id__in=ids, resolved_at__isnull=True):
        alerts[alert.station_id].append(alert)
    overview = [
        StationOverview(
            station=station,
            completeness={
                parameter.code: [counts.get((station.pk, parameter.pk, day), 0) for day in day_list]
                for parameter in station.parameters.all()
            },
            open_flags=flagged.get(station.pk, 0),
            open_alerts=alerts[station.pk],
        )
        for station in stations
    ]
    return day_list, overview


def open_alerts_visible_to(*, user) -> QuerySet[OperationalAlert]:
    return (
        OperationalAlert.objects.filter(
            station__in=station_list_visible_to(user=user), resolved_at__isnull=True
        )
        .select_related("station")
        .order_by("-opened_at")
    )


def utc_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
