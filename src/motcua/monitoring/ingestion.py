"""Measurement ingestion shared by HTTP, CSV and MQTT: check each reading, store the good ones
in bulk (upsert), average raw readings into hourly means, then run quality control.

One batch costs a fixed handful of queries whatever its size (no query per reading), and
re-sending the same readings changes nothing: every write is an upsert on
(station, parameter, time). Reading times are stored in UTC; a raw reading at 14:05 belongs to
the hour starting 14:00.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Avg, Case, Count, F, Q, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import InvalidInput
from motcua.monitoring import aqi_hooks, quality
from motcua.monitoring.models import (
    HourlyMeasurement,
    Parameter,
    RawReading,
    Source,
    Station,
)

HOUR = timedelta(hours=1)
PERIOD_HOUR = "1h"
PERIOD_RAW = "raw"


@dataclass(frozen=True, slots=True)
class Reading:
    """One checked reading, ready to store. `time` is aware, in UTC."""

    parameter_id: int
    time: datetime
    value: float
    hourly: bool


@dataclass(frozen=True, slots=True)
class Rejection:
    index: int
    parameter: str | None
    time: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "parameter": self.parameter,
            "time": self.time,
            "reason": self.reason,
        }


@dataclass
class CheckedBatch:
    readings: list[Reading] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    # Position in the sent list of each accepted reading (CSV maps it back to a line).
    indexes: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class IngestResult:
    stored: int
    rejected: list[Rejection]

    def as_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "rejected": [r.as_dict() for r in self.rejected]}


# Spellings of a unit that mean the same thing: "ug/m3" is how ASCII-only loggers write µg/m³.
_UNIT_ALIASES = {
    "µg/m³": "µg/m³",
    "μg/m³": "µg/m³",
    "ug/m3": "µg/m³",
    "ug/m³": "µg/m³",
    "µg/m3": "µg/m³",
    "μg/m3": "µg/m³",
    "°c": "°C",
    "oc": "°C",
    "degc": "°C",
    "c": "°C",
    "%": "%",
    "%rh": "%",
}


def unit_normalise(unit: str) -> str:
    text = unit.strip().replace(" ", "")
    return _UNIT_ALIASES.get(text.lower(), _UNIT_ALIASES.get(text, text))


def station_parameters(station: Station) -> dict[str, Parameter]:
    """The parameters a station measures, by code (one query)."""
    return {parameter.code: parameter for parameter in station.parameters.all()}


def readings_check(
    *,
    station: Station,
    items: Sequence[Any],
    now: datetime | None = None,
    parameters: dict[str, Parameter] | None = None,
    duplicate_reason: Callable[[int], str] | None = None,
) -> CheckedBatch:
    """Check every item of a batch on its own: a bad one is rejected with its reason, the others
    are kept. Plain Python on purpose: this runs for every reading at tens of thousands a second.
    `duplicate_reason(index of the first)` words the refusal of a repeated reading."""
    now = now or timezone.now()
    window = (
        now - timedelta(days=settings.MONITORING_MAX_AGE_DAYS),
        now + timedelta(minutes=settings.MONITORING_MAX_FUTURE_MINUTES),
    )
    measured = parameters if parameters is not None else station_parameters(station)
    known_codes: set[str] | None = None
    batch = CheckedBatch()
    seen: dict[tuple[int, datetime, bool], int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            batch.rejected.append(
                Rejection(index, None, None, _("Mục số liệu phải là một đối tượng JSON."))
            )
            continue
        code = item.get("parameter")
        parameter = measured.get(code) if isinstance(code, str) else None
        if parameter is None:
            if known_codes is None:
                known_codes = set(Parameter.objects.values_list("code", flat=True))
            outcome = _parameter_reason(code, station=station, known_codes=known_codes)
        else:
            outcome = _reading_or_reason(item, parameter, window)
        if type(outcome) is Reading:
            key = (outcome.parameter_id, outcome.time, outcome.hourly)
            first = seen.get(key)
            if first is None:
                seen[key] = index
                batch.readings.append(outcome)
                batch.indexes.append(index)
                continue
            outcome = (duplicate_reason or _duplicate_in_batch)(first)
        time_text = item.get("time")
        batch.rejected.append(
            Rejection(
                index,
                code if isinstance(code, str) else None,
                time_text if isinstance(time_text, str) else None,
                outcome,
            )
        )
    return batch


def _duplicate_in_batch(first: int) -> str:
    return _("Trùng với mục số %(index)s trong cùng lô.") % {"index": first}


def _parameter_reason(code: Any, *, station: Station, known_codes: set[str]) -> str:
    if not isinstance(code, str) or not code.strip():
        return _("Thiếu mã thông số (parameter).")
    if code in known_codes:
        return _("Trạm %(station)s không đo thông số %(code)s.") % {
            "station": station.code,
            "code": code,
        }
    return _("Thông số không xác định: %(code)s.") % {"code": code}


def _reading_or_reason(
    item: dict[str, Any], parameter: Parameter, window: tuple[datetime, datetime]
) -> Reading | str:
    """The reading, or why it is refused (in Vietnamese)."""
    unit = item.get("unit")
    if unit is not None and (not isinstance(unit, str) or unit_normalise(unit) != parameter.unit):
        return _("Sai đơn vị: %(code)s phải tính bằng %(unit)s.") % {
            "code": parameter.code,
            "unit": parameter.unit,
        }
    period = item.get("period")
    if period != PERIOD_HOUR and period != PERIOD_RAW:
        return _('Chu kỳ (period) phải là "1h" (trung bình giờ) hoặc "raw" (số liệu thô).')
    time_text = item.get("time")
    if not isinstance(time_text, str):
        return _("Thiếu thời điểm (time) theo ISO 8601 có múi giờ.")
    try:
        moment = datetime.fromisoformat(time_text)
    except ValueError:
        return _("Thời điểm không đúng định dạng ISO 8601: %(time)s.") % {"time": time_text}
    if moment.tzinfo is None or moment.utcoffset() is None:
        return _("Thời điểm thiếu múi giờ: ghi rõ, ví dụ 2026-11-23T14:00:00+07:00.")
    moment = moment.astimezone(UTC)
    if moment > window[1]:
        return _("Thời điểm ở tương lai (quá %(minutes)s phút so với giờ máy chủ).") % {
            "minutes": settings.MONITORING_MAX_FUTURE_MINUTES
        }
    if moment < window[0]:
        return _("Thời điểm quá cũ (trước %(days)s ngày).") % {
            "days": settings.MONITORING_MAX_AGE_DAYS
        }
    hourly = period == PERIOD_HOUR
    if hourly and (moment.minute or moment.second or moment.microsecond):
        return _('Trung bình giờ (period "1h") phải bắt đầu đúng đầu giờ.')
    value = item.get("value")
    value_type = type(value)
    if value_type is not float and value_type is not int:
        return _("Giá trị không phải là số.")
    value = float(value)
    if not math.isfinite(value):
        return _("Giá trị không phải là số hữu hạn (NaN hoặc vô cực).")
    return Reading(parameter.id, moment, value, hourly)


def readings_store(
    *, station: Station, readings: Sequence[Reading], source: str, now: datetime | None = None
) -> int:
    """Store checked readings (upsert), average raw ones into hours, flag the hours by quality
    control, and tell the AQI side which hours changed. Returns the number of readings stored."""
    if not readings:
        return 0
    now = now or timezone.now()
    direct = {(r.parameter_id, r.time): r.value for r in readings if r.hourly}
    raw = [r for r in readings if not r.hourly]
    with transaction.atomic():
        # Updating the station's row first takes its lock: batches of one station are stored
        # one after the other, so quality control always sees the neighbouring hours. "Last
        # seen" is when data last arrived (silence means no data arrives), not the data's time.
        Station.objects.filter(pk=station.pk).update(
            last_seen_at=Case(
                When(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now), then=Value(now)),
                default=F("last_seen_at"),
            )
        )
        means = _raw_store(station=station, readings=raw, source=source, now=now) if raw else {}
        changed = _hourly_store(
            station_id=station.pk, direct=direct, means=means, source=source, now=now
        )
        aqi_hooks.hours_changed(station_id=station.pk, hours=changed)
    return len(readings)


def _raw_store(
    *, station: Station, readings: Sequence[Reading], source: str, now: datetime
) -> dict[tuple[int, datetime], tuple[float, int]]:
    """Upsert raw readings; return {(parameter_id, hour): (mean, count)} of the hours they fall
    in that now hold at least MONITORING_HOUR_COMPLETENESS of their expected readings."""
    bulk_upsert(
        RawReading,
        columns=["station_id", "parameter_id", "time", "value", "source", "received_at"],
        unique=["station_id", "parameter_id", "time"],
        rows=[(station.pk, r.parameter_id, r.time, r.value, source, now) for r in readings],
    )
    wanted = {(r.parameter_id, hour_floor(r.time)) for r in readings}
    needed = math.ceil(station.expected_readings_per_hour * settings.MONITORING_HOUR_COMPLETENESS)
    rows = (
        RawReading.objects.filter(
            station_id=station.pk,
            parameter_id__in={parameter_id for parameter_id, _ in wanted},
            time__gte=min(hour for _, hour in wanted),
            time__lt=max(hour for _, hour in wanted) + HOUR,
        )
        .annotate(hour=TruncHour("time", tzinfo=UTC))
        .values_list("parameter_id", "hour")
        .annotate(mean=Avg("value"), count=Count("id"))
        .order_by()
    )
    means = {}
    for parameter_id, hour, mean, count in rows:
        key = (parameter_id, _as_utc(hour))
        if key in wanted and count >= needed:
            means[key] = (mean, min(count, 32767))
    return means


HOURLY_COLUMNS = [
    "station_id",
    "parameter_id",
    "hour_start",
    "value",
    "sample_count",
    "source",
    "received_at",
    "flags",
    "validity",
]


def _hourly_store(
    *,
    station_id: int,
    direct: dict[tuple[int, datetime], float],
    means: dict[tuple[int, datetime], tuple[float, int]],
    source: str,
    now: datetime,
) -> set[datetime]:
    """Write new hourly values with their quality flags, and re-flag the neighbouring hours
    whose flags depend on them (stuck runs, spikes), in one read and one upsert. An hourly mean
    the station sent itself ("1h") is never replaced by one averaged from raw readings; an
    operator's decision (reviewed hours) keeps its validity. Returns the hours that changed."""
    keys = direct.keys() | means.keys()
    if not keys:
        return set()
    stuck_hours = settings.MONITORING_STUCK_HOURS
    # A new value changes the stuck runs up to `stuck_hours` away and the next hour's spike;
    # judging those needs as much context again on each side.
    reach = stuck_hours * HOUR
    hours_by_parameter: dict[int, list[datetime]] = defaultdict(list)
    for parameter_id, hour in keys:
        hours_by_parameter[parameter_id].append(hour)
    first = min(hour for _, hour in keys)
    last = max(hour for _, hour in keys)
    # parameter_id -> {hour: [value, sample_count, source, received_at, flags, validity, reviewed]}
    series: dict[int, dict[datetime, list[Any]]] = defaultdict(dict)
    for parameter_id, hour, *row in HourlyMeasurement.objects.filter(
        station_id=station_id,
        parameter_id__in=hours_by_parameter,
        hour_start__gte=first - 2 * reach,
        hour_start__lte=last + 2 * reach,
    ).values_list(
        "parameter_id",
        "hour_start",
        "value",
        "sample_count",
        "source",
        "received_at",
        "flags",
        "validity",
        "reviewed_by_id",
    ):
        row[6] = row[6] is not None
        series[parameter_id][_as_utc(hour)] = row

    write: set[tuple[int, datetime]] = set()
    incoming = [(key, value, None, source) for key, value in direct.items()]
    incoming += [
        (key, mean, count, Source.AGGREGATED)
        for key, (mean, count) in means.items()
        if key not in direct
    ]
    for (parameter_id, hour), value, count, row_source in incoming:
        existing = series[parameter_id].get(hour)
        if existing is None:
            series[parameter_id][hour] = [value, count, row_source, now, [], "", False]
            write.add((parameter_id, hour))
        elif row_source == Source.AGGREGATED and existing[2] != Source.AGGREGATED:
            continue
        elif existing[0] != value or existing[1] != count:
            existing[:4] = [value, count, row_source, now]
            write.add((parameter_id, hour))

    rules = {p.pk: quality.Rule.of(p) for p in Parameter.objects.filter(pk__in=hours_by_parameter)}
    for parameter_id, hours in hours_by_parameter.items():
        low, high = min(hours) - reach, max(hours) + reach
        ordered = sorted(series[parameter_id].items())
        computed = quality.hour_flags(
            [(hour, row[0]) for hour, row in ordered],
            rule=rules[parameter_id],
            stuck_hours=stuck_hours,
        )
        for (hour, row), flags in zip(ordered, computed, strict=True):
            if not low <= hour <= high:
                continue  # too near the edge of what was read to be judged here
            validity = row[5] if row[6] else quality.validity_for(flags)
            if flags != row[4] or validity != row[5]:
                row[4], row[5] = flags, validity
                write.add((parameter_id, hour))
    bulk_upsert(
        HourlyMeasurement,
        columns=HOURLY_COLUMNS,
        unique=["station_id", "parameter_id", "hour_start"],
        rows=[
            (station_id, parameter_id, hour, *series[parameter_id][hour][:6])
            for parameter_id, hour in write
        ],
    )
    return {hour for _, hour in write}


