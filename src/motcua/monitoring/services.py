"""Writes and rules of monitoring: stations and their keys, operators' invalidate/restore of
hourly data, CSV uploads, and the silent-station check. Every change made by a person is
written to the audit log; machine ingestion is not (each value keeps its source and time).

`actor=None` means the system itself (demo loader, periodic jobs).
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.accounts.models import Agency, User
from motcua.core.audit import audit_record, audit_value
from motcua.core.errors import InvalidInput, NotFound, PermissionDenied
from motcua.core.models import Commune, Province
from motcua.monitoring import aqi_hooks
from motcua.monitoring.ingestion import (
    CheckedBatch,
    csv_parse,
    readings_check,
    readings_store,
)
from motcua.monitoring.models import (
    CsvUpload,
    HourlyMeasurement,
    OperationalAlert,
    Parameter,
    Source,
    Station,
)
from motcua.monitoring.selectors import (
    KEY_PREFIX_LENGTH,
    is_monitoring_operator,
    station_key_hash,
    station_list_visible_to,
)

# Station codes appear in MQTT topics and URLs: no "/", "+", "#" or spaces.
STATION_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")


# --- Checks ----------------------------------------------------------------------------------


def check_monitoring_operator(actor: User | None) -> None:
    if actor is None or is_monitoring_operator(actor):
        return
    raise PermissionDenied(_("Chỉ cán bộ quan trắc mới được thực hiện thao tác này."))


def check_station_visible(actor: User | None, station: Station) -> None:
    check_monitoring_operator(actor)
    if actor is not None and not station_list_visible_to(user=actor).filter(pk=station.pk).exists():
        raise PermissionDenied(_("Bạn không quản lý trạm quan trắc này."), field="station")


def check_station_values(station: Station) -> None:
    if not STATION_CODE.match(station.code or ""):
        raise InvalidInput(
            _("Mã trạm chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới (tối đa 32)."),
            field="code",
        )
    if Station.objects.filter(code__iexact=station.code).exclude(pk=station.pk).exists():
        raise InvalidInput(_("Mã trạm %(code)s đã có.") % {"code": station.code}, field="code")
    if not (station.name or "").strip():
        raise InvalidInput(_("Vui lòng nhập tên trạm."), field="name")
    for name, limit in (("latitude", 90), ("longitude", 180)):
        try:
            value = Decimal(str(getattr(station, name)))
        except (InvalidOperation, ValueError):
            raise InvalidInput(_("Tọa độ không hợp lệ."), field=name) from None
        if not value.is_finite() or not -limit <= value <= limit:
            raise InvalidInput(_("Tọa độ nằm ngoài giới hạn."), field=name)
        setattr(station, name, value)
    if not 1 <= int(station.reporting_interval_minutes or 0) <= 60:
        raise InvalidInput(
            _("Chu kỳ gửi số liệu phải từ 1 đến 60 phút."), field="reporting_interval_minutes"
        )
    if (
        station.commune_id
        and station.province_id
        and station.commune.province_id != station.province_id
    ):
        raise InvalidInput(_("Xã, phường không thuộc tỉnh đã chọn."), field="commune")


# --- Stations and keys -----------------------------------------------------------------------


def _new_key(station: Station, now: datetime) -> str:
    raw = secrets.token_urlsafe(32)
    station.key_hash = station_key_hash(raw)
    station.key_prefix = raw[:KEY_PREFIX_LENGTH]
    station.key_rotated_at = now
    return raw


def station_register(
    *,
    actor: User | None,
    code: str,
    name: str,
    kind: str,
    latitude: Decimal | float | str,
    longitude: Decimal | float | str,
    parameters: list[Parameter],
    owner: str = "",
    agency: Agency | None = None,
    province: Province | None = None,
    commune: Commune | None = None,
    address: str = "",
    reporting_interval_minutes: int = 5,
    status: str = Station.Status.ACTIVE,
) -> tuple[Station, str]:
    """Register a station and issue its ingestion key; the key is returned once, never stored."""
    check_monitoring_operator(actor)
    station = Station(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        latitude=latitude,
        longitude=longitude,
        owner=owner.strip(),
        agency=agency,
        province=province,
        commune=commune,
        address=address.strip(),
        reporting_interval_minutes=reporting_interval_minutes,
        status=status,
    )
    if not parameters:
        raise InvalidInput(_("Chọn ít nhất một thông số quan trắc."), field="parameters")
    with transaction.atomic():
        key = station_admin_save(actor=actor, station=station, changed_fields=[], created=True)
        station.parameters.set(parameters)
    return station, key


def station_admin_save(
    *, actor: User | None, station: Station, changed_fields: list[str], created: bool
) -> str:
    """Save a station edited in the admin (or just registered); a new station gets its key,
    returned once. Returns "" when no key was issued."""
    if created:
        check_monitoring_operator(actor)
    else:
        check_station_visible(actor, station)
    check_station_values(station)
    key = ""
    with transaction.atomic():
        if created:
            key = _new_key(station, timezone.now())
        station.save()
        audit_record(
            actor=actor,
            action="station.create" if created else "station.update",
            obj=station,
            changes={
                name: audit_value(getattr(station, name, None))
                for name in sorted(changed_fields or ["code", "name", "kind", "status"])
                if name not in {"key_hash", "parameters"}
            },
        )
    return key


def station_rotate_key(*, actor: User | None, station: Station) -> str:
    """Issue a new ingestion key: the old one stops working at once. Returns the new key."""
    check_station_visible(actor, station)
    with transaction.atomic():
        key = _new_key(station, timezone.now())
        station.save(update_fields=["key_hash", "key_prefix", "key_rotated_at", "updated_at"])
        audit_record(
            actor=actor,
            action="station.rotate_key",
            obj=station,
            changes={"key_prefix": station.key_prefix},
        )
    return key


# --- Operators' review of hourly data --------------------------------------------------------


def _review(
    *,
    actor: User,
    station: Station,
    parameter: Parameter | None,
    start: datetime,
    end: datetime,
    reason: str,
    validity: str,
    action: str,
) -> int:
    check_station_visible(actor, station)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_("Vui lòng ghi lý do."), field="reason")
    if len(reason) > 500:
        raise InvalidInput(_("Lý do dài tối đa 500 ký tự."), field="reason")
    if start is None or end is None or timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidInput(_("Vui lòng chọn khoảng thời gian."), field="start")
    if end <= start:
        raise InvalidInput(_("Thời điểm kết thúc phải sau thời điểm bắt đầu."), field="end")
    now = timezone.now()
    rows = HourlyMeasurement.objects.filter(
        station=station, hour_start__gte=start, hour_start__lt=end
    )
    if parameter is not None:
        rows = rows.filter(parameter=parameter)
    with transaction.atomic():
        hours = sorted(set(rows.values_list("hour_start", flat=True)))
        if not hours:
            raise InvalidInput(_("Không có số liệu nào trong khoảng thời gian này."), field="start")
        count = rows.update(
            validity=validity, review_reason=reason, reviewed_by=actor, reviewed_at=now
        )
        audit_record(
            actor=actor,
            action=action,
            obj=station,
            changes={
                "parameter": parameter.code if parameter else "*",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "hours": count,
                "reason": reason,
            },
        )
        aqi_hooks.hours_changed(station_id=station.pk, hours=hours)
    return count


def measurements_invalidate(
    *,
    actor: User,
    station: Station,
    start: datetime,
    end: datetime,
    reason: str,
    parameter: Parameter | None = None,
) -> int:
    """Take the hourly values of [start, end) out of the AQI (one parameter, or all). The
    operator's decision stands until restored, even when the station re-sends the hours."""
    return _review(
        actor=actor,
        station=station,
        parameter=parameter,
        start=start,
        end=end,
        reason=reason,
        validity=HourlyMeasurement.Validity.INVALIDATED,
        action="monitoring.invalidate",
    )


