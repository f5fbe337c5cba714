"""Monitoring stations, the parameters they measure, raw and hourly measurements, uploads and
operational alerts.

Quality-control flags live inline on `HourlyMeasurement.flags` (a JSON list of `QualityFlag`
codes) rather than in a table of their own: an hour has at most a handful of flags, every read
of hourly data wants them, and the AQI only ever looks at `validity`.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.core.models import Commune, Province


class Parameter(models.Model):
    """Something a station measures: a pollutant, temperature, humidity... Units follow SPEC §8:
    µg/m³ for every gas, CO included. The valid range and spike threshold drive quality control."""

    code = models.CharField(_("mã"), max_length=16, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=100, blank=True)
    unit = models.CharField(_("đơn vị"), max_length=16)
    valid_min = models.FloatField(_("giá trị hợp lệ nhỏ nhất"), null=True, blank=True)
    valid_max = models.FloatField(_("giá trị hợp lệ lớn nhất"), null=True, blank=True)
    allows_negative = models.BooleanField(_("có thể âm"), default=False)
    # A jump from the previous hour larger than this is flagged as a spike; empty: never.
    spike_threshold = models.FloatField(_("ngưỡng tăng/giảm đột ngột"), null=True, blank=True)
    decimal_places = models.PositiveSmallIntegerField(_("số chữ số thập phân"), default=1)
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("thông số quan trắc")
        verbose_name_plural = _("thông số quan trắc")

    def __str__(self) -> str:
        return f"{self.code} ({self.unit})"


class Station(models.Model):
    """A monitoring station (trạm quan trắc). Its ingestion key is stored only as a SHA-256 hash;
    the key itself is shown once, when it is created or rotated (see monitoring/services.py)."""

    class Kind(models.TextChoices):
        AUTOMATIC = "automatic", _("Tự động, liên tục")
        MANUAL = "manual", _("Thủ công")
        MOBILE = "mobile", _("Di động")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        MAINTENANCE = "maintenance", _("Đang bảo trì")
        RETIRED = "retired", _("Ngừng hoạt động")

    code = models.CharField(_("mã trạm"), max_length=32, unique=True)
    name = models.CharField(_("tên trạm"), max_length=255)
    owner = models.CharField(_("chủ sở hữu / nhà tài trợ"), max_length=255, blank=True)
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_stations",
        verbose_name=_("cơ quan quản lý"),
    )
    kind = models.CharField(_("loại trạm"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("tỉnh")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("xã, phường")
    )
    parameters = models.ManyToManyField(
        Parameter, related_name="stations", verbose_name=_("thông số quan trắc")
    )
    # How often the station sends raw readings: an hour of raw data counts when at least
    # MONITORING_HOUR_COMPLETENESS of 60 / interval readings arrived.
    reporting_interval_minutes = models.PositiveSmallIntegerField(
        _("chu kỳ gửi số liệu (phút)"), default=5
    )
    key_hash = models.CharField(max_length=64, blank=True, editable=False)
    key_prefix = models.CharField(
        _("tiền tố khóa"), max_length=12, blank=True, editable=False, db_index=True
    )
    key_rotated_at = models.DateTimeField(_("đổi khóa lúc"), null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(_("nhận số liệu lần cuối"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("trạm quan trắc")
        verbose_name_plural = _("trạm quan trắc")
        constraints = [
            models.CheckConstraint(
                condition=Q(reporting_interval_minutes__gte=1)
                & Q(reporting_interval_minutes__lte=60),
                name="station_reporting_interval_1_60",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def expected_readings_per_hour(self) -> int:
        return math.ceil(60 / self.reporting_interval_minutes)


class Source(models.TextChoices):
    """How a value reached Motcua."""

    HTTP = "http", _("API HTTP")
    CSV = "csv", _("Tải tệp CSV")
    MQTT = "mqtt", _("MQTT")
    AGGREGATED = "aggregated", _("Tính từ số liệu thô")


class RawReading(models.Model):
    """A reading at any interval, kept as sent; averaged into `HourlyMeasurement` by
    monitoring/ingestion.py. Unique per station, parameter and time: re-sending is an upsert."""

    # No foreign-key constraints and no single-column indexes in the database on the two
    # measurement tables: checking the constraints doubled the cost of a bulk insert on
    # PostgreSQL, and the unique index (station, parameter, time) serves every read. Ingestion
    # only writes ids it has just read (the authenticated station, its parameters), and stations
    # and parameters are never deleted (retired; PROTECT), so the references stay whole.
    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        related_name="raw_readings",
        db_constraint=False,
        db_index=False,
    )
    parameter = models.ForeignKey(
        Parameter, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    time = models.DateTimeField(_("thời điểm"))
    value = models.FloatField(_("giá trị"))
    source = models.CharField(_("nguồn"), max_length=16, choices=Source.choices)
    received_at = models.DateTimeField(_("nhận lúc"))

    class Meta:
        verbose_name = _("số liệu thô")
        verbose_name_plural = _("số liệu thô")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "parameter", "time"], name="raw_reading_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.parameter_id} {self.time:%Y-%m-%d %H:%M} = {self.value}"


class QualityFlag(models.TextChoices):
    """Automatic quality-control flags on an hourly value (monitoring/quality.py)."""

    OUT_OF_RANGE = "out_of_range", _("Ngoài khoảng giá trị hợp lệ")
    NEGATIVE = "negative", _("Giá trị âm")
    STUCK = "stuck", _("Giá trị không đổi từ 4 giờ trở lên")
    SPIKE = "spike", _("Tăng/giảm đột ngột")


class HourlyMeasurement(models.Model):
    """The mean of one parameter at one station over the hour starting at `hour_start` (UTC in
    the database). Only `validity=valid` values enter the AQI.

    validity: `valid` (no flag, or flags accepted by an operator), `flagged` (automatic QC
    flags), `invalidated` (by an operator). When `reviewed_by` is set, the validity is an
    operator's decision and automatic QC no longer changes it."""

    class Validity(models.TextChoices):
        VALID = "valid", _("Hợp lệ")
        FLAGGED = "flagged", _("Bị gắn cờ")
        INVALIDATED = "invalidated", _("Đã loại bỏ")

    # No database foreign-key constraints or single-column indexes, as on RawReading.
    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        related_name="hourly_measurements",
        db_constraint=False,
        db_index=False,
    )
    parameter = models.ForeignKey(
        Parameter, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    hour_start = models.DateTimeField(_("giờ bắt đầu"))
    value = models.FloatField(_("giá trị trung bình giờ"))
    # Raw readings averaged into the value; null for an hourly mean sent as such ("1h").
    sample_count = models.PositiveSmallIntegerField(_("số mẫu"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=16, choices=Source.choices)
    validity = models.CharField(
        _("hiệu lực"), max_length=16, choices=Validity.choices, default=Validity.VALID
    )
    flags = models.JSONField(_("cờ kiểm soát chất lượng"), default=list, blank=True)
    review_reason = models.CharField(_("lý do"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người xử lý"),
    )
    reviewed_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"))

    class Meta:
        ordering = ["station", "parameter", "hour_start"]
        verbose_name = _("số liệu trung bình giờ")
        verbose_name_plural = _("số liệu trung bình giờ")
        constraints = [
            # Also the index for reads by station, parameter and time range.
            models.UniqueConstraint(
                fields=["station", "parameter", "hour_start"], name="hourly_measurement_once"
            )
        ]
        indexes = [
            # Operations view: open flags and completeness across stations by time.
            models.Index(fields=["hour_start", "validity"], name="hourly_time_validity"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.station_id} {self.parameter_id} {self.hour_start:%Y-%m-%d %H:00} = {self.value}"
        )

    @property
    def flag_labels(self) -> list[str]:
        labels = dict(QualityFlag.choices)
        return [str(labels.get(flag, flag)) for flag in self.flags]


class OperationalAlert(models.Model):
    """Something the monitoring centre must look at (a silent station...). Not the public
    exceedance alerts of the AQI side. An open alert of a kind is also the station's alert
    state: at most one is open per station and kind, closed when the cause goes away."""

    class Kind(models.TextChoices):
        SILENT = "silent", _("Trạm không gửi số liệu")

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="operational_alerts"
    )
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    message = models.CharField(_("nội dung"), max_length=500)
    opened_at = models.DateTimeField(_("mở lúc"))
    resolved_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("cảnh báo vận hành")
        verbose_name_plural = _("cảnh báo vận hành")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="operational_alert_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.get_kind_display()} {self.opened_at:%Y-%m-%d %H:%M}"


class CsvUpload(models.Model):
    """A CSV file an operator uploaded: parsed once, previewed, then stored on confirmation.
    The parsed readings wait here (keyed by `token`) so the operator does not upload twice."""

    token = models.CharField(max_length=43, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("tên tệp"), max_length=255)
    uploaded_at = models.DateTimeField(_("tải lên lúc"))
    # [{"line", "station", "parameter", "time", "value", "period"}] accepted by the parser.
    accepted = models.JSONField(default=list)
    # [{"line", "station", "parameter", "time", "reason"}]
    rejected = models.JSONField(default=list)
    confirmed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    stored_count = models.PositiveIntegerField(_("số giá trị đã lưu"), default=0)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("tệp số liệu tải lên")
        verbose_name_plural = _("tệp số liệu tải lên")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"


# The AQI side's models (computed indices, limit values, alerts) live in their own module.
from motcua.monitoring.models_aqi import (  # noqa: E402, F401
    Alert,
    AveragingPeriod,
    DailyAqi,
    HourlyAqi,
    Threshold,
)
