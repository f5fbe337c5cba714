"""Writes of the AQI side: recompute hourly and daily VN_AQI from the valid hourly means, open and
close alerts on limit values and on the AQI level, acknowledge them, tell operators.

Recomputation is derived data, not a person's change: it is not audited (operators'
invalidations that cause it are, on the data side). Acknowledging an alert is audited.

Which outputs one changed input hour h touches: the hourly indices of h..h+11 (h is in their
NowCast window), and the daily indices of the local days holding h..h+7 (h is in the 8-hour O3
means ending there). Local days are Asia/Ho_Chi_Minh days (TIME_ZONE), which have no daylight
saving: every day is 24 hours.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Role, StaffRole, User
from motcua.core.audit import audit_record, audit_value
from motcua.core.errors import Conflict, InvalidInput, PermissionDenied
from motcua.monitoring import aqi
from motcua.monitoring.aqi_selectors import (
    HOUR,
    epoch,
    from_epoch,
    local_date,
    local_midnight,
    pollutant_parameter_ids,
    valid_hourly_block,
)
from motcua.monitoring.models import (
    Alert,
    AveragingPeriod,
    DailyAqi,
    HourlyAqi,
    HourlyMeasurement,
    Station,
    Threshold,
)
from motcua.monitoring.selectors import is_monitoring_operator, station_list_visible_to
from motcua.notifications.services import Recipient, notify

NOWCAST_REACH = timedelta(hours=aqi.NOWCAST_HOURS - 1)
EIGHT_HOUR_REACH = timedelta(hours=7)
_AQI_FIELDS = ["aqi", "category", "dominant", "sub_indices"]
_CATEGORY_TOPS = np.array([category.high for category in aqi.CATEGORIES[:-1]], dtype=float)
# Operators are e-mailed about alerts that open on recent data only, not about the history a
# first recomputation of old data walks through (those still show on the alerts page).
NOTIFY_WITHIN = timedelta(hours=24)


@dataclass(frozen=True)
class Recomputed:
    hourly: int
    daily: int
    alerts_opened: int = 0


def hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# --- Recomputation -----------------------------------------------------------------------------


def aqi_recompute_hours(
    *, station_id: int, hours: list[datetime], now: datetime | None = None
) -> Recomputed:
    """Recompute what the changed hours of a station touch, and evaluate its alerts."""
    if not hours:
        return Recomputed(0, 0)
    return aqi_recompute(
        station_id=station_id,
        start=min(hours),
        end=max(hours) + timedelta(hours=1),
        now=now,
    )


@dataclass(frozen=True)
class _Span:
    """What valid input hours start <= h < end feed: the hourly indices of start..end+10h
    and the local days first_day..last_day, and the hours to read for them."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date

    @classmethod
    def of(cls, start: datetime, end: datetime, now: datetime) -> _Span:
        start = hour_floor(start)
        end = hour_floor(end - timedelta(microseconds=1)) + timedelta(hours=1)
        last_day = min(local_date(end - timedelta(hours=1) + EIGHT_HOUR_REACH), local_date(now))
        return cls(start, end, local_date(start), last_day)

    @property
    def days_start(self) -> datetime:
        return local_midnight(self.first_day) - EIGHT_HOUR_REACH

    @property
    def read_start(self) -> datetime:
        return min(self.start - NOWCAST_REACH, self.days_start)

    @property
    def read_end(self) -> datetime:
        return max(self.end + NOWCAST_REACH, local_midnight(self.last_day + timedelta(days=1)))


def aqi_recompute(
    *,
    station_id: int,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    evaluate_alerts: bool = True,
) -> Recomputed:
    """Rewrite the hourly and daily indices that the station's valid input hours
    start <= h < end feed, and walk its alerts over them.

    One query reads the valid means (with the 11 hours before for NowCast and the 7 hours
    before the first day for the 8-hour O3 means), numpy computes every hour and day at once,
    and bulk upserts write them; rows left with no value at all are deleted."""
    now = now or timezone.now()
    span = _Span.of(start, end, now)
    parameter_ids = pollutant_parameter_ids()
    with transaction.atomic():
        # One recomputation per station at a time: overlapping ones would interleave writes.
        Station.objects.select_for_update().filter(pk=station_id).first()
        block = valid_hourly_block(
            station_ids=[station_id],
            start=span.read_start,
            end=span.read_end,
            parameter_ids=parameter_ids,
        )
        return _recompute_series(
            station_id=station_id,
            series=block[station_id],
            series_start=span.read_start,
            span=span,
            now=now,
            evaluate_alerts=evaluate_alerts,
        )


