"""Background work of payments: the periodic reconciliation of payments left pending."""

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from motcua.core.scheduler import periodic
from motcua.payments import services


@periodic(every=timedelta(minutes=settings.PAYMENT_RECONCILE_EVERY_MINUTES))
@task(queue_name="integrations")
def payments_reconcile() -> int:
    """Ask the gateways about payments left pending; returns how many changed."""
    return services.payments_reconcile().changed
