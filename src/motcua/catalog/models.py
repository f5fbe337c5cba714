"""The procedure catalogue: fields of law, procedures and their immutable published versions.

A `Procedure` is the stable identity (its national code); everything a person reads about it
lives on a `ProcedureVersion`. A version is edited while it is a draft; once published it never
changes (a dossier keeps the version it was submitted under), and a change is a new version made
with `procedure_revise` then `procedure_publish` (catalog/services.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motcua.core.calendar import DurationUnit


def localized(vietnamese: str, english: str) -> str:
    """The English text when the page is in English and one exists; Vietnamese otherwise."""
    language = (get_language() or "vi").split("-")[0]
    return english if language == "en" and english else vietnamese


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    COUNTER = "counter", _("Trực tiếp tại bộ phận một cửa")
    POST = "post", _("Qua dịch vụ bưu chính công ích")


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    ORGANISATION = "organisation", _("Tổ chức, doanh nghiệp")


class AgencyLevel(models.TextChoices):
    CENTRAL = "central", _("Cấp bộ")
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class OnlineScope(models.TextChoices):
    """Decree 42/2022: toàn trình (everything online) or một phần (partly online)."""

    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Chưa cung cấp trực tuyến")

    @classmethod
    def for_service_level(cls, level: int) -> OnlineScope:
        """Decree 43/2011's level 4 is what Decree 42/2022 calls toàn trình; level 3 (submit
        online, pay and collect in person) is một phần; levels 1-2 only inform."""
        if level >= 4:
            return cls.FULL
        if level == 3:
            return cls.PARTIAL
        return cls.NONE


class Field(models.Model):
    """A field of law (lĩnh vực): đất đai, môi trường, tài nguyên nước, khoáng sản..."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=150)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=150, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)


class PaymentStage(models.TextChoices):
    """When the applicant pays the fees (the procedure says so): with the dossier, before it is
    received, or before the result is returned."""

    SUBMISSION = "submission", _("Khi nộp hồ sơ")
    RESULT = "result", _("Trước khi nhận kết quả")


