"""The embedded default: a worker on the SQLite file is SIGKILLed mid-job; the next worker completes it once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ENQUEUE = """
import django, sys
django.setup()
from abusedesk.jobs import enqueue
from abusedesk.testing.jobs import slow_effect
enqueue(slow_effect, sys.argv[1], "job-1", 1.5)
"""
COUNT_DONE = """
import django
django.setup()
from django_tasks_db.models import DBTaskResult
print(DBTaskResult.objects.filter(status="SUCCESSFUL", task_path__endswith="slow_effect").count())
"""


def _wait_for(predicate: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_sqlite_worker_killed_mid_job_completes_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env.update(ABUSEDESK_DATA_DIR=str(tmp_path / "data"), ABUSEDESK_JOBS_LEASE_SECONDS="2",
               DJANGO_SETTINGS_MODULE="abusedesk.settings")
    run = [sys.executable, "-m", "abusedesk.cli"]
    subprocess.run([*run, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    marker = tmp_path / "effects.txt"
    subprocess.run([sys.executable, "-c", ENQUEUE, str(marker)], env=env, check=True, timeout=60)
    first = subprocess.Popen([*run, "worker"], env=env)
    _wait_for(lambda: marker.with_suffix(".started").exists(), 120)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert not marker.exists()
    second = subprocess.Popen([*run, "worker"], env=env)
    try:
        _wait_for(marker.exists, 120)
        _wait_for(lambda: subprocess.run([sys.executable, "-c", COUNT_DONE], env=env, capture_output=True,
                                         text=True, timeout=60).stdout.strip() == "1", 30)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert marker.read_text().splitlines() == ["job-1"]
