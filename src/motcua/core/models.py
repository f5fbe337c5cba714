"""Shared-kernel tables: administrative units, working-calendar overrides and the audit log."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionedModel(models.Model):
    """Optimistic locking: writers pass the version they read; see core/concurrency.py."""

    version = models.PositiveIntegerField(_("phiên bản"), default=1, editable=False)

    class Meta:
        abstract = True


class Province(models.Model):
    """A province-level unit (tỉnh, thành phố trực thuộc trung ương); two tiers since 1 Jul 2025."""

    code = models.CharField(_("mã"), max_length=2, primary_key=True)
    name = models.CharField(_("tên"), max_length=100)
    division_type = models.CharField(_("loại"), max_length=40)
    search_name = models.CharField(max_length=100, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = _("tỉnh, thành phố")

    def __str__(self) -> str:
        return self.name


class Commune(models.Model):
    """A commune-level unit (xã, phường, đặc khu)."""

    code = models.CharField(_("mã"), max_length=5, primary_key=True)
    name = models.CharField(_("tên"), max_length=100)
    division_type = models.CharField(_("loại"), max_length=40)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="communes", verbose_name=_("tỉnh")
    )
    search_name = models.CharField(max_length=120, db_index=True, editable=False)
    # The name without its type ("phan dinh phung" for "Phường Phan Đình Phùng"): what people
    # type, so exact and prefix matches on it rank first (see core/places.py).
    short_search_name = models.CharField(max_length=120, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["province_id", "name"]
        verbose_name = _("xã, phường, đặc khu")
        verbose_name_plural = _("xã, phường, đặc khu")

    def __str__(self) -> str:
        return f"{self.name}, {self.province.name}"


class LegacyCommune(models.Model):
    """A pre-July-2025 commune (with its district) and the new commune(s) that took it over: a
    commune split in 2025 (`partly_merged`) went to several new ones."""

    code = models.CharField(_("mã cũ"), max_length=5, primary_key=True)
    name = models.CharField(_("tên cũ"), max_length=100)
    district_name = models.CharField(_("quận, huyện cũ"), max_length=100, blank=True)
    province_name = models.CharField(_("tỉnh cũ"), max_length=100, blank=True)
    new_communes = models.ManyToManyField(
        Commune, related_name="legacy_units", verbose_name=_("đơn vị mới")
    )
    partly_merged = models.BooleanField(_("chỉ một phần sáp nhập vào đơn vị mới"), default=False)
    search_name = models.CharField(max_length=160, db_index=True, editable=False)
    short_search_name = models.CharField(max_length=160, editable=False, default="")
    district_search_name = models.CharField(max_length=100, editable=False, default="")
    province_search_name = models.CharField(max_length=100, editable=False, default="")

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị hành chính cũ")
        verbose_name_plural = _("đơn vị hành chính cũ")

    def __str__(self) -> str:
        return f"{self.name}, {self.district_name}, {self.province_name}"


class CalendarOverride(models.Model):
    """An administrator's correction to the public-holiday calendar: an extra day off (including
    the day off of a swap) or a make-up working day (e.g. a Saturday worked in exchange)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc bù")

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    reason = models.CharField(_("lý do, căn cứ"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("điều chỉnh lịch làm việc")
        verbose_name_plural = _("điều chỉnh lịch làm việc")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


class AuditEntry(models.Model):
    """One append-only audit record. `entry_hash` covers this row and `previous_hash`, so editing
    or deleting any row breaks the chain (see core/audit.py)."""

    sequence = models.PositiveBigIntegerField(_("số thứ tự"), unique=True)
    occurred_at = models.DateTimeField(_("thời điểm"), db_index=True)
    # DO_NOTHING: deleting a user must not rewrite entries (actor_id is hashed); actor_label
    # keeps who it was.
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("người thực hiện"),
    )
    actor_label = models.CharField(_("người thực hiện"), max_length=255)
    action = models.CharField(_("hành động"), max_length=64, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, db_index=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, db_index=True)
    object_label = models.CharField(_("đối tượng"), max_length=255)
    changes = models.JSONField(_("thay đổi"), default=dict)
    request_id = models.CharField(_("mã yêu cầu"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("nhật ký kiểm tra")
        verbose_name_plural = _("nhật ký kiểm tra")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_label}"


class AuditHead(models.Model):
    """The single row holding the audit chain's last sequence and hash, written in the same
    transaction as each entry: deleting the newest entries leaves a valid chain, but not one
    that reaches the head, so `motcua audit verify` detects a cut tail too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    sequence = models.PositiveBigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.entry_hash[:12]}"


class ScheduledRun(models.Model):
    """One firing of a periodic job. The unique key lets several scheduler processes run side by
    side (one per machine) while each slot is enqueued once (see core/scheduler.py)."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_once")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
