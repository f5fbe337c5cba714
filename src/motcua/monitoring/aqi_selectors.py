"""Reads of the AQI side: valid hourly series as arrays for the recomputation, the public air
quality pages and API (current index per station, hourly and daily ranges, open data), alerts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import BigIntegerField, F, Func, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import InvalidInput
from motcua.monitoring.aqi import POLLUTANTS
from motcua.monitoring.models import (
    Alert,
    DailyAqi,
    HourlyAqi,
    HourlyMeasurement,
    Parameter,
    Station,
)
from motcua.monitoring.selectors import station_list_visible_to

HOUR = 3600
# The newest hourly index older than this is not "current": the station shows no value.
CURRENT_MAX_AGE = timedelta(hours=3)


class EpochSeconds(Func):
    """Seconds since 1970-01-01 UTC of a datetime column, computed by the database, so that
    millions of hours reach numpy as integers instead of Python datetimes."""

    output_field = BigIntegerField()
    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps datetimes as UTC text; julianday avoids strftime's "%s" placeholder.
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400) AS INTEGER)",
            **extra_context,
        )


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def pollutant_parameter_ids() -> dict[int, str]:
    """{parameter id: pollutant} for the six pollutants of the index."""
    return dict(Parameter.objects.filter(code__in=POLLUTANTS).values_list("id", "code"))


def valid_hourly_block(
    *,
    station_ids: list[int],
    start: datetime,
    end: datetime,
    parameter_ids: dict[int, str],
    chunk_size: int = 100_000,
) -> dict[int, dict[str, np.ndarray]]:
    """{station id: {pollutant: float array}}: the valid hourly means of the stations for the
    hours start <= h < end, one element per hour (NaN where there is none). One query, read in
    chunks of plain tuples (a server-side cursor on PostgreSQL) straight into numpy."""
    first = epoch(start)
    hours = (epoch(end) - first) // HOUR
    stations = np.array(sorted(station_ids), dtype=np.int64)
    parameters = np.array(sorted(parameter_ids), dtype=np.int64)
    block = np.full((len(stations), len(parameters), hours), np.nan)
    query = (
        HourlyMeasurement.objects.filter(
            station_id__in=stations.tolist(),
            validity=HourlyMeasurement.Validity.VALID,
            parameter_id__in=parameters.tolist(),
            hour_start__gte=start,
            hour_start__lt=end,
        )
        .annotate(at=EpochSeconds("hour_start"))
        .values_list("station_id", "parameter_id", "at", "value")
        .order_by()
        .query
    )
    for table in _row_chunks(query, chunk_size):
        block[
            np.searchsorted(stations, table["station"]),
            np.searchsorted(parameters, table["parameter"]),
            (table["at"] - first) // HOUR,
        ] = table["value"]
    return {
        int(station_id): {
            parameter_ids[int(parameter_id)]: block[i, j]
            for j, parameter_id in enumerate(parameters)
        }
        for i, station_id in enumerate(stations)
    }


# A row of `COPY ... (FORMAT binary)` with four non-null 8-byte columns: the field count, then
# each field's length and big-endian value.
_BINARY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("station_length", ">i4"),
        ("station", ">i8"),
        ("parameter_length", ">i4"),
        ("parameter", ">i8"),
        ("at_length", ">i4"),
        ("at", ">i8"),
        ("value_length", ">i4"),
        ("value", ">f8"),
    ]
)
_BINARY_HEADER = 19  # signature (11), flags (4), header extension length (4)


def _row_chunks(query, chunk_size: int) -> Iterator[dict[str, np.ndarray]]:
    """The (station, parameter, at, value) columns of a query's rows, chunk by chunk, as numpy
    arrays. PostgreSQL sends them with COPY in binary, read straight into arrays without a
    Python object per value; elsewhere plain tuples are fetched."""
    sql, params = query.sql_with_params()
    if connection.vendor != "postgresql":
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(chunk_size):
                table = np.array(rows, dtype=float)
                yield {
                    "station": table[:, 0],
                    "parameter": table[:, 1],
                    "at": table[:, 2].astype(np.int64),
                    "value": table[:, 3],
                }
        return
    size = _BINARY_ROW.itemsize
    buffer = bytearray()
    header = True
    # Django's psycopg cursor binds parameters on the client: COPY gets literal values.
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)", params) as copy,
    ):
        for part in copy:
            buffer += part
            if header:
                if len(buffer) < _BINARY_HEADER:
                    continue
                del buffer[:_BINARY_HEADER]
                header = False
            if len(buffer) >= chunk_size * size:
                whole = len(buffer) // size * size
                yield _binary_rows(bytes(buffer[:whole]))
                del buffer[:whole]
    # What is left: whole rows, then the 2-byte trailer.
    whole = len(buffer) // size * size
    if whole:
        yield _binary_rows(bytes(buffer[:whole]))


def _binary_rows(data: bytes) -> dict[str, np.ndarray]:
    table = np.frombuffer(data, dtype=_BINARY_ROW)
    if (table["fields"] != 4).any() or (table["value_length"] != 8).any():
        raise ValueError("unexpected COPY row layout")  # a column type changed: not int8/float8
    return {
        "station": table["station"].astype(np.int64),
        "parameter": table["parameter"].astype(np.int64),
        "at": table["at"].astype(np.int64),
        "value": table["value"].astype(float),
    }


# --- Public pages and API ------------------------------------------------------------------


def public_stations() -> QuerySet[Station]:
    """Stations the public sees: every station not retired (maintenance ones show their data)."""
    return Station.objects.exclude(status=Station.Status.RETIRED).order_by("code")


def public_station(*, code: str) -> Station | None:
    return (
        public_stations().select_related("province", "commune", "agency").filter(code=code).first()
    )


@dataclass(frozen=True)
class StationNow:
    station: Station
    current: HourlyAqi | None  # None: no index in the last CURRENT_MAX_AGE


def stations_current(*, now: datetime | None = None) -> list[StationNow]:
    """Every public station with its newest hourly index, if recent: two queries in all."""
    now = now or timezone.now()
    newest = (
        HourlyAqi.objects.filter(station=OuterRef("pk"), aqi__isnull=False)
        .order_by("-hour_start")
        .values("pk")[:1]
    )
    stations = list(
        public_stations().select_related("province").annotate(newest_id=Subquery(newest))
    )
    latest = HourlyAqi.objects.in_bulk([s.newest_id for s in stations if s.newest_id])
    return [
        StationNow(station=station, current=_if_recent(latest.get(station.newest_id), now))
        for station in stations
    ]


def station_current(*, station: Station, now: datetime | None = None) -> HourlyAqi | None:
    newest = (
        HourlyAqi.objects.filter(station=station, aqi__isnull=False).order_by("-hour_start").first()
    )
    return _if_recent(newest, now or timezone.now())


def _if_recent(row: HourlyAqi | None, now: datetime) -> HourlyAqi | None:
    """The row if its hour ended less than CURRENT_MAX_AGE ago."""
    if row is None or row.hour_start + timedelta(hours=1) < now - CURRENT_MAX_AGE:
        return None
    return row


def hourly_aqi_series(
    *, station: Station, start: datetime, end: datetime
) -> list[tuple[datetime, HourlyAqi | None]]:
    """Every hour start <= h < end with its index row, None where there is none."""
    rows = {
        row.hour_start: row
        for row in HourlyAqi.objects.filter(
            station=station, hour_start__gte=start, hour_start__lt=end
        )
    }
    count = int((end - start).total_seconds()) // HOUR
    hours = [start + timedelta(hours=i) for i in range(count)]
    return [(hour, rows.get(hour)) for hour in hours]


def daily_aqi_series(
    *, station: Station, first: date, last: date
) -> list[tuple[date, DailyAqi | None]]:
    """Every day first..last with its index row, None where there is none."""
    rows = {
        row.date: row
        for row in DailyAqi.objects.filter(station=station, date__gte=first, date__lte=last)
    }
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [(day, rows.get(day)) for day in days]


# --- Periods asked for in a query string ---------------------------------------------------

MAX_PERIOD = timedelta(days=366)


def _moment(text: str, *, field: str, day_end: bool) -> datetime:
    """A local date (2026-11-23: its start, or with `day_end` the start of the next day) or an
    ISO 8601 time with its offset."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        return local_midnight(day + timedelta(days=1) if day_end else day)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            _("Thời gian không hợp lệ: dùng dạng 2026-11-23 hoặc 2026-11-23T14:00:00+07:00."),
            field=field,
        ) from None
    if timezone.is_naive(moment):
        raise InvalidInput(
            _("Thời gian phải có múi giờ, ví dụ 2026-11-23T14:00:00+07:00."), field=field
        )
    return moment


