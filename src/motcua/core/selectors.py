"""Reads of the shared kernel."""

from dataclasses import dataclass

from django.db.models import Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


@dataclass(frozen=True)
class TaskQueueState:
    ready: int
    running: int
    oldest_wait_seconds: float


def task_queue_state() -> TaskQueueState:
    ready = DBTaskResult.objects.ready()
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return TaskQueueState(
        ready=ready.count(),
        running=DBTaskResult.objects.running().count(),
        oldest_wait_seconds=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
    )