def bulk_upsert(
    model: type[models.Model], *, columns: list[str], unique: list[str], rows: list[tuple]
) -> None:
    """Insert `rows` (tuples in the order of `columns`, attribute names), updating the rows that
    already exist on `unique`; other columns of a new row get their model default. On
    PostgreSQL one INSERT ... SELECT FROM unnest(arrays) ON CONFLICT statement, several times
    faster than bulk_create for thousands of rows as each column travels as one array;
    elsewhere bulk_create(update_conflicts=True)."""
    if not rows:
        return
    opts = model._meta
    fields = [opts.get_field(column) for column in columns]
    updated = [column for column in columns if column not in unique]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows],
            update_conflicts=True,
            unique_fields=unique,
            update_fields=updated,
        )
        return
    # Model defaults are not database defaults: new rows get them as constants.
    defaults = [
        model_field
        for model_field in opts.concrete_fields
        if model_field.attname not in columns
        and not model_field.primary_key
        and (model_field.has_default() or not model_field.null)
    ]
    quote = connection.ops.quote_name
    inserted, select, from_arrays, unnested = [], [], [], []
    constants: list[Any] = []
    arrays: list[str] = []
    for model_field, values in zip(fields, zip(*rows, strict=True), strict=True):
        name = quote(model_field.column)
        inserted.append(name)
        json_field = isinstance(model_field, models.JSONField)
        db_type = "jsonb" if json_field else model_field.db_type(connection)
        first = values[0]
        if all(value == first for value in values):
            # A value shared by every row (the station, the time received...) travels once.
            select.append(f"%s::{db_type}")
            constants.append(_json_text(first) if json_field else first)
            continue
        unnested.append(name)
        select.append(f"incoming.{name}::jsonb" if json_field else f"incoming.{name}")
        from_arrays.append(f"%s::{'text' if json_field else db_type}[]")
        arrays.append(_pg_array_literal([_json_text(v) for v in values] if json_field else values))
    for model_field in defaults:
        inserted.append(quote(model_field.column))
        select.append(f"%s::{model_field.db_type(connection)}")
        constants.append(model_field.get_db_prep_save(model_field.get_default(), connection))
    source = (
        f" FROM unnest({', '.join(from_arrays)}) AS incoming ({', '.join(unnested)})"
        if unnested
        else ""  # a single row: the SELECT of its constants
    )
    conflict = ", ".join(quote(opts.get_field(column).column) for column in unique)
    assignments = ", ".join(
        f"{quote(opts.get_field(c).column)} = EXCLUDED.{quote(opts.get_field(c).column)}"
        for c in updated
    )
    # Only identifiers and types from the model's metadata are formatted in; values are params.
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(inserted)}) "
        f"SELECT {', '.join(select)}{source} "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments}"
    )
    with connection.cursor() as cursor:
        # The constants' placeholders come first in the statement (in the SELECT list).
        cursor.execute(sql, [*constants, *arrays])


