"""Background jobs of reports: telling unit heads about overdue reports."""

from datetime import timedelta

from django.tasks import task

from motcua.core.scheduler import periodic
from motcua.feedback.services import reports_overdue_escalate


@periodic(every=timedelta(hours=1))
@task()
def reports_overdue() -> int:
    """Escalate open reports past their deadline to the unit head, once each."""
    return len(reports_overdue_escalate().escalated)
