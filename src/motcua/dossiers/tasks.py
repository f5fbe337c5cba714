"""Background jobs of dossiers: the hourly clean-up of abandoned uploads."""

from datetime import timedelta

from django.tasks import task

from motcua.core.scheduler import periodic
from motcua.dossiers.services import attachment_orphans_delete


@periodic(every=timedelta(hours=1))
@task()
def attachment_orphans_clean() -> int:
    """Delete uploads never attached to a dossier after 24 hours, and files left without a row."""
    return attachment_orphans_delete()
