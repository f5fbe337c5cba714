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


class ReturnMethod(models.TextChoices):
    COUNTER = "counter", _("Tại bộ phận một cửa")
    POST = "post", _("Qua dịch vụ bưu chính công ích")
    ELECTRONIC = "electronic", _("Trực tuyến (bản điện tử)")


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
    # --- Back office (dossiers/backoffice.py keeps these; lifecycle.py writes them) ---
    process_definition = models.ForeignKey(
        "catalog.ProcessDefinition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("quy trình nội bộ"),
    )
    current_step = models.ForeignKey(
        "catalog.ProcessStep",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bước hiện tại"),
    )
    # Who holds the dossier now: a unit and the role expected to act there, and the person when
    # one is assigned (None: waiting in the unit for its head to assign, or for that role).
    current_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị đang giữ"),
    )
    current_role = models.CharField(_("vai trò đang giữ"), max_length=32, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_dossiers",
        verbose_name=_("cán bộ đang xử lý"),
    )
    step_started_at = models.DateTimeField(_("bắt đầu bước lúc"), null=True, blank=True)
    step_due_at = models.DateTimeField(_("hạn của bước"), null=True, blank=True)
    # The clock stops while the applicant supplements or pays (status 5, 6): when it stopped.
    paused_at = models.DateTimeField(_("dừng đồng hồ lúc"), null=True, blank=True)
    # What a dossier in processing waits for besides a person: "transfer" (another agency).
    waiting_on = models.CharField(_("đang chờ"), max_length=20, blank=True)
    # Form 04's new appointment; `appointment_at` stays the legal due date for statistics.
    rescheduled_appointment_at = models.DateTimeField(
        _("ngày hẹn trả mới (xin lỗi)"), null=True, blank=True
    )
    apology_requested_at = models.DateTimeField(
        _("đã nhắc lập phiếu xin lỗi lúc"), null=True, blank=True
    )
    result_summary = models.CharField(_("kết quả giải quyết"), max_length=500, blank=True)
    return_method = models.CharField(
        _("hình thức trả kết quả"), max_length=12, choices=ReturnMethod.choices, blank=True
    )
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
            models.Index(
                fields=["assignee", "step_due_at"],
                condition=Q(assignee__isnull=False),
                name="dossier_inbox_assignee",
            ),
            models.Index(
                fields=["current_unit", "current_role", "step_due_at"],
                condition=Q(assignee__isnull=True, current_unit__isnull=False),
                name="dossier_inbox_unit",
            ),
            models.Index(fields=["agency", "submitted_at"], name="dossier_agency_submitted"),
            # Statistics (reports/selectors.py): a period's handled dossiers of an agency.
            models.Index(
                fields=["agency", "finished_at"],
                include=[
                    "id",
                    "submitted_at",
                    "received_at",
                    "appointment_at",
                    "status",
                    "channel",
                    "procedure_version",
                ],
                name="dossier_agency_finished",
            ),
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

    @property
    def promised_at(self):
        """The date the applicant was last promised: form 04's new date, else the appointment."""
        return self.rescheduled_appointment_at or self.appointment_at


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


class AttachmentKind(models.TextChoices):
    DOCUMENT = "document", _("Thành phần hồ sơ")
    RESULT = "result", _("Kết quả giải quyết")
    INSPECTION = "inspection", _("Biên bản kiểm tra, ý kiến")


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
    kind = models.CharField(
        _("loại tệp hồ sơ"), max_length=12, choices=AttachmentKind.choices, default="document"
    )
    # The supplement round this file answered (None: part of the first submission).
    supplement_request = models.ForeignKey(
        "SupplementRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("lần bổ sung"),
    )
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
        indexes = [
            models.Index(
                fields=["dossier", "occurred_at", "id"],
                include=["to_status"],
                name="dossier_event_history",
            )
        ]

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


# --- Back office: hand-offs, supplements, consultations, apologies, obligations, ratings ------