def _pg_array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal ('{1,2,NULL}'): built with str.join, it is several times
    faster than letting the driver adapt a thousand Python values one by one. Numbers and
    timestamps need no quoting; text is quoted and escaped."""
    first = next((value for value in values if value is not None), None)
    if isinstance(first, datetime):
        items = ["NULL" if value is None else value.isoformat() for value in values]
    elif isinstance(first, int | float) and not isinstance(first, bool):
        items = ["NULL" if value is None else repr(value) for value in values]
    else:
        items = [
            "NULL"
            if value is None
            else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        ]
    return "{" + ",".join(items) + "}"


def _json_text(value: Any) -> str:
    return "[]" if value == [] else json.dumps(value)


def hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _as_utc(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def readings_ingest(
    *,
    station: Station,
    items: Sequence[Any],
    source: str,
    now: datetime | None = None,
) -> IngestResult:
    """Check and store one batch as sent by a station: the path HTTP and MQTT share."""
    now = now or timezone.now()
    batch = readings_check(station=station, items=items, now=now)
    stored = readings_store(station=station, readings=batch.readings, source=source, now=now)
    return IngestResult(stored=stored, rejected=batch.rejected)


# --- CSV files -------------------------------------------------------------------------------

CSV_COLUMNS = ("station", "parameter", "time", "value", "period")
CSV_OPTIONAL_COLUMNS = ("unit",)
CSV_MAX_ROWS = 100_000
# A time typed by a person in a spreadsheet: 23/11/2026 14:00 (local time, Asia/Ho_Chi_Minh).
_LOCAL_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


def csv_template() -> str:
    """The downloadable template: the header and two example lines."""
    return (
        ",".join(CSV_COLUMNS)
        + "\r\n"
        + "DL-01,PM2.5,2026-11-23T14:00:00+07:00,35.2,1h\r\n"
        + "DL-01,PM10,23/11/2026 14:05,51.0,raw\r\n"
    )


def csv_parse(content: bytes) -> list[dict[str, Any]]:
    """Read an operator's CSV file into rows for `readings_check`, each with its line number.
    UTF-8 with or without BOM; comma or semicolon separated (Excel in Vietnamese writes ";"),
    with a decimal comma allowed then. A file that cannot be read raises InvalidInput naming
    what is wrong, in Vietnamese."""
    if not content:
        raise InvalidInput(_("Tệp rỗng."), field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            _(
                "Tệp không ở bảng mã UTF-8. Trong Excel hãy chọn Lưu thành "
                '"CSV UTF-8 (phân tách bằng dấu phẩy)".'
            ),
            code="encoding",
            field="file",
        ) from None
    if "\x00" in text:
        raise InvalidInput(_("Tệp không phải tệp văn bản CSV."), code="not_csv", field="file")
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except (StopIteration, csv.Error):
        raise InvalidInput(_("Tệp không có dòng tiêu đề."), field="file") from None
    missing = [column for column in CSV_COLUMNS if column not in header]
    unknown = [c for c in header if c and c not in CSV_COLUMNS + CSV_OPTIONAL_COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            _(
                "Sai cột: dòng đầu phải là %(expected)s (cột %(unit)s không bắt buộc). "
                "Thiếu: %(missing)s. Không nhận ra: %(unknown)s."
            )
            % {
                "expected": ", ".join(CSV_COLUMNS),
                "unit": "unit",
                "missing": ", ".join(missing) or "—",
                "unknown": ", ".join(unknown) or "—",
            },
            code="columns",
            field="file",
        )
    position = {column: header.index(column) for column in header if column}
    rows = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= CSV_MAX_ROWS:
                raise InvalidInput(
                    _("Tệp quá lớn: tối đa %(rows)s dòng mỗi lần.") % {"rows": CSV_MAX_ROWS},
                    field="file",
                )
            cell = {
                column: (cells[index].strip() if index < len(cells) else "")
                for column, index in position.items()
            }
            row = {
                "line": line,
                "station": cell["station"],
                "parameter": cell["parameter"],
                "time": _csv_time(cell["time"]),
                "value": _csv_number(cell["value"], decimal_comma=delimiter == ";"),
                "raw_value": cell["value"],
                "period": cell["period"].lower(),
            }
            if cell.get("unit"):
                row["unit"] = cell["unit"]
            rows.append(row)
    except csv.Error as exc:
        raise InvalidInput(
            _("Tệp CSV hỏng ở dòng %(line)s.") % {"line": reader.line_num},
            code="not_csv",
            field="file",
        ) from exc
    if not rows:
        raise InvalidInput(_("Tệp không có dòng số liệu nào."), field="file")
    return rows


def _csv_number(text: str, *, decimal_comma: bool) -> float | str:
    """The cell as a number, or the text itself (then rejected as "not a number")."""
    candidate = text.replace(",", ".") if decimal_comma else text
    try:
        return float(candidate)
    except ValueError:
        return text


def _csv_time(text: str) -> str:
    match = _LOCAL_TIME.match(text)
    if not match:
        return text
    day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return text
    return timezone.make_aware(local, timezone.get_default_timezone()).isoformat()
