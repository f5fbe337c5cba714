"""Periodic jobs are enqueued once per slot, however many schedulers run."""

from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from motcua.core import scheduler
from motcua.core.models import ScheduledRun

pytestmark = pytest.mark.django_db


@task()
def _sample_job():
    return "done"


@pytest.fixture
def hourly_job(monkeypatch):
    monkeypatch.setattr(scheduler, "_registry", {})
    scheduler.periodic(every=timedelta(hours=1))(_sample_job)
    return scheduler.registered_jobs()[0]


def test_job_is_enqueued_once_per_slot(hourly_job):
    # given a job that runs every hour
    at_10_05 = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    # when two schedulers check within the same hour
    first = scheduler.enqueue_due_jobs(now=at_10_05)
    second = scheduler.enqueue_due_jobs(now=at_10_05 + timedelta(minutes=20))
    # then the job is enqueued once
    assert first == [hourly_job.name]
    assert second == []
    assert DBTaskResult.objects.filter(task_path=hourly_job.name).count() == 1
    # and again in the next hour
    assert scheduler.enqueue_due_jobs(now=at_10_05 + timedelta(hours=1)) == [hourly_job.name]
    assert ScheduledRun.objects.count() == 2


def test_slot_is_the_start_of_the_interval(hourly_job):
    moment = datetime(2026, 11, 23, 10, 59, 59, tzinfo=UTC)
    assert hourly_job.slot_for(moment) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