class Outcome(models.TextChoices):
    """A deadline's outcome, compared by date as SPEC §4 says."""

    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Handling(models.Model):
    """One line of the process control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ): a
    unit (and person) held the dossier at a step from `started_at`, with `due_at`, until it was
    handed on at `completed_at`, on time or late. Reception is a line without a step."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="handlings")
    step = models.ForeignKey(
        "catalog.ProcessStep",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bước"),
    )
    unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    role = models.CharField(_("vai trò"), max_length=32, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người xử lý"),
    )
    started_at = models.DateTimeField(_("nhận lúc"))
    due_at = models.DateTimeField(_("hạn xử lý"), null=True, blank=True)
    completed_at = models.DateTimeField(_("chuyển đi lúc"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người chuyển"),
    )
    completed_action = models.CharField(_("thao tác kết thúc"), max_length=50, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("dòng phiếu kiểm soát")
        verbose_name_plural = _("phiếu kiểm soát quá trình giải quyết")
        indexes = [
            models.Index(
                fields=["unit", "completed_at"],
                include=["started_at", "due_at"],
                name="handling_unit_completed",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(completed_at__isnull=True),
                name="handling_one_open_per_dossier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} – {self.unit_id} {self.started_at:%Y-%m-%d %H:%M}"


class SupplementRequest(models.Model):
    """Form 02 (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ): what is missing or wrong and why.
    At reception the clock has not started; in processing it stops until the applicant answers,
    and the appointment moves by the waiting time (`due_before` -> `due_after`)."""

    class Stage(models.TextChoices):
        RECEPTION = "reception", _("Khi tiếp nhận")
        PROCESSING = "processing", _("Trong quá trình giải quyết")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="supplement_requests"
    )
    number = models.PositiveSmallIntegerField(_("lần yêu cầu"))
    stage = models.CharField(_("giai đoạn"), max_length=12, choices=Stage.choices)
    # [{"document_id": int | None, "name": str, "reason": str}, ...]
    items = models.JSONField(_("giấy tờ cần bổ sung"), default=list)
    note = models.TextField(_("hướng dẫn thêm"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    step = models.ForeignKey(
        "catalog.ProcessStep", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("bổ sung lúc"), null=True, blank=True)
    answer_note = models.TextField(_("ghi chú của người nộp"), blank=True)
    due_before = models.DateTimeField(_("hạn trước khi bổ sung"), null=True, blank=True)
    due_after = models.DateTimeField(_("hạn sau khi bổ sung"), null=True, blank=True)

    class Meta:
        ordering = ["dossier", "number"]
        verbose_name = _("yêu cầu bổ sung hồ sơ")
        verbose_name_plural = _("yêu cầu bổ sung hồ sơ")
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "number"], name="supplement_request_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} #{self.number}"


class Consultation(models.Model):
    """A request for another unit's (or agency's) opinion, with its own deadline; the dossier
    stays at its step while it is open."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="consultations")
    step = models.ForeignKey(
        "catalog.ProcessStep", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("đơn vị được xin ý kiến"),
    )
    question = models.TextField(_("nội dung xin ý kiến"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("gửi lúc"))
    due_at = models.DateTimeField(_("hạn trả lời"))
    answer = models.TextField(_("ý kiến trả lời"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("xin ý kiến")
        verbose_name_plural = _("xin ý kiến")
        indexes = [
            models.Index(
                fields=["to_unit", "due_at"],
                condition=Q(answered_at__isnull=True),
                name="consultation_open_by_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} → {self.to_unit_id}"


class ApologyLetter(models.Model):
    """Form 04 (phiếu xin lỗi và hẹn lại ngày trả kết quả): at most one per dossier."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="apology")
    reason = models.TextField(_("lý do chậm"))
    previous_appointment_at = models.DateTimeField(_("ngày hẹn cũ"))
    new_appointment_at = models.DateTimeField(_("ngày hẹn mới"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("lập lúc"))

    class Meta:
        verbose_name = _("phiếu xin lỗi và hẹn lại")
        verbose_name_plural = _("phiếu xin lỗi và hẹn lại")

    def __str__(self) -> str:
        return f"{self.dossier} – {self.new_appointment_at:%d/%m/%Y}"


class FinancialObligation(models.Model):
    """A financial obligation notice (thông báo nghĩa vụ tài chính), from the tax authority
    through an inter-agency transfer or entered by an officer; the dossier waits in status 6
    until it is paid."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="financial_obligations"
    )
    issuer = models.CharField(_("cơ quan thông báo"), max_length=255)
    notice_number = models.CharField(_("số thông báo"), max_length=100, blank=True)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    # [{"name": str, "amount": int}, ...]
    items = models.JSONField(_("khoản phải nộp"), default=list, blank=True)
    external_ref = models.CharField(_("mã tham chiếu"), max_length=100, blank=True)
    issued_at = models.DateTimeField(_("thông báo lúc"))
    paid_at = models.DateTimeField(_("nộp xong lúc"), null=True, blank=True)
    payment_ref = models.CharField(_("chứng từ nộp"), max_length=100, blank=True)
    payment_url = models.URLField(_("trang nộp tiền trực tuyến"), max_length=500, blank=True)

    class Meta:
        ordering = ["issued_at", "pk"]
        verbose_name = _("nghĩa vụ tài chính")
        verbose_name_plural = _("nghĩa vụ tài chính")

    def __str__(self) -> str:
        return f"{self.dossier} {self.amount:,} đ"


class Rating(models.Model):
    """The applicant's satisfaction with a returned dossier, 1-5, once."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("mức độ hài lòng"))
    comment = models.TextField(_("góp ý"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rated_at = models.DateTimeField(_("đánh giá lúc"))

    class Meta:
        verbose_name = _("đánh giá mức độ hài lòng")
        verbose_name_plural = _("đánh giá mức độ hài lòng")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="rating_score_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.score}/5"


from motcua.dossiers.models_store import *  # noqa: E402,F403
