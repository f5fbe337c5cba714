"""The personal electronic data store (kho dữ liệu điện tử, SPEC §6): a person's or organisation's
results, certified e-copies and accepted uploads, and the time-limited links they share them by.

Imported at the bottom of dossiers/models.py, so that the app's models stay in one app (the
architecture fixes the apps); files are referenced, never copied, when they already exist as an
attachment or a result, and a stored document is never deleted, only hidden (`deleted_at`)."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["StoreShareLink", "StoredDocument", "StoredKind", "stored_document_path"]

# Attachment.reused_from of a file taken from the store: "store:<StoredDocument id>".
REUSED_PREFIX = "store:"


def share_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class StoredKind(models.TextChoices):
    RESULT = "result", _("Kết quả giải quyết")
    CERTIFIED_COPY = "certified_copy", _("Bản sao điện tử có chứng thực")
    UPLOAD = "upload", _("Giấy tờ đã nộp")


def stored_document_path(instance: StoredDocument, filename: str) -> str:
    # A random name in private storage: served only through the owner's and the share views.
    return f"private/store/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class StoredDocument(models.Model):
    """One document of an owner's data store. A result (`result_id`: the results app's Result,
    kept as a number so that the apps do not depend on each other's tables) and a certified copy
    are the agency's record: only an upload may be deleted by its owner."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="stored_documents",
        verbose_name=_("chủ kho dữ liệu"),
    )
    kind = models.CharField(_("loại"), max_length=16, choices=StoredKind.choices)
    document_type = models.CharField(_("loại giấy tờ"), max_length=500, blank=True)
    # core.text.search_key of `document_type`: what the submission page matches documents on.
    document_type_key = models.CharField(max_length=500, blank=True, editable=False)
    title = models.CharField(_("tên giấy tờ"), max_length=500)
    issuer = models.CharField(_("cơ quan cấp"), max_length=255, blank=True)
    issued_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    valid_until = models.DateField(_("có giá trị đến"), null=True, blank=True)
    file = models.FileField(_("tệp"), upload_to=stored_document_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    source_dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hồ sơ nguồn"),
    )
    source_attachment = models.ForeignKey(
        "dossiers.Attachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stored_copies",
        verbose_name=_("tệp nguồn"),
    )
    result_id = models.PositiveBigIntegerField(_("mã kết quả giải quyết"), null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ chứng thực"),
    )
    certified_at = models.DateTimeField(_("chứng thực lúc"), null=True, blank=True)
    # The signing certificate of a certified copy: subject, issuer, serial, fingerprint, level.
    certificate = models.JSONField(_("chứng thư ký số"), default=dict, blank=True)
    created_at = models.DateTimeField(_("đưa vào kho lúc"), default=timezone.now)
    deleted_at = models.DateTimeField(_("xóa lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("giấy tờ trong kho dữ liệu")
        verbose_name_plural = _("kho dữ liệu điện tử")
        indexes = [
            models.Index(
                fields=["owner", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="stored_document_owner_recent",
            )
        ]
        constraints = [
            # The same content is kept once per owner (a second upload of it is the same paper).
            models.UniqueConstraint(
                fields=["owner", "sha256"],
                condition=Q(deleted_at__isnull=True),
                name="stored_document_content_once",
            ),
            models.UniqueConstraint(
                fields=["result_id"],
                condition=Q(result_id__isnull=False),
                name="stored_document_result_once",
            ),
            models.UniqueConstraint(
                fields=["source_attachment"],
                condition=Q(kind="certified_copy"),
                name="stored_document_certified_once",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(kind="upload"),
                name="stored_document_only_uploads_deleted",
            ),
            models.CheckConstraint(
                condition=~Q(kind="certified_copy") | Q(certified_at__isnull=False),
                name="stored_document_certified_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def deletable(self) -> bool:
        return self.kind == StoredKind.UPLOAD and self.deleted_at is None

    def is_valid_on(self, day) -> bool:
        return self.valid_until is None or self.valid_until >= day


class StoreShareLink(models.Model):
    """A time-limited, revocable link to download one stored document. Only the SHA-256 of its
    token is kept: the link is shown once, when made."""

    document = models.ForeignKey(
        StoredDocument,
        on_delete=models.CASCADE,
        related_name="share_links",
        verbose_name=_("giấy tờ"),
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người chia sẻ"),
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    download_count = models.PositiveIntegerField(_("số lượt tải"), default=0)
    last_downloaded_at = models.DateTimeField(_("tải lần cuối"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("liên kết chia sẻ giấy tờ")
        verbose_name_plural = _("liên kết chia sẻ giấy tờ")

    def __str__(self) -> str:
        return f"{self.document_id} → {self.expires_at:%d/%m/%Y %H:%M}"

    def is_active_at(self, moment) -> bool:
        return self.revoked_at is None and self.expires_at > moment