def aqi_recompute_stations(
    *,
    station_ids: list[int] | None = None,
    now: datetime | None = None,
    evaluate_alerts: bool = True,
    group_size: int = 100,
) -> Recomputed:
    """Recompute every index of these stations (default: all) from all their measurements:
    demo data, a changed formula, a restored backup. Stations go by groups, each read in one
    pass over the measurements: a station's year lies scattered across the whole table (rows
    arrive hour by hour from every station), so one read per station would visit every page
    of the table once per station."""
    now = now or timezone.now()
    if station_ids is None:
        station_ids = list(Station.objects.order_by("pk").values_list("pk", flat=True))
    parameter_ids = pollutant_parameter_ids()
    total = Recomputed(0, 0)
    for first in range(0, len(station_ids), group_size):
        group = sorted(station_ids[first : first + group_size])
        with transaction.atomic():
            list(Station.objects.select_for_update().filter(pk__in=group).order_by("pk"))
            # Everything is rewritten: what no valid hour supports any more goes.
            HourlyAqi.objects.filter(station_id__in=group).delete()
            DailyAqi.objects.filter(station_id__in=group).delete()
            bounds = HourlyMeasurement.objects.filter(station_id__in=group).aggregate(
                first=Min("hour_start"), last=Max("hour_start")
            )
            if bounds["first"] is None:
                continue
            outer = _Span.of(bounds["first"], bounds["last"] + timedelta(hours=1), now)
            block = valid_hourly_block(
                station_ids=group,
                start=outer.read_start,
                end=outer.read_end,
                parameter_ids=parameter_ids,
            )
            for station_id in group:
                series = block[station_id]
                hours = _measured_hours(series)
                if hours is None:
                    continue
                span = _Span.of(
                    outer.read_start + timedelta(hours=hours[0]),
                    outer.read_start + timedelta(hours=hours[1] + 1),
                    now,
                )
                done = _recompute_series(
                    station_id=station_id,
                    series=series,
                    series_start=outer.read_start,
                    span=span,
                    now=now,
                    evaluate_alerts=evaluate_alerts,
                )
                total = Recomputed(
                    total.hourly + done.hourly,
                    total.daily + done.daily,
                    total.alerts_opened + done.alerts_opened,
                )
    return total


def _measured_hours(series: dict[str, np.ndarray]) -> tuple[int, int] | None:
    """Positions of the first and last hour with any valid value, or None."""
    present = np.zeros(len(next(iter(series.values()))), dtype=bool)
    for values in series.values():
        present |= ~np.isnan(values)
    where = np.flatnonzero(present)
    return (int(where[0]), int(where[-1])) if len(where) else None


def _recompute_series(
    *,
    station_id: int,
    series: dict[str, np.ndarray],
    series_start: datetime,
    span: _Span,
    now: datetime,
    evaluate_alerts: bool,
) -> Recomputed:
    """Compute and store what `span` covers from hourly series that start at `series_start`
    and reach at least to span.read_end. Past hours always get their NowCast; an hour that
    has not ended yet only when it has data of its own."""
    open_hour = hour_floor(now)
    measured = _measured_hours(series)
    if measured is not None:
        open_hour = max(open_hour, series_start + timedelta(hours=measured[1] + 1))
    hourly_end = min(span.end + NOWCAST_REACH, open_hour)
    offset = _hours_between(series_start, span.start)
    count = max(_hours_between(span.start, hourly_end), 0)
    hourly_arrays = aqi.hourly_aqi_arrays(series)
    hourly = _hourly_rows(station_id, epoch(span.start), hourly_arrays, offset, count)
    days = (span.last_day - span.first_day).days + 1
    daily = 0
    if days > 0:
        lead = _hours_between(series_start, span.days_start)
        window = {p: values[lead : lead + 7 + 24 * days] for p, values in series.items()}
        daily_arrays = aqi.daily_aqi_arrays(window, lead_hours=7)
        daily = _daily_rows(station_id, span.first_day, daily_arrays)
    opened = 0
    if evaluate_alerts:
        opened = _alerts_evaluate(
            station_id=station_id,
            series=series,
            series_start=series_start,
            hourly_aqi=hourly_arrays.aqi,
            hours=(span.start, hourly_end),
            days=(span.first_day, span.last_day),
            now=now,
        )
    return Recomputed(hourly=hourly, daily=daily, alerts_opened=opened)


