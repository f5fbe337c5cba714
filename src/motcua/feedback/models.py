"""Reports (phản ánh, kiến nghị), their categories, routing rules, history and Open311 keys."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.core.models import Commune, Province, VersionedModel


class Category(models.Model):
    """A kind of report (air pollution, land encroachment...): an Open311 service, edited by an
    administrator, with its own answer deadline in working days."""

    class Group(models.TextChoices):
        ENVIRONMENT = "environment", _("Môi trường")
        LAND = "land", _("Đất đai")
        MINERALS = "minerals", _("Khoáng sản")
        CONDUCT = "conduct", _("Công vụ, cán bộ")
        OTHER = "other", _("Khác")

    service_code = models.SlugField(_("mã dịch vụ (Open311)"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    group = models.CharField(_("nhóm"), max_length=20, choices=Group.choices)
    deadline_days = models.PositiveSmallIntegerField(
        _("thời hạn trả lời (ngày làm việc)"), default=10
    )
    keywords = models.CharField(_("từ khóa (cách nhau bằng dấu phẩy)"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("lĩnh vực phản ánh")
        verbose_name_plural = _("lĩnh vực phản ánh")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_days__gte=1), name="feedback_category_deadline_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """Where reports go: a category and/or a place to an agency (and optionally its unit).
    The most specific rule wins: commune over province over anywhere, then a named category
    over any category (feedback/routing.py)."""

    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routing_rules",
        verbose_name=_("lĩnh vực (trống: mọi lĩnh vực)"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tỉnh (trống: mọi tỉnh)"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("xã, phường (trống: mọi xã)"),
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.CASCADE, related_name="+", verbose_name=_("cơ quan")
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị xử lý"),
    )
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        ordering = ["category__order", "province_id", "commune_id"]
        verbose_name = _("quy tắc chuyển xử lý phản ánh")
        verbose_name_plural = _("quy tắc chuyển xử lý phản ánh")

    def __str__(self) -> str:
        where = self.commune or self.province or _("mọi nơi")
        what = self.category or _("mọi lĩnh vực")
        return f"{what} – {where} → {self.unit or self.agency}"


class Channel(models.TextChoices):
    WEB = "web", _("Cổng thông tin")
    HOTLINE = "hotline", _("Đường dây nóng")
    OPEN311 = "open311", _("Hệ thống khác (Open311)")


class Status(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    ACCEPTED = "accepted", _("Đã thụ lý")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    CLOSED = "closed", _("Đã kết thúc")
    REJECTED = "rejected", _("Không xử lý")
    MERGED = "merged", _("Đã gộp")


OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS)


class AnswerState(models.TextChoices):
    NONE = "", _("Chưa có")
    AWAITING_APPROVAL = "awaiting_approval", _("Chờ lãnh đạo duyệt")
    APPROVED = "approved", _("Đã duyệt và gửi")


class ApiKey(models.Model):
    """A key another system sends as Open311 `api_key`. Only its SHA-256 is stored."""

    name = models.CharField(_("hệ thống"), max_length=255)
    prefix = models.CharField(_("đầu khóa (để nhận ra)"), max_length=12)
    key_hash = models.CharField(_("mã băm SHA-256"), max_length=64, unique=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("khóa API Open311")
        verbose_name_plural = _("khóa API Open311")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Report(VersionedModel):
    """One report. The reporter's contact is private: never shown on public pages or Open311."""

    code = models.CharField(_("mã phản ánh"), max_length=20, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("lĩnh vực")
    )
    description = models.TextField(_("nội dung"))
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tỉnh"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("xã, phường"),
    )
    address = models.CharField(_("địa chỉ cụ thể"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    occurred_at = models.DateTimeField(_("thời điểm xảy ra"), null=True, blank=True)
    channel = models.CharField(_("kênh tiếp nhận"), max_length=10, choices=Channel.choices)
    # Private contact: staff only.
    is_anonymous = models.BooleanField(_("ẩn danh"), default=False)
    reporter_name = models.CharField(_("họ và tên người phản ánh"), max_length=255, blank=True)
    reporter_phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    reporter_email = models.EmailField(_("thư điện tử"), blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_reports",
        verbose_name=_("tài khoản người phản ánh"),
    )
    # The follow-up secret, hashed: the reporter follows the report with code + secret.
    follow_secret_hash = models.CharField(max_length=64, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người ghi nhận (đường dây nóng)"),
    )
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hệ thống gửi (Open311)"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cơ quan xử lý"),
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị xử lý"),
    )
    received_at = models.DateTimeField(_("tiếp nhận lúc"), db_index=True)
    due_at = models.DateTimeField(_("hạn trả lời"))
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    escalated_at = models.DateTimeField(_("báo lãnh đạo quá hạn lúc"), null=True, blank=True)
    rejection_reason = models.TextField(_("lý do không xử lý"), blank=True)
    answer_text = models.TextField(_("nội dung trả lời"), blank=True)
    answer_state = models.CharField(
        _("tình trạng trả lời"),
        max_length=20,
        choices=AnswerState.choices,
        default=AnswerState.NONE,
        blank=True,
    )
    answer_written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người soạn trả lời"),
    )
    answer_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người duyệt trả lời"),
    )
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    # Personal or sensitive answers are sent to the reporter but never published.
    is_personal = models.BooleanField(
        _("nội dung cá nhân, nhạy cảm (không công khai)"), default=False
    )
    published_at = models.DateTimeField(_("công khai lúc"), null=True, blank=True)
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("có thể trùng với"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_reports",
        verbose_name=_("đã gộp vào"),
    )
    rating = models.PositiveSmallIntegerField(_("đánh giá (1-5)"), null=True, blank=True)
    rating_comment = models.TextField(_("nhận xét"), blank=True)
    rated_at = models.DateTimeField(_("đánh giá lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        indexes = [
            models.Index(fields=["status", "due_at"], name="feedback_report_status_due"),
            models.Index(fields=["agency", "status", "due_at"], name="feedback_report_agency"),
            models.Index(fields=["category", "received_at"], name="feedback_report_category"),
            models.Index(fields=["published_at"], name="feedback_report_published"),
            models.Index(fields=["latitude", "longitude"], name="feedback_report_point"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="feedback_report_rating_range",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReportCodeSequence(models.Model):
    """The last number given to a report on a day: codes are `PA-{yyMMdd}-{NNNN}`."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day:%y%m%d} {self.last_number}"


class ReportEvent(models.Model):
    """One step of a report's history, appended by feedback/services.py and never edited."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("thao tác"), max_length=40)
    from_status = models.CharField(
        _("từ trạng thái"), max_length=20, blank=True, choices=Status.choices
    )
    to_status = models.CharField(_("sang trạng thái"), max_length=20, choices=Status.choices)
    note = models.TextField(_("ghi chú"), blank=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    # Shown to the reporter on the follow-up page (internal notes are not).
    is_public = models.BooleanField(_("người phản ánh xem được"), default=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("diễn biến phản ánh")
        verbose_name_plural = _("diễn biến phản ánh")

    def __str__(self) -> str:
        return f"{self.report_id} {self.action} {self.occurred_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: ReportAttachment, filename: str) -> str:
    # A random name: the original one is kept in the row, never used as a path.
    return f"feedback/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class ReportAttachment(models.Model):
    """A photo, video or document of a report, checked by content (feedback/files.py)."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("phản ánh")
    )
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("tải lên lúc"))

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("tệp đính kèm phản ánh")
        verbose_name_plural = _("tệp đính kèm phản ánh")

    def __str__(self) -> str:
        return self.original_name


class InputRequest(models.Model):
    """A question to another unit about a report (xin ý kiến), and its answer."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="input_requests", verbose_name=_("phản ánh")
    )
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    question = models.TextField(_("nội dung xin ý kiến"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(_("hỏi lúc"))
    answer = models.TextField(_("ý kiến"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]
        verbose_name = _("xin ý kiến đơn vị")
        verbose_name_plural = _("xin ý kiến đơn vị")

    def __str__(self) -> str:
        return f"{self.report_id} → {self.unit_id}"
