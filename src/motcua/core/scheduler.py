"""Periodic jobs. django-tasks-db has no scheduler, so `motcua scheduler` (one small process per
machine, any number of machines) wakes every few seconds and enqueues each job whose slot has
come. A slot is claimed by inserting a `ScheduledRun` row; the unique key makes exactly one
scheduler win it, so jobs run once per slot however many schedulers run."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone

from motcua.core.models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Task
    every: timedelta

    def slot_for(self, moment: datetime) -> datetime:
        """The start of the interval that contains `moment` (intervals aligned to the epoch)."""
        step = int(self.every.total_seconds())
        epoch = int(moment.timestamp())
        return datetime.fromtimestamp(epoch - epoch % step, tz=moment.tzinfo)


_registry: dict[str, PeriodicJob] = {}


def periodic(*, every: timedelta):
    """Register a task (decorated with @task) to be enqueued once per `every`."""

    def register(task: Task) -> Task:
        name = f"{task.module_path}"
        _registry[name] = PeriodicJob(name=name, task=task, every=every)
        return task

    return register


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_registry.values(), key=lambda job: job.name)


def enqueue_due_jobs(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot has not been claimed yet; return their names."""
    now = now or timezone.now()
    enqueued = []
    for job in registered_jobs():
        slot = job.slot_for(now)
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, slot=slot)
                job.task.enqueue()
        except IntegrityError:
            continue  # another scheduler claimed this slot
        logger.info("enqueued periodic job %s for %s", job.name, slot.isoformat())
        enqueued.append(job.name)
    return enqueued