def measurements_restore(
    *,
    actor: User,
    station: Station,
    start: datetime,
    end: datetime,
    reason: str,
    parameter: Parameter | None = None,
) -> int:
    """Count the hourly values of [start, end) again: invalidated hours, and flagged hours the
    operator has checked (a real event, not a fault), become valid. Their flags stay visible."""
    return _review(
        actor=actor,
        station=station,
        parameter=parameter,
        start=start,
        end=end,
        reason=reason,
        validity=HourlyMeasurement.Validity.VALID,
        action="monitoring.restore",
    )


# --- CSV upload ------------------------------------------------------------------------------


def csv_upload_preview(*, actor: User, file_name: str, content: bytes) -> CsvUpload:
    """Parse and check an operator's CSV file without storing any value; keep the result under
    a token for the confirmation. A file that cannot be read raises InvalidInput(field="file")."""
    check_monitoring_operator(actor)
    rows = csv_parse(content)
    checked, rejected = _csv_check(actor=actor, rows=rows)
    accepted = sorted(
        (part.rows[index] for part in checked for index in part.batch.indexes),
        key=lambda row: row["line"],
    )
    upload = CsvUpload.objects.create(
        token=secrets.token_urlsafe(32),
        uploaded_by=actor,
        file_name=(file_name or "upload.csv")[:255],
        uploaded_at=timezone.now(),
        accepted=accepted,
        rejected=rejected,
    )
    return upload


@dataclass
class _StationRows:
    station: Station
    rows: list[dict[str, Any]]
    batch: CheckedBatch


