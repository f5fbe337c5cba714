"""Inter-agency transfers (liên thông): one row per hand-off of a dossier to another agency."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InterAgencyTransfer(models.Model):
    """A dossier passed to another agency through an adapter (integrations/adapters.py): the
    tax authority, which answers with a financial obligation notice, or another agency of this
    installation, whose staff answer on /can-bo/lien-thong/.

    pending → sent (the other side holds it; `external_ref` is its reference) → answered (tax:
    the notice is applied, waiting for payment) → completed (the other agency's part is done).
    A send that keeps failing ends in `failed`, visible to staff, who may try again."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi, chờ trả lời")
        FAILED = "failed", _("Gửi không thành công")
        ANSWERED = "answered", _("Đã có thông báo, chờ nộp tiền")
        COMPLETED = "completed", _("Đã hoàn thành")

    OPEN = (Status.PENDING, Status.SENT, Status.FAILED, Status.ANSWERED)

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name=_("hồ sơ"),
    )
    step = models.ForeignKey(
        "catalog.ProcessStep",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bước xử lý"),
    )
    adapter = models.CharField(_("kênh liên thông"), max_length=32)
    target_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_transfers",
        verbose_name=_("cơ quan nhận"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    # Exactly what was (or will be) sent, built when the transfer started.
    payload = models.JSONField(_("dữ liệu gửi"), default=dict)
    external_ref = models.CharField(_("mã tham chiếu bên nhận"), max_length=100, blank=True)
    # Sent with each try, so that a send repeated after a timeout is stored once over there.
    idempotency_key = models.UUIDField(
        _("khóa chống gửi trùng"), default=uuid.uuid4, unique=True, editable=False
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người chuyển"),
    )
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    polled_at = models.DateTimeField(_("hỏi kết quả lần cuối"), null=True, blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    completed_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    # The answer of another agency of this installation (adapter "motcua").
    answer_note = models.TextField(_("nội dung trả lời"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người trả lời"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hồ sơ liên thông")
        verbose_name_plural = _("hồ sơ liên thông")
        indexes = [
            models.Index(fields=["external_ref"], name="transfer_external_ref"),
            models.Index(fields=["status", "polled_at"], name="transfer_status_polled"),
            models.Index(
                fields=["target_agency", "status"],
                condition=Q(target_agency__isnull=False),
                name="transfer_incoming",
            ),
        ]
        constraints = [
            # A dossier waits on one transfer at a time.
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status__in=["pending", "sent", "failed", "answered"]),
                name="transfer_one_open_per_dossier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} → {self.adapter} ({self.get_status_display()})"

    @property
    def adapter_label(self) -> str:
        from motcua.integrations.adapters import adapters

        adapter = adapters().get(self.adapter)
        return str(adapter.label) if adapter is not None else self.adapter


class NationalSyncMessage(models.Model):
    """One message to the national public-service portal (SPEC §9) about one dossier event:
    "create" for the first (submission, counter record), "update" for every later step.

    One per event (exactly once); a dossier's messages are sent oldest first. A network failure
    leaves it pending, tried again with back-off; a refusal (4xx) leaves it failed with the
    portal's answer, for an operator to look at and send again from the admin."""

    class Kind(models.TextChoices):
        CREATE = "create", _("Tạo mới")
        UPDATE = "update", _("Cập nhật tiến độ")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Bị từ chối")

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.CASCADE,
        related_name="national_messages",
        verbose_name=_("hồ sơ"),
    )
    event = models.OneToOneField(
        "dossiers.DossierEvent",
        on_delete=models.CASCADE,
        related_name="national_message",
        verbose_name=_("sự kiện"),
    )
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    # Exactly what is sent, built in the transaction of the event.
    payload = models.JSONField(_("dữ liệu gửi"), default=dict)
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    # When the periodic job may try a pending message again (back-off after a network failure).
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    # Sent with each try, so that a send repeated after a timeout is stored once by the portal.
    idempotency_key = models.UUIDField(
        _("khóa chống gửi trùng"), default=uuid.uuid4, unique=True, editable=False
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("đồng bộ Cổng DVC quốc gia")
        verbose_name_plural = _("đồng bộ Cổng DVC quốc gia")
        indexes = [models.Index(fields=["status", "created_at"], name="national_sync_status")]

    def __str__(self) -> str:
        return f"{self.dossier} – {self.get_kind_display()} ({self.get_status_display()})"
