"""Results (kết quả giải quyết): the signed PDF issued for a dossier, its number, signer and
certificate, and its public verification token. A stored result never changes: a correction is
a new result that replaces it; a result can be revoked with a reason."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ResultKind(models.TextChoices):
    PERMIT = "permit", _("Giấy phép")
    CERTIFICATE = "certificate", _("Giấy chứng nhận")
    DECISION = "decision", _("Quyết định")
    NOTICE = "notice", _("Thông báo")


class ResultStatus(models.TextChoices):
    VALID = "valid", _("Có hiệu lực")
    REPLACED = "replaced", _("Đã được thay thế")
    REVOKED = "revoked", _("Đã bị thu hồi")


def verify_token_new() -> str:
    """32 URL-safe characters from 24 random bytes: the QR code's key, never guessable."""
    return secrets.token_urlsafe(24)


def result_path(instance: Result, filename: str) -> str:
    # Private storage, a random name: nothing is served except through the download view.
    return f"private/results/{instance.issued_at:%Y/%m}/{uuid.uuid4().hex}.pdf"


# Only these columns may change once a result is stored (its status and why).
MUTABLE_FIELDS = frozenset({"status", "replaced_at", "revoked_at", "revoked_reason"})


class ImmutableResult(Exception):
    """A write that would change a stored result's content, number, file or hash."""


class ResultQuerySet(models.QuerySet):
    def update(self, **kwargs):
        frozen = set(kwargs) - MUTABLE_FIELDS
        if frozen:
            raise ImmutableResult(f"Result fields cannot change once issued: {sorted(frozen)}")
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableResult("Results are the agency's record and are never deleted.")


class Result(models.Model):
    """One signed result. `sha256` is the hash of the signed file as stored; `verify_token` is
    the key of its public verification page (/verify/<token>), printed as a QR code."""

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name=_("hồ sơ"),
    )
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name=_("cơ quan ban hành"),
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    sequence = models.PositiveIntegerField(_("số thứ tự trong năm"))
    number = models.CharField(_("số"), max_length=60)
    kind = models.CharField(_("loại kết quả"), max_length=12, choices=ResultKind.choices)
    title = models.CharField(_("tên kết quả"), max_length=500)
    summary = models.CharField(_("nội dung tóm tắt"), max_length=500, blank=True)
    holder_name = models.CharField(_("người được cấp"), max_length=255)
    issued_at = models.DateTimeField(_("ngày ban hành"))
    # SET_NULL: the signer's name and title stay on the result and in the signed file.
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người ký"),
    )
    signer_name = models.CharField(_("họ tên người ký"), max_length=255)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=255)
    certificate_subject = models.CharField(_("chủ thể chứng thư"), max_length=500)
    certificate_issuer = models.CharField(_("tổ chức cấp chứng thư"), max_length=500)
    certificate_serial = models.CharField(_("số hiệu chứng thư"), max_length=80)
    certificate_fingerprint = models.CharField(_("dấu vân tay chứng thư (SHA-256)"), max_length=64)
    signature_level = models.CharField(_("mức chữ ký"), max_length=20)
    signed_at = models.DateTimeField(_("ký lúc"))
    file = models.FileField(_("tệp đã ký"), upload_to=result_path, max_length=255)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    verify_token = models.CharField(
        _("mã xác minh"), max_length=64, unique=True, default=verify_token_new, editable=False
    )
    status = models.CharField(
        _("tình trạng"), max_length=10, choices=ResultStatus.choices, default=ResultStatus.VALID
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacement",
        verbose_name=_("thay thế kết quả"),
    )
    replacement_reason = models.CharField(_("lý do cấp lại"), max_length=1000, blank=True)
    replaced_at = models.DateTimeField(_("bị thay thế lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_reason = models.CharField(_("lý do thu hồi"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("lưu lúc"), auto_now_add=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("kết quả giải quyết")
        verbose_name_plural = _("kết quả giải quyết")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "sequence"], name="result_number_unique_in_year"
            ),
            models.CheckConstraint(
                condition=Q(status="revoked") | Q(revoked_at__isnull=True),
                name="result_revoked_has_status",
            ),
        ]
        indexes = [models.Index(fields=["dossier", "-issued_at"], name="result_dossier_recent")]

    def __str__(self) -> str:
        return f"{self.number} – {self.title}"

    def save(self, *args, **kwargs):
        # A stored result is written again only to change its status; anything else would
        # make the stored hash and the public verification page lie.
        if self.pk is not None and not kwargs.get("force_insert"):
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - MUTABLE_FIELDS:
                raise ImmutableResult("A stored result changes only its status (update_fields).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableResult("Results are the agency's record and are never deleted.")


class ResultNumberSequence(models.Model):
    """The last result number of an agency in a year (numbers restart each 1 January)."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="result_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year} {self.last_number}"
