"""Run the periodic-job scheduler (see core/scheduler.py) until stopped."""

import signal
import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules

from motcua.core.scheduler import enqueue_due_jobs, registered_jobs


class Command(BaseCommand):
    help = "Enqueue periodic jobs when their time comes. Safe to run on several machines."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args, interval: float, once: bool, **options):
        assert apps.ready
        autodiscover_modules("tasks")
        names = ", ".join(job.name for job in registered_jobs()) or "none"
        self.stdout.write(f"Scheduler started; periodic jobs: {names}")
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while running:
            enqueue_due_jobs()
            if once:
                return
            deadline = time.monotonic() + interval
            while running and time.monotonic() < deadline:
                time.sleep(0.5)
