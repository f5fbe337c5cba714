"""Reads of payments, already limited to what the asking user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.accounts.selectors import is_staff_user
from motcua.catalog.models import Channel
from motcua.core.errors import NotFound
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossier_list_visible_to
from motcua.payments.models import Payment, PaymentStatus
from motcua.payments.services import PAYABLE, dossier_fee_items


def payment_list_for(*, dossier: Dossier) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(dossier=dossier)
        .select_related("recorded_by")
        .order_by("-created_at", "-pk")
    )


@dataclass
class PaymentSummary:
    """Where a dossier stands with its fees: what it owes, its payments, and a state
    ("paid", "pending", "failed", "unpaid"; "none" when there is nothing to pay online)."""

    dossier: Dossier
    items: list[dict[str, Any]]
    payments: list[Payment] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return sum(item["amount"] for item in self.items)

    @property
    def paid(self) -> Payment | None:
        return next((p for p in self.payments if p.status == PaymentStatus.PAID), None)

    @property
    def pending(self) -> Payment | None:
        return next((p for p in self.payments if p.status == PaymentStatus.PENDING), None)

    @property
    def state(self) -> str:
        if self.paid is not None:
            return "paid"
        if not self.items:
            return "none"
        if self.pending is not None:
            return "pending"
        if self.payments:
            return "failed"
        return "unpaid"

    @property
    def stage(self) -> str:
        return self.dossier.procedure_version.payment_stage

    @property
    def can_pay_online(self) -> bool:
        return (
            self.state in ("unpaid", "failed", "pending")
            and self.dossier.status in PAYABLE
            and self.dossier.channel == Channel.ONLINE
        )


def dossier_payment_summary(*, dossier: Dossier) -> PaymentSummary:
    return PaymentSummary(
        dossier=dossier,
        items=dossier_fee_items(dossier=dossier),
        payments=list(payment_list_for(dossier=dossier)),
    )


def payment_get_visible_to(*, user, order_ref: str) -> Payment:
    """The payment with this reference, for the dossier's owner or staff who may see the
    dossier; NotFound for anyone else (as for a reference that does not exist)."""
    payment = None
    if user is not None and user.is_authenticated and order_ref:
        payment = (
            Payment.objects.filter(order_ref=str(order_ref)[:40])
            .select_related(
                "dossier__procedure_version__procedure",
                "dossier__agency__parent",
                "dossier__agency__province",
                "recorded_by",
            )
            .first()
        )
        if payment is not None and payment.dossier.owner_id != user.pk:
            visible = (
                is_staff_user(user)
                and dossier_list_visible_to(user=user).filter(pk=payment.dossier_id).exists()
            )
            if not visible:
                payment = None
    if payment is None:
        raise NotFound(_("Không tìm thấy giao dịch thanh toán này."), field="order_ref")
    return payment
