"""Background jobs of dossiers: clean-up of abandoned uploads, late-dossier reminders."""

from datetime import timedelta

from django.tasks import task

from motcua.core.scheduler import periodic
from motcua.dossiers.backoffice import apologies_due_request
from motcua.dossiers.services import attachment_orphans_delete


@periodic(every=timedelta(hours=1))
@task()
def attachment_orphans_clean() -> int:
    """Delete uploads never attached to a dossier after 24 hours, and files left without a row."""
    return attachment_orphans_delete()


@periodic(every=timedelta(hours=1))
@task()
def apologies_due() -> int:
    """Ask the unit heads to issue form 04 for dossiers that will miss their appointment."""
    return apologies_due_request()