def _hours_between(first: datetime, second: datetime) -> int:
    return int((second - first).total_seconds()) // HOUR


def _categories(values: np.ndarray) -> np.ndarray:
    return np.searchsorted(_CATEGORY_TOPS, values, side="left") + 1


def _nullable(values: np.ndarray) -> list[int | None]:
    whole = np.where(np.isnan(values), -1, values).astype(np.int64).tolist()
    return [value if value >= 0 else None for value in whole]


def _table(arrays: aqi.AqiArrays, offset: int, count: int) -> tuple[np.ndarray, list[list]]:
    """For `count` periods from `offset`: which know anything at all, and for those the
    columns aqi, category, dominant and the sub-index of each of aqi.POLLUTANTS (None where
    there is none), as aqi_rows_upsert takes them."""
    window = slice(offset, offset + count)
    missing = np.full(count, np.nan)
    subs = np.vstack(
        [
            arrays.sub_indices[p][window] if p in arrays.sub_indices else missing
            for p in aqi.POLLUTANTS
        ]
    )
    present = ~np.isnan(subs).all(axis=0)
    index = arrays.aqi[window][present]
    categories = np.where(np.isnan(index), np.nan, _categories(np.nan_to_num(index)))
    dominants = np.array([*aqi.POLLUTANTS, ""], dtype=object)[arrays.dominant[window][present]]
    columns = [
        _nullable(index),
        _nullable(categories),
        dominants.tolist(),
        *(_nullable(row) for row in subs[:, present]),
    ]
    return present, columns


def db_datetimes(epochs: np.ndarray) -> list[str]:
    """UTC datetimes (epoch seconds) as literals both SQLite (as Django stores them) and
    PostgreSQL (timestamptz) take."""
    text = np.datetime_as_string(np.asarray(epochs, dtype="datetime64[s]"), unit="s")
    if connection.vendor == "sqlite":
        return np.char.replace(text, "T", " ").tolist()
    return [f"{value}+00:00" for value in text.tolist()]


def aqi_rows_upsert(*, model: type[HourlyAqi] | type[DailyAqi], rows: list[tuple]) -> None:
    """Insert or update rows (station_id, hour_start or date as text, aqi, category, dominant,
    then the sub-index of each of aqi.POLLUTANTS or None); the database builds the
    sub_indices JSON. bulk_create would build a model object per row, which costs more than
    all the rest of a recomputation: SQLite takes one INSERT ... ON CONFLICT run for every row,
    PostgreSQL a COPY into a temporary table and one INSERT ... SELECT ... ON CONFLICT."""
    if not rows:
        return
    key = "hour_start" if model is HourlyAqi else "date"
    quote = connection.ops.quote_name
    # Names come from the model and aqi.POLLUTANTS; values travel as parameters or COPY data.
    table = quote(model._meta.db_table)
    columns = ", ".join(map(quote, ["station_id", key, *_AQI_FIELDS]))
    update = ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in _AQI_FIELDS)
    on_conflict = f" ON CONFLICT ({quote('station_id')}, {quote(key)}) DO UPDATE SET {update}"
    subs = [f"s{i}" for i in range(len(aqi.POLLUTANTS))]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            staging = f"aqi_rows_{key}"
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (station_id bigint, "
                f"{quote(key)} {'timestamptz' if key == 'hour_start' else 'date'}, "
                "aqi smallint, category smallint, dominant varchar(8), "
                + ", ".join(f"{sub} smallint" for sub in subs)
                + ")"
            )
            cursor.execute(f"TRUNCATE {staging}")
            with cursor.cursor.copy(f"COPY {staging} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            pairs = ", ".join(f"'{p}', {sub}" for p, sub in zip(aqi.POLLUTANTS, subs, strict=True))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT station_id, {quote(key)}, aqi, "  # noqa: S608
                f"category, dominant, jsonb_strip_nulls(jsonb_build_object({pairs})) "
                f"FROM {staging}" + on_conflict
            )
            return
        # One statement for every row (executemany): SQLite runs it without re-parsing, and
        # json_patch drops the keys whose value is null.
        pairs = ", ".join(f"'{p}', %s" for p in aqi.POLLUTANTS)
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, "  # noqa: S608
            f"json_patch('{{}}', json_object({pairs})))" + on_conflict,
            rows,
        )


