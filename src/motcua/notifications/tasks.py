"""Background delivery of notifications, on the "notifications" queue, and its periodic jobs."""

from datetime import timedelta

from django.tasks import task

from motcua.core.scheduler import periodic
from motcua.notifications import services


@task(queue_name="notifications")
def notification_deliver(notification_id: int) -> str:
    """Deliver one notification (retries enqueue this task again, later); returns its status."""
    notification = services.notification_send(notification_id=notification_id)
    return notification.status if notification is not None else "missing"


@periodic(every=timedelta(minutes=1))
@task(queue_name="notifications")
def notifications_recover_stalled() -> int:
    """Send again the messages a dead worker left "sending"; returns how many."""
    return len(services.notification_recover_stalled())
