"""Background delivery of notifications, on the "notifications" queue, and its periodic jobs."""

from datetime import timedelta

from django.tasks import task

from motcua.core.scheduler import periodic
from motcua.notifications import services


@task(queue_name="notifications")
def notifications_deliver() -> int:
    """Deliver the due messages in batches (notify() enqueues this once per transaction;
    retries enqueue it for later); returns how many were tried."""
    return services.notifications_send_due()


@periodic(every=timedelta(minutes=1))
@task(queue_name="notifications")
def notifications_recover_stalled() -> int:
    """Send again the messages a dead worker left "sending" (and any due message whose
    delivery task was lost); returns how many were recovered."""
    return len(services.notification_recover_stalled())


# Slots are aligned to midnight UTC: 07:00 in Việt Nam, before the working day starts.
@periodic(every=timedelta(days=1))
@task(queue_name="notifications")
def notifications_staff_digest() -> int:
    """Each officer's daily digest of overdue and soon-due dossiers; returns how many."""
    return services.staff_digest_send()