def _store(model, station_id: int, texts: list[str], present: np.ndarray, columns, key_of) -> int:
    """Upsert the periods that know something; delete the rows of those that no longer do.
    `texts` are the periods' keys for aqi_rows_upsert, `key_of(i)` period i's key as a Python
    value (a UTC datetime or a date) for the deletion."""
    known = present.tolist()
    rows = zip(
        itertools.repeat(station_id),
        itertools.compress(texts, known),
        *columns,
        strict=False,
    )
    aqi_rows_upsert(model=model, rows=list(rows))
    empty = [key_of(i) for i, is_known in enumerate(known) if not is_known]
    field = "hour_start" if model is HourlyAqi else "date"
    for first in range(0, len(empty), 500):
        model.objects.filter(
            station_id=station_id, **{f"{field}__in": empty[first : first + 500]}
        ).delete()
    return sum(known)


def _hourly_rows(station_id, first_epoch, arrays, offset, count) -> int:
    texts = db_datetimes(first_epoch + HOUR * np.arange(count, dtype=np.int64))
    return _store(
        HourlyAqi,
        station_id,
        texts,
        *_table(arrays, offset, count),
        key_of=lambda i: from_epoch(first_epoch + i * HOUR),
    )


def _daily_rows(station_id, first_day, arrays) -> int:
    days = [first_day + timedelta(days=i) for i in range(len(arrays.aqi))]
    return _store(
        DailyAqi,
        station_id,
        [day.isoformat() for day in days],
        *_table(arrays, 0, len(days)),
        key_of=days.__getitem__,
    )


# --- Alerts --------------------------------------------------------------------------------


def alert_level() -> int:
    """An hourly VN_AQI above this opens an AQI-level alert (setting AQI_ALERT_LEVEL)."""
    return settings.AQI_ALERT_LEVEL


@dataclass(frozen=True)
class _Check:
    kind: str
    parameter_id: int | None
    period: str
    limit: float
    times: list[datetime]
    values: np.ndarray


def _checks(*, series, series_start, hourly_aqi, hours, days) -> list[_Check]:
    """Every series to compare with a limit over the recomputed range."""
    hour_offset = _hours_between(series_start, hours[0])
    hour_count = max(_hours_between(*hours), 0)
    hour_times = [hours[0] + timedelta(hours=i) for i in range(hour_count)]
    window = slice(hour_offset, hour_offset + hour_count)
    checks = [
        _Check(
            Alert.Kind.AQI_LEVEL,
            None,
            AveragingPeriod.HOUR,
            float(alert_level()),
            hour_times,
            hourly_aqi[window],
        )
    ]
    day_list = [days[0] + timedelta(days=i) for i in range(max((days[1] - days[0]).days + 1, 0))]
    thresholds = Threshold.objects.filter(
        is_active=True, parameter__code__in=aqi.POLLUTANTS
    ).select_related("parameter")
    for threshold in thresholds:
        values = series.get(threshold.parameter.code)
        if values is None:
            continue
        if threshold.averaging_period == AveragingPeriod.HOUR:
            times, checked = hour_times, values[window]
        elif threshold.averaging_period == AveragingPeriod.EIGHT_HOURS:
            means = aqi.rolling_mean(values, 8, aqi.EIGHT_HOUR_MIN_HOURS)
            times, checked = hour_times, means[window]
        else:
            times = [local_midnight(day) for day in day_list]
            checked = np.array([_day_mean(values, series_start, day) for day in day_list])
        checks.append(
            _Check(
                Alert.Kind.EXCEEDANCE,
                threshold.parameter_id,
                threshold.averaging_period,
                threshold.limit_value,
                times,
                checked,
            )
        )
    return checks


def _day_mean(values: np.ndarray, series_start: datetime, day: date) -> float:
    offset = _hours_between(series_start, local_midnight(day))
    hours = values[offset : offset + 24]
    present = hours[~np.isnan(hours)]
    return float(present.mean()) if len(present) >= aqi.DAILY_MIN_HOURS else np.nan