class Procedure(models.Model):
    """An administrative procedure's stable identity. `current_version`, `search_document` and
    `search_name` are kept by `procedure_publish` so that listing and search read one table."""

    code = models.CharField(
        _("mã thủ tục"),
        max_length=32,
        unique=True,
        help_text=_("Mã trên Cơ sở dữ liệu quốc gia về thủ tục hành chính, ví dụ 1.012756."),
    )
    field = models.ForeignKey(
        Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("lĩnh vực")
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    current_version = models.OneToOneField(
        "ProcedureVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("phiên bản đang áp dụng"),
    )
    # Diacritic-free, lower-case text of the current version (code, names vi+en, field names,
    # agency code): every search token must occur in it.
    search_document = models.TextField(editable=False, default="")
    # The current Vietnamese and English names as search keys, to rank name-prefix matches first.
    search_name = models.CharField(max_length=600, editable=False, default="")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def __str__(self) -> str:
        return self.code


class ProcedureVersion(models.Model):
    """All the content of a procedure at one point in time; immutable once published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        PUBLISHED = "published", _("Đang áp dụng")
        RETIRED = "retired", _("Hết hiệu lực")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="versions", verbose_name=_("thủ tục")
    )
    number = models.PositiveIntegerField(_("phiên bản số"))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True, editable=False)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=500, blank=True)
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="procedure_versions",
        verbose_name=_("cơ quan thực hiện"),
    )
    agency_level = models.CharField(
        _("cấp thực hiện"), max_length=10, choices=AgencyLevel.choices, default=AgencyLevel.PROVINCE
    )
    service_level = models.PositiveSmallIntegerField(
        _("mức độ dịch vụ công (1–4)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    online_scope = models.CharField(
        _("dịch vụ công trực tuyến"),
        max_length=10,
        choices=OnlineScope.choices,
        blank=True,
        help_text=_("Để trống để suy ra từ mức độ: mức 4 là toàn trình, mức 3 là một phần."),
    )
    processing_time = models.DecimalField(
        _("thời hạn giải quyết"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Số ngày, chính xác đến nửa ngày (ví dụ 17 hoặc 0,5)."),
    )
    processing_time_unit = models.CharField(
        _("đơn vị thời hạn"),
        max_length=16,
        choices=DurationUnit.choices,
        default=DurationUnit.WORKING_DAYS,
    )
    processing_time_note = models.CharField(_("ghi chú về thời hạn"), max_length=500, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    result_type = models.CharField(_("kết quả thực hiện"), max_length=500, blank=True)
    channels = models.JSONField(_("cách thức nộp"), default=list, blank=True)
    applicant_kinds = models.JSONField(_("đối tượng thực hiện"), default=list, blank=True)
    conditions = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    steps = models.TextField(_("trình tự thực hiện"), blank=True)
    fee_note = models.TextField(_("ghi chú về phí, lệ phí"), blank=True)
    payment_stage = models.CharField(
        _("thời điểm nộp phí"),
        max_length=12,
        choices=PaymentStage.choices,
        default=PaymentStage.SUBMISSION,
        help_text=_("Người nộp trả phí, lệ phí khi nộp hồ sơ hay trước khi nhận kết quả."),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)

    class Meta:
        ordering = ["procedure__code", "-number"]
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="procedure_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="published"),
                name="procedure_one_published_version",
            ),
            models.CheckConstraint(
                condition=Q(service_level__gte=1) & Q(service_level__lte=4),
                name="procedure_version_service_level_1_4",
            ),
            models.CheckConstraint(
                condition=Q(processing_time__gte=0), name="procedure_version_time_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "agency"])]

    def __str__(self) -> str:
        return f"{self.procedure.code} – {self.name} (v{self.number})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)

    @property
    def effective_online_scope(self) -> str:
        return self.online_scope or OnlineScope.for_service_level(self.service_level)

    def get_effective_online_scope_display(self) -> str:
        return str(OnlineScope(self.effective_online_scope).label)

    @property
    def allows_online(self) -> bool:
        """Online submission needs the online channel and at least level 3 (một phần)."""
        return Channel.ONLINE in self.channels and self.service_level >= 3

    @property
    def channel_labels(self) -> list[str]:
        return [str(Channel(value).label) for value in self.channels if value in Channel.values]

    @property
    def applicant_kind_labels(self) -> list[str]:
        return [
            str(ApplicantKind(value).label)
            for value in self.applicant_kinds
            if value in ApplicantKind.values
        ]

    @property
    def processing_time_text(self) -> str:
        """ "17 ngày làm việc", "0,5 ngày làm việc": the legal time as people read it."""
        amount = self.processing_time.normalize()
        number = f"{amount:f}".replace(".", ",")
        return f"{number} {DurationUnit(self.processing_time_unit).label}"


class RequiredDocument(models.Model):
    """A document the applicant provides (thành phần hồ sơ), with its blank template if any."""

    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("phiên bản thủ tục"),
    )
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=500, blank=True)
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=1)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    is_required = models.BooleanField(_("bắt buộc"), default=True)
    reusable_from_data_store = models.BooleanField(
        _("được dùng lại từ kho dữ liệu"),
        default=False,
        help_text=_("Người nộp có thể chọn giấy tờ đã có trong kho dữ liệu điện tử của mình."),
    )
    template = models.FileField(
        _("mẫu đơn, tờ khai"), upload_to="catalog/templates/%Y/", blank=True
    )
    note = models.TextField(_("ghi chú"), blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)

    @property
    def template_filename(self) -> str:
        return self.template.name.rsplit("/", 1)[-1] if self.template else ""


class Fee(models.Model):
    """A charge or levy (phí, lệ phí). `amount` is in VND; None when a provincial resolution
    sets it case by case (the note says where). `quantity_field` names a form field whose
    number multiplies the amount (e.g. the number of certificates)."""

    version = models.ForeignKey(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="fees",
        verbose_name=_("phiên bản thủ tục"),
    )
    name = models.CharField(_("tên phí, lệ phí"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    amount = models.PositiveBigIntegerField(_("mức thu (đồng)"), null=True, blank=True)
    unit = models.CharField(_("đơn vị tính, trường hợp áp dụng"), max_length=300, blank=True)
    quantity_field = models.CharField(
        _("trường số lượng trong biểu mẫu"),
        max_length=64,
        blank=True,
        help_text=_("Tên một trường số của biểu mẫu; mức thu được nhân với giá trị của nó."),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)

    def amount_for(self, form_data: dict[str, Any] | None = None) -> int | None:
        """What this fee comes to for one dossier's form data; None when not a fixed amount."""
        if self.amount is None:
            return None
        quantity = 1
        if self.quantity_field and form_data:
            value = form_data.get(self.quantity_field)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                quantity = value
        return self.amount * quantity


class FormTemplate(models.Model):
    """The application form of a version: a JSON Schema (draft 2020-12, the subset described in
    catalog/forms.py) and UI hints ({"order": [...], "widgets": {name: "textarea"|"radio"}})."""

    version = models.OneToOneField(
        ProcedureVersion,
        on_delete=models.CASCADE,
        related_name="form_template",
        verbose_name=_("phiên bản thủ tục"),
    )
    schema = models.JSONField(_("lược đồ biểu mẫu (JSON Schema)"), default=dict)
    ui = models.JSONField(_("gợi ý hiển thị"), default=dict, blank=True)

    class Meta:
        verbose_name = _("biểu mẫu")
        verbose_name_plural = _("biểu mẫu")

    def __str__(self) -> str:
        return str(self.schema.get("title") or self.version)


# --- Internal processes (quy trình nội bộ) ------------------------------------------------------


class StepKind(models.TextChoices):
    """What a step is for; it decides the wording of its hand-off, not who may act."""

    HANDLE = "handle", _("Thụ lý, thẩm định")
    APPROVE = "approve", _("Xem xét, phê duyệt")
    SIGN = "sign", _("Ký duyệt kết quả")
    TRANSFER = "transfer", _("Liên thông cơ quan khác")


class StepAction(models.TextChoices):
    """The actions an administrator may allow at a step (the actions of GLOSSARY.md that act on
    a dossier in processing; assign, pause, stop and withdraw are allowed by role everywhere)."""

    FORWARD = "forward", _("Chuyển bước tiếp theo")
    RETURN_TO_STEP = "return_to_step", _("Trả lại bước trước")
    CONSULT = "consult", _("Xin ý kiến đơn vị, cơ quan khác")
    INSPECT = "inspect", _("Kiểm tra thực địa")
    REQUEST_SUPPLEMENT = "request_supplement", _("Yêu cầu bổ sung hồ sơ")
    TRANSFER = "transfer", _("Chuyển liên thông")
    FINISH = "finish", _("Hoàn thành, có kết quả")


class ProcessDefinition(models.Model):
    """A versioned internal process of a procedure: an ordered list of `ProcessStep`s. Edited
    while a draft, immutable once published; a dossier keeps the definition it was received
    under (catalog/process.py)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        PUBLISHED = "published", _("Đang áp dụng")
        RETIRED = "retired", _("Hết hiệu lực")

    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.CASCADE,
        related_name="process_definitions",
        verbose_name=_("thủ tục"),
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="process_definitions",
        verbose_name=_("cơ quan áp dụng"),
    )
    number = models.PositiveIntegerField(_("phiên bản số"))
    status = models.CharField(
        _("tình trạng"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    note = models.CharField(_("ghi chú thay đổi"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["procedure__code", "agency__code", "-number"]
        verbose_name = _("quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "agency", "number"], name="process_definition_number_unique"
            ),
            models.UniqueConstraint(
                fields=["procedure", "agency"],
                condition=Q(status="published"),
                name="process_definition_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} – {self.agency.code} (v{self.number})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class ProcessStep(models.Model):
    """One step of an internal process: who handles it (unit and role), its share of the legal
    time, and what may be done at it. `transfer_adapter` names the integrations adapter of a
    liên thông step ("tax", "motcua"), `transfer_agency` its target in this installation."""

    definition = models.ForeignKey(
        ProcessDefinition,
        on_delete=models.CASCADE,
        related_name="steps",
        verbose_name=_("quy trình"),
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    kind = models.CharField(
        _("loại bước"), max_length=16, choices=StepKind.choices, default=StepKind.HANDLE
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="process_steps",
        verbose_name=_("đơn vị thực hiện"),
    )
    role = models.CharField(_("vai trò thực hiện"), max_length=32)
    duration = models.DecimalField(
        _("thời gian"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("Số ngày làm việc, chính xác đến nửa ngày (một buổi = 0,5)."),
    )
    duration_unit = models.CharField(
        _("đơn vị thời gian"),
        max_length=16,
        choices=DurationUnit.choices,
        default=DurationUnit.WORKING_DAYS,
    )
    actions = models.JSONField(_("thao tác được phép"), default=list, blank=True)
    transfer_adapter = models.CharField(_("kênh liên thông"), max_length=32, blank=True)
    transfer_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cơ quan nhận liên thông"),
    )

    class Meta:
        ordering = ["definition", "position"]
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("bước xử lý")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "position"], name="process_step_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)

    def allows(self, action: str) -> bool:
        return action in self.actions
