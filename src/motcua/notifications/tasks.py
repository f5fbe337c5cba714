"""Background delivery of notifications, on the "notifications" queue."""

from django.tasks import task

from motcua.notifications import services


@task(queue_name="notifications")
def notification_deliver(notification_id: int) -> str:
    """Deliver one notification (retries enqueue this task again, later); returns its status."""
    notification = services.notification_send(notification_id=notification_id)
    return notification.status if notification is not None else "missing"
