"""Background work of inter-agency transfers, on the "integrations" queue: sending, and the
periodic poll for answers."""

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from motcua.core.scheduler import periodic
from motcua.integrations import services


@task(queue_name="integrations")
def transfer_send(transfer_id: int) -> str:
    """Send one transfer (a retry enqueues this task again, later); returns its status."""
    transfer = services.transfer_deliver(transfer_id=transfer_id)
    return transfer.status if transfer is not None else "missing"


@periodic(every=timedelta(seconds=settings.INTEGRATION_POLL_SECONDS))
@task(queue_name="integrations")
def transfers_poll() -> int:
    """Ask counterparts for the answers of sent transfers; returns how many were asked."""
    return services.transfers_poll_due()


@task(queue_name="integrations")
def national_sync_send(message_id: int) -> str:
    """Send the national portal messages of one dossier, oldest first; returns the status of
    `message_id`'s message."""
    from motcua.integrations.national import national_sync_deliver

    message = national_sync_deliver(message_id=message_id)
    return message.status if message is not None else "missing"


@periodic(every=timedelta(seconds=settings.INTEGRATION_POLL_SECONDS))
@task(queue_name="integrations")
def national_sync_retry() -> int:
    """Try again the national portal messages whose back-off is over; returns how many."""
    from motcua.integrations.national import national_sync_retry_due

    return national_sync_retry_due()
