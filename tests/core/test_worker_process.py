"""Background work runs in a real, separate worker process: a task committed with a change is
picked up by `motcua db_worker` even when no worker was running at the time."""

import os
import subprocess
import sys

from django.tasks import task

ENQUEUE_AND_REPORT = """
import django, sys
django.setup()
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from tests.core.test_worker_process import write_marker
if sys.argv[1] == "enqueue":
    with transaction.atomic():
        write_marker.enqueue(path=sys.argv[2])
    with transaction.atomic():
        write_marker.enqueue(path=sys.argv[2] + ".rolled-back")
        transaction.set_rollback(True)
print(",".join(sorted(r.status for r in DBTaskResult.objects.all())))
"""


@task()
def write_marker(path: str) -> str:
    with open(path, "w") as marker:
        marker.write("ran")
    return path


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_committed_task_runs_in_worker_process_and_rolled_back_one_never_exists(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "MOTCUA_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "motcua.config.settings",
        "MOTCUA_ENV": "test",
    }
    _run(["-m", "motcua.manage", "migrate", "--no-input", "-v", "0"], env)
    marker = tmp_path / "marker.txt"
    # given a task enqueued with a committed change and one with a rolled-back change
    assert _run(["-c", ENQUEUE_AND_REPORT, "enqueue", str(marker)], env) == "READY"
    # when a worker process starts afterwards
    worker = ["-m", "motcua.manage", "db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    _run([*worker, "--queue-name", "*"], env)
    # then the committed task ran there, and nothing else was ever queued
    assert marker.read_text() == "ran"
    assert _run(["-c", ENQUEUE_AND_REPORT, "report", ""], env) == "SUCCESSFUL"
