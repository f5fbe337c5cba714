"""Demo payments: the demo dossiers that go past reception were paid online when submitted, as
the one-stop desk requires; dossiers left new stay unpaid, to be paid through the sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from motcua.catalog.models import Channel
from motcua.core.audit import audit_record
from motcua.dossiers.models import Dossier
from motcua.payments.models import Payment, PaymentStatus
from motcua.payments.services import dossier_fee_items, dossier_is_paid, new_order_ref


def demo_payment(*, dossier: Dossier, at: datetime) -> Payment | None:
    """Record the online payment of a demo dossier's fees a few minutes after `at` (its
    submission); None when it is not online, owes nothing or is paid already."""
    items = dossier_fee_items(dossier=dossier)
    if dossier.channel != Channel.ONLINE or not items or dossier_is_paid(dossier=dossier):
        return None
    paid_at = at + timedelta(minutes=3)
    with transaction.atomic():
        payment = Payment.objects.create(
            dossier=dossier,
            gateway="vnpay",
            order_ref=new_order_ref(at),
            items=items,
            amount=sum(item["amount"] for item in items),
            status=PaymentStatus.PAID,
            payer=dossier.owner,
            transaction_ref=f"DEMO{dossier.pk:08d}",
            bank_code="NCB",
            response_code="00",
            created_at=at,
            expires_at=at + timedelta(minutes=15),
            paid_at=paid_at,
        )
        audit_record(
            actor=None,
            action="payment.demo",
            obj=payment,
            changes={"dossier": dossier.code, "amount": payment.amount},
            occurred_at=paid_at,
        )
    return payment