def _alerts_evaluate(*, station_id, series, series_start, hourly_aqi, hours, days, now) -> int:
    """Walk each check forward from its last recorded change: open an alert at the first time
    above the limit, raise its value while it stays above, close it at the first time back
    under. Times up to an alert's start or end are not walked again, so recomputing the same
    hours twice changes nothing, and late data do not rewrite the alert history."""
    opened = 0
    checks = _checks(
        series=series, series_start=series_start, hourly_aqi=hourly_aqi, hours=hours, days=days
    )
    latest: dict[tuple, Alert] = {}
    for alert in Alert.objects.filter(station_id=station_id).order_by("started_at"):
        latest[alert.kind, alert.parameter_id, alert.period] = alert
    for check in checks:
        alert = latest.get((check.kind, check.parameter_id, check.period))
        seen_until = None
        if alert is not None:
            seen_until = alert.ended_at or alert.started_at
        for moment, value in zip(check.times, check.values.tolist(), strict=True):
            if value != value or (seen_until is not None and moment <= seen_until):  # NaN
                continue
            is_open = alert is not None and alert.ended_at is None
            if value > check.limit and not is_open:
                alert = Alert.objects.create(
                    station_id=station_id,
                    kind=check.kind,
                    parameter_id=check.parameter_id,
                    period=check.period,
                    value=value,
                    limit=check.limit,
                    started_at=moment,
                )
                opened += 1
                if moment >= now - NOTIFY_WITHIN:
                    transaction.on_commit(lambda pk=alert.pk: _enqueue_notification(pk))
            elif value > check.limit and value > alert.value:
                alert.value = value
                alert.save(update_fields=["value"])
            elif value <= check.limit and is_open:
                alert.ended_at = moment
                alert.save(update_fields=["ended_at"])
    return opened


def _enqueue_notification(alert_id: int) -> None:
    from motcua.monitoring.tasks_aqi import alert_notify

    alert_notify.enqueue(alert_id=alert_id)


def alert_operators(*, alert: Alert) -> list[User]:
    """Active monitoring operators who look after the alert's station."""
    candidates = User.objects.filter(
        is_active=True,
        pk__in=StaffRole.objects.filter(role=Role.MONITORING_OPERATOR, unit__is_active=True).values(
            "user_id"
        ),
    )
    return [
        user
        for user in candidates
        if station_list_visible_to(user=user).filter(pk=alert.station_id).exists()
    ]


def alert_notify_operators(*, alert_id: int) -> int:
    """Tell the station's operators about an alert that opened, by e-mail and in the app,
    through the notifications outbox (event "monitoring_alert"); returns how many were told."""
    alert = Alert.objects.select_related("station", "parameter").filter(pk=alert_id).first()
    if alert is None:
        return 0
    operators = alert_operators(alert=alert)
    data = {
        "kind": alert.kind,
        "station_code": alert.station.code,
        "station_name": alert.station.name,
        "parameter": alert.parameter.code if alert.parameter else "",
        "period": alert.period,
        "value": f"{alert.value:g}",
        "limit": f"{alert.limit:g}",
        "started_at": alert.started_at,
        "url": f"{settings.SITE_URL}/quan-trac/canh-bao/",
    }
    with transaction.atomic():
        for user in operators:
            notify(
                event="monitoring_alert",
                recipient=Recipient(
                    name=user.full_name,
                    email=user.email,
                    user_id=user.pk,
                    language=user.preferred_language,
                ),
                data=data,
                channels=["email", "in_app"],
            )
    return len(operators)


def threshold_save(*, actor: User, threshold: Threshold, changed_fields: list[str]) -> Threshold:
    """Save a limit value edited by an administrator (audited): the next recomputations compare
    with it; alerts already open or closed stay as they were."""
    if threshold.limit_value is None or threshold.limit_value <= 0:
        raise InvalidInput(_("Giá trị giới hạn phải lớn hơn 0."), field="limit_value")
    created = threshold.pk is None
    with transaction.atomic():
        threshold.save()
        audit_record(
            actor=actor,
            action="threshold.create" if created else "threshold.update",
            obj=threshold,
            changes={
                name: audit_value(getattr(threshold, name))
                for name in (changed_fields or ["limit_value"])
            },
        )
    return threshold


def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    """An operator confirms they have seen the alert (audited). Acknowledging twice is refused."""
    if not is_monitoring_operator(actor) or not (
        station_list_visible_to(user=actor).filter(pk=alert.station_id).exists()
    ):
        raise PermissionDenied(_("Bạn không quản lý trạm quan trắc này."), field="alert")
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.acknowledged_at is not None:
            raise Conflict(_("Cảnh báo này đã được xác nhận."), field="alert")
        locked.acknowledged_by = actor
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit_record(
            actor=actor, action="alert.acknowledge", obj=locked, changes={"acknowledged": True}
        )
    return locked
