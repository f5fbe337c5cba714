"""Dossiers (hồ sơ): one application for one procedure version, its attachments and its history.

A dossier's status changes only through dossiers/lifecycle.py, which appends a `DossierEvent`
in the same transaction: the events are the dossier's history, the process control sheet and
what the national portal is told.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import ApplicantKind, Channel
from motcua.core.models import VersionedModel


class Status(models.TextChoices):
    """The dossier's status. Every status but DRAFT maps to a national portal code (SPEC §3)."""

    DRAFT = "draft", _("Đang soạn")
    NEW = "new", _("Mới đăng ký")
    RECEIVED = "received", _("Được tiếp nhận")
    REFUSED = "refused", _("Không được tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung giấy tờ")
    FINANCIAL_OBLIGATION = "financial_obligation", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "withdrawn", _("Công dân yêu cầu rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    DONE = "done", _("Đã xử lý xong")
    RETURNED = "returned", _("Đã trả kết quả")


NATIONAL_STATUS_CODE: dict[str, int] = {
    Status.NEW: 1,
    Status.RECEIVED: 2,
    Status.REFUSED: 3,
    Status.PROCESSING: 4,
    Status.SUPPLEMENT_REQUESTED: 5,
    Status.FINANCIAL_OBLIGATION: 6,
    Status.WITHDRAWN: 7,
    Status.STOPPED: 8,
    Status.DONE: 9,
    Status.RETURNED: 10,
}


class Dossier(VersionedModel):
    """A dossier. The applicant's details are copied at submission (`applicant_*`), so the
    dossier says who applied even if the account changes later; `owner` is the account that
    follows it online (none for a counter applicant without an account)."""

    code = models.CharField(_("mã hồ sơ"), max_length=40, unique=True, null=True, blank=True)
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("thủ tục (phiên bản)"),
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("cơ quan tiếp nhận"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=30, choices=Status.choices, default=Status.DRAFT
    )
    channel = models.CharField(_("kênh nộp"), max_length=10, choices=Channel.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("tài khoản chủ hồ sơ"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    applicant_kind = models.CharField(
        _("loại chủ hồ sơ"), max_length=20, choices=ApplicantKind.choices
    )
    applicant_name = models.CharField(_("họ tên / tên tổ chức"), max_length=255)
    applicant_id_number = models.CharField(
        _("số định danh / mã số thuế"), max_length=14, blank=True
    )
    applicant_phone = models.CharField(_("số điện thoại"), max_length=15, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    applicant_commune = models.ForeignKey(
        "core.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("xã, phường"),
    )
    form_data = models.JSONField(_("nội dung tờ khai"), default=dict, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("ngày hẹn trả"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xử lý xong lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    # Diacritic-free applicant name and code, for staff search (core.text.search_key).
    search_text = models.CharField(max_length=400, editable=False, default="")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="dossier_owner_recent"),
            models.Index(fields=["agency", "status"], name="dossier_agency_status"),
            models.Index(fields=["status", "appointment_at"], name="dossier_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(code__isnull=False),
                name="dossier_submitted_has_code",
            )
        ]

    def __str__(self) -> str:
        return self.code or f"{_('Bản nháp')} #{self.pk}"

    @property
    def national_status_code(self) -> int | None:
        return NATIONAL_STATUS_CODE.get(self.status)


class DossierCodeSequence(models.Model):
    """The last number given to a dossier of an agency on a day: codes are
    `{agency code}-{yyMMdd}-{NNNN}`, the row is locked while a number is taken."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_code_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day:%y%m%d} {self.last_number}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: never guessable, never the uploader's file name, nothing served publicly.
    return f"private/attachments/{instance.uploaded_at:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file of a dossier: uploaded online, scanned at the counter (digitized), or taken from
    the applicant's data store (reused). Uploaded before the dossier exists, then attached."""

    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("hồ sơ"),
    )
    required_document = models.ForeignKey(
        "catalog.RequiredDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thành phần hồ sơ"),
    )
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tải lên"),
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"))
    is_digitized = models.BooleanField(_("số hóa từ bản giấy"), default=False)
    is_reused = models.BooleanField(_("tái sử dụng từ kho dữ liệu"), default=False)
    reused_from = models.CharField(
        _("nguồn tái sử dụng"),
        max_length=100,
        blank=True,
        help_text=_("Mã giấy tờ, kết quả trong kho dữ liệu điện tử được dùng lại."),
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")

    def __str__(self) -> str:
        return self.original_name


class DossierEvent(models.Model):
    """One step of a dossier's history, appended by dossiers/lifecycle.py and never edited."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("thao tác"), max_length=50)
    from_status = models.CharField(_("từ trạng thái"), max_length=30, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=30)
    note = models.TextField(_("ghi chú"), blank=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    # Shown in the public lookup (no personal data in `note` of public events).
    is_public = models.BooleanField(_("công khai khi tra cứu"), default=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("diễn biến hồ sơ")
        verbose_name_plural = _("diễn biến hồ sơ")

    def __str__(self) -> str:
        return f"{self.dossier} {self.action} {self.occurred_at:%Y-%m-%d %H:%M}"


class SubmissionKey(models.Model):
    """An `Idempotency-Key` of a submission: the same key and body give the same dossier."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    body_sha256 = models.CharField(max_length=64)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="submission_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
