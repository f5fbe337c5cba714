"""Payments of a dossier's fees (online through a gateway, or cash at the counter) and the log
of every callback a gateway sent, accepted or refused."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.core.models import VersionedModel

# VNPay's vnp_TxnRef is at most 100 characters; 34 fits every gateway we know of.
ORDER_REF_MAX = 34


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    CANCELLED = "cancelled", _("Đã hủy")
    EXPIRED = "expired", _("Hết hạn")


CASH = "cash"


class Payment(VersionedModel):
    """One attempt to pay a dossier's fees. `items` copies the fees as they were when the
    attempt began ([{fee_id, name, amount}]) so a later change of the catalogue never changes
    what was asked; `amount` is their sum in VND. Only a verified gateway answer (or an officer
    recording cash) moves it out of "pending", once."""

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("hồ sơ"),
    )
    gateway = models.CharField(_("cổng thanh toán"), max_length=20)
    order_ref = models.CharField(
        _("mã giao dịch của Motcua"), max_length=ORDER_REF_MAX, unique=True
    )
    items = models.JSONField(_("các khoản phí, lệ phí"), default=list)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    currency = models.CharField(_("loại tiền"), max_length=3, default="VND")
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người thanh toán"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ thu tiền"),
    )
    transaction_ref = models.CharField(_("mã giao dịch của ngân hàng"), max_length=100, blank=True)
    bank_code = models.CharField(_("ngân hàng"), max_length=30, blank=True)
    response_code = models.CharField(_("mã kết quả"), max_length=10, blank=True)
    receipt_no = models.CharField(_("số biên lai"), max_length=50, blank=True)
    receipt_url = models.URLField(_("biên lai điện tử của cổng"), max_length=500, blank=True)
    # Where the applicant is sent to pay; kept so that pressing "pay" again while the attempt
    # is still open resumes it instead of opening a second one.
    checkout_url = models.TextField(_("địa chỉ trang thanh toán"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    # Money taken although the dossier was already paid by another attempt: refund it.
    needs_refund = models.BooleanField(_("cần hoàn tiền"), default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thanh toán")
        verbose_name_plural = _("thanh toán")
        indexes = [
            models.Index(fields=["dossier", "status"], name="payment_dossier_status"),
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="payment_pending_created",
            ),
        ]

    def __str__(self) -> str:
        return self.order_ref

    @property
    def is_cash(self) -> bool:
        return self.gateway == CASH


class CallbackSource(models.TextChoices):
    IPN = "ipn", _("Thông báo từ cổng (IPN)")
    RETURN = "return", _("Trình duyệt quay về")
    QUERY = "query", _("Đối soát (truy vấn cổng)")


class CallbackOutcome(models.TextChoices):
    APPLIED = "applied", _("Đã ghi nhận")
    ALREADY = "already", _("Đã ghi nhận trước đó")
    REFUSED = "refused", _("Từ chối")


class PaymentCallback(models.Model):
    """Every answer a gateway sent about a payment (server-to-server notification, browser
    return, or the answer to our query), kept with its raw parameters, whether its signature
    held, what was done with it and why: forged, replayed and mismatched ones included."""

    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("thanh toán"),
    )
    gateway = models.CharField(_("cổng thanh toán"), max_length=20)
    source = models.CharField(_("nguồn"), max_length=10, choices=CallbackSource.choices)
    order_ref = models.CharField(_("mã giao dịch nêu trong thông báo"), max_length=100, blank=True)
    params = models.JSONField(_("tham số nhận được"), default=dict)
    verified = models.BooleanField(_("chữ ký hợp lệ"), default=False)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=CallbackOutcome.choices)
    answer_code = models.CharField(_("mã trả lời cổng"), max_length=4)
    reason = models.CharField(_("lý do"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("thông báo của cổng thanh toán")
        verbose_name_plural = _("thông báo của cổng thanh toán")

    def __str__(self) -> str:
        return f"{self.gateway} {self.order_ref} {self.outcome}"