def _csv_check(
    *, actor: User, rows: list[dict[str, Any]], now: datetime | None = None
) -> tuple[list[_StationRows], list[dict[str, Any]]]:
    """Check CSV rows station by station with the rules HTTP uses; rejected rows keep their
    line number."""
    by_station: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_station[row["station"]].append(row)
    visible = {
        station.code: station
        for station in station_list_visible_to(user=actor)
        .filter(code__in=list(by_station))
        .exclude(status=Station.Status.RETIRED)
        .prefetch_related("parameters")
    }
    checked, rejected = [], []
    for code, station_rows in by_station.items():
        station = visible.get(code)
        if station is None:
            reason = _("Trạm %(code)s không có hoặc bạn không quản lý trạm này.") % {"code": code}
            rejected += [_csv_rejection(row, reason) for row in station_rows]
            continue
        batch = readings_check(
            station=station,
            items=station_rows,
            now=now,
            parameters={parameter.code: parameter for parameter in station.parameters.all()},
            duplicate_reason=lambda first, rows=station_rows: (
                _("Trùng với dòng %(line)s trong cùng tệp.") % {"line": rows[first]["line"]}
            ),
        )
        checked.append(_StationRows(station=station, rows=station_rows, batch=batch))
        rejected += [
            _csv_rejection(station_rows[rejection.index], rejection.reason)
            for rejection in batch.rejected
        ]
    rejected.sort(key=lambda row: row["line"])
    return checked, rejected


def _csv_rejection(row: dict[str, Any], reason: str) -> dict[str, Any]:
    return {
        "line": row["line"],
        "station": row["station"],
        "parameter": row.get("parameter"),
        "time": row.get("time"),
        "value": row.get("raw_value", row.get("value")),
        "reason": reason,
    }


@dataclass(frozen=True)
class CsvConfirmResult:
    upload: CsvUpload
    stored: int
    rejected_now: list[dict[str, Any]]


def csv_upload_confirm(*, actor: User, upload: CsvUpload) -> CsvConfirmResult:
    """Store the accepted rows of a previewed upload through the ingestion path. Rows are
    checked again (a station may have been retired since); those refused now are reported."""
    check_monitoring_operator(actor)
    if upload.uploaded_by_id != actor.pk:
        raise NotFound(_("Không tìm thấy tệp đã tải lên."), field="token")
    now = timezone.now()
    stored = 0
    with transaction.atomic():
        # Locked: a double click on "confirm" stores the file once.
        upload = CsvUpload.objects.select_for_update().get(pk=upload.pk)
        if upload.confirmed_at is not None:
            raise InvalidInput(
                _("Tệp này đã được lưu rồi."), code="already_confirmed", field="token"
            )
        checked, rejected_now = _csv_check(actor=actor, rows=upload.accepted, now=now)
        for part in checked:
            stored += readings_store(
                station=part.station, readings=part.batch.readings, source=Source.CSV, now=now
            )
        upload.confirmed_at = now
        upload.stored_count = stored
        upload.rejected = sorted(upload.rejected + rejected_now, key=lambda row: row["line"])
        upload.save(update_fields=["confirmed_at", "stored_count", "rejected"])
        audit_record(
            actor=actor,
            action="monitoring.csv_upload",
            obj=upload,
            changes={
                "file": upload.file_name,
                "stations": sorted(part.station.code for part in checked),
                "stored": stored,
                "rejected": len(upload.rejected),
            },
        )
    return CsvConfirmResult(upload=upload, stored=stored, rejected_now=rejected_now)


def csv_uploads_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Forget previews nobody confirmed (their parsed rows can be large)."""
    cutoff = timezone.now() - older_than
    deleted, _details = CsvUpload.objects.filter(
        confirmed_at__isnull=True, uploaded_at__lt=cutoff
    ).delete()
    return deleted


# --- Silent stations -------------------------------------------------------------------------


@dataclass(frozen=True)
class SilenceCheck:
    opened: list[str]
    resolved: list[str]


def stations_silence_check(*, now: datetime | None = None) -> SilenceCheck:
    """Open an operational alert for every active station silent longer than
    MONITORING_SILENT_AFTER_MINUTES (once: an open alert is the station's alert state), and
    close the alerts of stations that speak again or left service."""
    now = now or timezone.now()
    limit = timedelta(minutes=settings.MONITORING_SILENT_AFTER_MINUTES)
    cutoff = now - limit
    opened, resolved = [], []
    with transaction.atomic():
        open_alerts = {
            alert.station_id: alert
            for alert in OperationalAlert.objects.select_for_update().filter(
                kind=OperationalAlert.Kind.SILENT, resolved_at__isnull=True
            )
        }
        for station in Station.objects.only(
            "id", "code", "name", "status", "last_seen_at", "created_at"
        ):
            seen = station.last_seen_at or station.created_at
            silent = station.status == Station.Status.ACTIVE and seen < cutoff
            alert = open_alerts.get(station.pk)
            if silent and alert is None:
                hours = int((now - seen).total_seconds() // 3600)
                OperationalAlert.objects.create(
                    station=station,
                    kind=OperationalAlert.Kind.SILENT,
                    message=_("Trạm %(name)s không gửi số liệu %(hours)s giờ qua.")
                    % {"name": station.name, "hours": hours},
                    opened_at=now,
                )
                opened.append(station.code)
            elif not silent and alert is not None:
                alert.resolved_at = now
                alert.save(update_fields=["resolved_at"])
                resolved.append(station.code)
    return SilenceCheck(opened=opened, resolved=resolved)
