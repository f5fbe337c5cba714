"""The AQI side of monitoring: computed hourly and daily VN_AQI, limit values, exceedance alerts.

Imported at the end of monitoring/models.py, so these are models of the `monitoring` app.
HourlyAqi and DailyAqi are derived data: monitoring/aqi_services.py rewrites them from the valid
hourly measurements whenever those change; nobody edits them by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.monitoring.aqi import CATEGORY_BY_LEVEL, Category


class AqiFields(models.Model):
    """What an hourly and a daily index share. `aqi` is null when the rules give no value (no
    PM10 or PM2.5); `sub_indices` holds every pollutant's rounded index, e.g. {"PM2.5": 75}."""

    aqi = models.PositiveSmallIntegerField("VN_AQI", null=True, blank=True)
    # 1 Tốt ... 6 Nguy hại (monitoring/aqi.py CATEGORIES); null with `aqi`.
    category = models.PositiveSmallIntegerField(_("mức"), null=True, blank=True)
    dominant = models.CharField(_("chất ô nhiễm chính"), max_length=8, blank=True)
    sub_indices = models.JSONField(_("chỉ số từng thông số"), default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def aqi_category(self) -> Category | None:
        return CATEGORY_BY_LEVEL.get(self.category) if self.category else None


class HourlyAqi(AqiFields):
    """VN_AQI of the hour starting at `hour_start` (stored in UTC)."""

    # Like the measurements it is computed from: no foreign key in the database (Django still
    # cascades a station's deletion) and no index of its own (the unique one starts with it).
    station = models.ForeignKey(
        "monitoring.Station",
        on_delete=models.CASCADE,
        related_name="hourly_aqi",
        db_constraint=False,
        db_index=False,
    )
    hour_start = models.DateTimeField(_("giờ bắt đầu"))

    class Meta:
        ordering = ["station", "hour_start"]
        verbose_name = _("VN_AQI giờ")
        verbose_name_plural = _("VN_AQI giờ")
        constraints = [
            models.UniqueConstraint(fields=["station", "hour_start"], name="hourly_aqi_once")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.hour_start:%Y-%m-%d %H:00} AQI {self.aqi}"


class DailyAqi(AqiFields):
    """VN_AQI of a local calendar day (hours starting 00:00 to 23:00, Asia/Ho_Chi_Minh)."""

    # Like the measurements it is computed from: no foreign key in the database (Django still
    # cascades a station's deletion) and no index of its own (the unique one starts with it).
    station = models.ForeignKey(
        "monitoring.Station",
        on_delete=models.CASCADE,
        related_name="daily_aqi",
        db_constraint=False,
        db_index=False,
    )
    date = models.DateField(_("ngày"))

    class Meta:
        ordering = ["station", "date"]
        verbose_name = _("VN_AQI ngày")
        verbose_name_plural = _("VN_AQI ngày")
        constraints = [models.UniqueConstraint(fields=["station", "date"], name="daily_aqi_once")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.date:%Y-%m-%d} AQI {self.aqi}"


class AveragingPeriod(models.TextChoices):
    HOUR = "1h", _("Trung bình 1 giờ")
    EIGHT_HOURS = "8h", _("Trung bình 8 giờ")
    DAY = "24h", _("Trung bình 24 giờ")


class Threshold(models.Model):
    """A limit value of the ambient-air regulation for one parameter and averaging period;
    a value above it opens an exceedance alert. Seeded from QCVN 05:2023/BTNMT, editable."""

    parameter = models.ForeignKey(
        "monitoring.Parameter",
        on_delete=models.PROTECT,
        related_name="thresholds",
        verbose_name=_("thông số"),
    )
    averaging_period = models.CharField(
        _("thời gian trung bình"), max_length=4, choices=AveragingPeriod.choices
    )
    limit_value = models.FloatField(_("giá trị giới hạn"))
    source = models.CharField(_("căn cứ"), max_length=255, default="QCVN 05:2023/BTNMT")
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["parameter__sort_order", "averaging_period"]
        verbose_name = _("ngưỡng giới hạn")
        verbose_name_plural = _("ngưỡng giới hạn")
        constraints = [
            models.UniqueConstraint(
                fields=["parameter", "averaging_period"], name="threshold_once_per_period"
            ),
            models.CheckConstraint(condition=Q(limit_value__gt=0), name="threshold_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.parameter.code} {self.averaging_period} ≤ {self.limit_value:g}"


class Alert(models.Model):
    """An exceedance of a limit value, or an hourly AQI above the alert level, at a station.
    At most one alert is open per station, kind, parameter and period: it opens at the first
    hour (or day) above, keeps the highest value seen, and closes at the first one back under.
    Shown to operators and on the public station page."""

    class Kind(models.TextChoices):
        EXCEEDANCE = "exceedance", _("Vượt giới hạn quy chuẩn")
        AQI_LEVEL = "aqi_level", _("VN_AQI vượt mức cảnh báo")

    station = models.ForeignKey(
        "monitoring.Station",
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("trạm"),
    )
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    # Null for an AQI-level alert: the index is not one parameter.
    parameter = models.ForeignKey(
        "monitoring.Parameter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thông số"),
    )
    period = models.CharField(_("thời gian trung bình"), max_length=4, choices=AveragingPeriod)
    value = models.FloatField(_("giá trị cao nhất"))
    limit = models.FloatField(_("giới hạn"))
    started_at = models.DateTimeField(_("bắt đầu"))
    ended_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người xác nhận"),
    )
    acknowledged_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("cảnh báo chất lượng không khí")
        verbose_name_plural = _("cảnh báo chất lượng không khí")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind", "parameter", "period"],
                condition=Q(ended_at__isnull=True, parameter__isnull=False),
                name="alert_one_open_per_parameter",
            ),
            # NULLs never collide in a unique index: the AQI-level alert needs its own.
            models.UniqueConstraint(
                fields=["station", "kind", "period"],
                condition=Q(ended_at__isnull=True, parameter__isnull=True),
                name="alert_one_open_aqi_level",
            ),
        ]
        indexes = [models.Index(fields=["ended_at", "started_at"], name="alert_open_recent")]

    def __str__(self) -> str:
        subject = self.parameter.code if self.parameter_id else "VN_AQI"
        return f"{self.station_id} {subject} {self.period} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
