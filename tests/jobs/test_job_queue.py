"""The job seam: priorities, delays, retries with backoff, dead letters, and surviving a killed worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from abusedesk.jobs import Priority, enqueue
from abusedesk.jobs.core import backoff_seconds
from abusedesk.jobs.models import DeadLetter, WorkerHeartbeat
from abusedesk.jobs.worker import reclaim_abandoned_jobs, run_pending_jobs
from abusedesk.testing import jobs as sample

pytestmark = pytest.mark.django_db


def test_higher_priority_runs_first() -> None:
    sample.RAN.clear()
    enqueue(sample.record, "s3", priority=Priority.S3)
    enqueue(sample.record, "s2", priority=Priority.S2)
    enqueue(sample.record, "s0", priority=Priority.S0)
    run_pending_jobs()
    assert sample.RAN == ["s0", "s2", "s3"]


def test_delayed_jobs_wait() -> None:
    sample.RAN.clear()
    enqueue(sample.record, "later", delay_s=3600)
    enqueue(sample.record, "now")
    run_pending_jobs()
    assert sample.RAN == ["now"]


def test_failures_are_retried_with_backoff_then_dead_lettered() -> None:
    sample.RAN.clear()
    enqueue(sample.always_fails, "poison")
    for _ in range(3):
        run_pending_jobs()
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    assert sample.RAN == ["poison"] * 3
    letter = DeadLetter.objects.get()
    assert letter.attempts == 3 and letter.error_class.endswith("RuntimeError")
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff_seconds(a, base=2, cap=30) for a in (1, 2, 3, 4, 5, 6)] == [2, 4, 8, 16, 30, 30]


def test_running_jobs_of_dead_workers_are_reclaimed() -> None:
    result = enqueue(sample.record, "orphan")
    row = DBTaskResult.objects.get(id=result.id)
    row.claim("dead-worker")
    WorkerHeartbeat.objects.create(worker_id="dead-worker", hostname="h", pid=1,
                                   last_seen=timezone.now() - timedelta(minutes=5))
    WorkerHeartbeat.objects.create(worker_id="live-worker", hostname="h", pid=2, last_seen=timezone.now())
    live = enqueue(sample.record, "busy")
    DBTaskResult.objects.get(id=live.id).claim("live-worker")
    assert reclaim_abandoned_jobs(lease_seconds=30) == 1
    assert DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.READY
    assert DBTaskResult.objects.get(id=live.id).status == TaskResultStatus.RUNNING


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_loses_nothing_and_the_job_completes_once(tmp_path: Path, settings: Any) -> None:
    """SIGKILL a real worker process while it runs a job; a second worker finishes it exactly once."""
    from django.db import connection

    if connection.vendor == "sqlite" and "memory" in connection.settings_dict["NAME"]:
        pytest.skip("worker processes need a shared database; test_job_worker_crash.py covers the SQLite file")
    marker = tmp_path / "effects.txt"
    enqueue(sample.slow_effect, str(marker), "job-1", 1.5)
    env = {**os.environ, "ABUSEDESK_JOBS_LEASE_SECONDS": "2", "DJANGO_SETTINGS_MODULE": "abusedesk.testing.settings",
           "ABUSEDESK_DATABASE_URL": _url(connection)}
    first = subprocess.Popen([sys.executable, "-m", "abusedesk.cli", "worker"], env=env)
    _wait_for(lambda: marker.with_suffix(".started").exists(), 120)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert not marker.exists()
    second = subprocess.Popen([sys.executable, "-m", "abusedesk.cli", "worker"], env=env)
    try:
        _wait_for(lambda: marker.exists(), 120)
        _wait_for(lambda: DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).exists(), 30)
    finally:
        second.terminate()
        second.wait(timeout=20)
    assert marker.read_text().splitlines() == ["job-1"]


def _url(connection: Any) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _wait_for(predicate: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def test_settling_waiting_jobs_marks_only_the_named_ready_ones_done() -> None:
    from abusedesk.jobs import settle_waiting

    for label in ("a", "b", "c"):
        enqueue(sample.record, label)
    held = DBTaskResult.objects.get(args_kwargs__args__0="c")
    DBTaskResult.objects.filter(pk=held.pk).update(status=TaskResultStatus.RUNNING)  # a worker holds it
    assert settle_waiting(sample.record, ["a", "c", "zzz"], outcome="done elsewhere") == 1
    states = dict(DBTaskResult.objects.values_list("args_kwargs__args__0", "status"))
    assert states == {"a": "SUCCESSFUL", "b": "READY", "c": "RUNNING"}
    assert DBTaskResult.objects.get(args_kwargs__args__0="a").return_value == "done elsewhere"
    assert settle_waiting(sample.record, [], outcome="x") == 0
    sample.RAN.clear()
    run_pending_jobs()
    assert sample.RAN == ["b"]


def test_queue_statistics_follow_a_burst_on_postgresql() -> None:
    from django.db import connection

    from abusedesk.jobs.worker import refresh_queue_statistics

    if connection.vendor != "postgresql":
        assert refresh_queue_statistics() is False
        return
    DBTaskResult.objects.bulk_create([DBTaskResult(args_kwargs={"args": [str(i)], "kwargs": {}}, priority=0,
                                                   task_path=sample.record.module_path, queue_name="default",
                                                   backend_name="default", run_after=timezone.now())
                                      for i in range(2000)])
    assert refresh_queue_statistics() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [DBTaskResult._meta.db_table])
        assert cursor.fetchone()[0] >= 1000