def _check_order(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidInput(_("Thời điểm kết thúc phải sau thời điểm bắt đầu."), field="to")
    if end - start > MAX_PERIOD:
        raise InvalidInput(_("Mỗi lần lấy tối đa 1 năm số liệu."), field="to")


def check_hour_period(
    *, start_text: str | None, end_text: str | None, default: timedelta, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """[start, end) in whole UTC hours from `from` and `to` (dates are local days, `to`
    included); missing ones: the last `default` up to the current hour."""
    now = now or timezone.now()
    end = _moment(end_text, field="to", day_end=True) if end_text else None
    start = _moment(start_text, field="from", day_end=False) if start_text else None
    end = end or (start + default if start else hour_ceiling(now))
    start = start or end - default
    start, end = hour_ceiling(start), hour_ceiling(end)
    _check_order(start, end)
    return start, end


def check_day_period(
    *, start_text: str | None, end_text: str | None, default_days: int, today: date | None = None
) -> tuple[date, date]:
    """First and last local day, both included, from `from` and `to` (dates, or times whose
    local day counts); missing ones: the last `default_days` days up to today."""
    today = today or timezone.localdate()
    last = local_date(_moment(end_text, field="to", day_end=False)) if end_text else None
    first = local_date(_moment(start_text, field="from", day_end=False)) if start_text else None
    last = last or (first + timedelta(days=default_days - 1) if first else today)
    first = first or last - timedelta(days=default_days - 1)
    _check_order(local_midnight(first), local_midnight(last + timedelta(days=1)))
    return first, last


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_default_timezone())


def local_date(moment: datetime) -> date:
    return moment.astimezone(timezone.get_default_timezone()).date()


def hour_ceiling(moment: datetime) -> datetime:
    """The start of the hour after `moment`, or `moment` itself when it starts an hour."""
    floor = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


def validated_hourly_rows(
    *, station: Station, start: datetime, end: datetime
) -> Iterator[tuple[datetime, str, str, float]]:
    """Open data: (hour_start, parameter code, unit, value) of the station's valid hourly
    means in the range, by hour then parameter; streamed, never all in memory."""
    return (
        HourlyMeasurement.objects.filter(
            station=station,
            validity=HourlyMeasurement.Validity.VALID,
            hour_start__gte=start,
            hour_start__lt=end,
        )
        .order_by("hour_start", "parameter__sort_order", "parameter__code")
        .values_list("hour_start", "parameter__code", "parameter__unit", "value")
        .iterator(chunk_size=5000)
    )


def public_open_alerts(*, station: Station | None = None) -> QuerySet[Alert]:
    alerts = Alert.objects.filter(ended_at__isnull=True, station__in=public_stations())
    if station is not None:
        alerts = alerts.filter(station=station)
    return alerts.select_related("station", "parameter").order_by("-started_at")


def alerts_visible_to(*, user, open_only: bool = False) -> QuerySet[Alert]:
    """Alerts of the stations an operator looks after (none for anyone else)."""
    alerts = Alert.objects.filter(station__in=station_list_visible_to(user=user))
    if open_only:
        alerts = alerts.filter(ended_at__isnull=True)
    # Open alerts first (no end), then the most recent.
    return alerts.select_related("station", "parameter", "acknowledged_by").order_by(
        F("ended_at").desc(nulls_first=True), "-started_at"
    )
