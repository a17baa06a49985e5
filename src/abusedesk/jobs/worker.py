"""`abusedesk worker`: django-tasks-db's worker plus leases and periodic schedules.

A side thread writes this worker's heartbeat every few seconds. Any worker that sees a RUNNING job whose
worker has not beaten its heart within JOBS_LEASE_SECONDS puts the job back to READY: a worker killed
mid-job (SIGKILL, OOM, power loss) loses no job. Jobs are idempotent, so the re-run completes once.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from abusedesk.audit import trail
from abusedesk.jobs.core import URGENT_QUEUE
from abusedesk.jobs.models import WorkerHeartbeat
from abusedesk.jobs.schedule import enqueue_due

logger = logging.getLogger("abusedesk.jobs.worker")


def beat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_seen": timezone.now(), "hostname": socket.gethostname()[:200], "pid": os.getpid()},
    )


def reclaim_abandoned_jobs(*, lease_seconds: int | None = None) -> int:
    """Put RUNNING jobs of workers whose heartbeat is older than the lease back to READY."""
    lease = lease_seconds if lease_seconds is not None else settings.JOBS_LEASE_SECONDS
    alive = set(WorkerHeartbeat.objects.filter(last_seen__gte=timezone.now() - timedelta(seconds=lease))
                .values_list("worker_id", flat=True))
    reclaimed = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids"):
        owner = result.worker_ids[-1] if result.worker_ids else None
        if owner in alive:
            continue
        with transaction.atomic():
            reclaimed += DBTaskResult.objects.filter(id=result.id, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None)
        logger.warning("reclaimed job %s from worker %s (no heartbeat for %ss)", result.id, owner, lease)
    WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - timedelta(seconds=lease * 10)).delete()
    return reclaimed


# Seconds between fresh planner statistics for the job table (PostgreSQL).
QUEUE_ANALYZE_SECONDS = 60.0


def refresh_queue_statistics() -> bool:
    """ANALYZE the job table on PostgreSQL. A burst (a campaign) adds tens of thousands of waiting jobs within a
    minute; until the statistics catch up the planner believes a few dozen rows wait and sorts every waiting job for
    each claim (30 ms a claim at 15,000 waiting, measured) instead of reading the ordering index. Autoanalyze alone
    lags (it waits for 10% of the table to change, and is off on some servers); ANALYZE samples a fixed number of
    rows, so this costs milliseconds whatever the size. False on other databases."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(DBTaskResult._meta.db_table)}")
    return True


class _Housekeeper(threading.Thread):
    """Heartbeat, lease reclaiming and periodic schedules, on a connection of its own."""

    def __init__(self, worker_id: str, every: float) -> None:
        super().__init__(name=f"housekeeper-{worker_id[:6]}", daemon=True)
        self.worker_id = worker_id
        self.every = every
        self.stop = threading.Event()
        self.next_analyze = time.monotonic() + QUEUE_ANALYZE_SECONDS

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                close_old_connections()
                beat(self.worker_id)
                reclaim_abandoned_jobs()
                enqueue_due()
                if time.monotonic() >= self.next_analyze:
                    refresh_queue_statistics()
                    self.next_analyze = time.monotonic() + QUEUE_ANALYZE_SECONDS
            except Exception:  # the worker must outlive a database hiccup
                logger.exception("housekeeping failed; trying again")
            self.stop.wait(self.every)
        connection.close()


class _Ticker(threading.Thread):
    """Runs `tick` every `interval()` seconds on a connection of its own, outliving its failures: the audit sealer
    (audit.trail.seal, every AUDIT_SEAL_INTERVAL_SECONDS; with several workers, whoever holds the head seals) and
    the stages' settings.JOBS_TICKERS."""

    def __init__(self, name: str, worker_id: str, tick: Callable[[], object], interval: Callable[[], float]) -> None:
        super().__init__(name=f"{name}-{worker_id[:6]}", daemon=True)
        self.tick = tick
        self.interval = interval
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                close_old_connections()
                self.tick()
            except Exception:  # the worker must outlive a database hiccup; the next round does what is left
                logger.exception("%s failed; trying again", self.name)
            self.stop.wait(self.interval())
        connection.close()


def _tickers(worker_id: str, queues: list[str]) -> list[_Ticker]:
    """The sealer in every worker, then settings.JOBS_TICKERS ({dotted path of a callable: seconds}) in the workers
    that take urgent jobs (all queues, or the urgent lane among theirs): screening, which raises S0 filing jobs onto
    that lane, runs where those jobs run, at their speed. The queue names no stage."""
    found = [_Ticker("sealer", worker_id, lambda: trail.seal(wait=False), trail.seal_interval)]
    if "*" not in queues and URGENT_QUEUE not in queues:
        return found
    for path, seconds in settings.JOBS_TICKERS.items():
        interval = functools.partial(float, seconds)
        found.append(_Ticker(path.rsplit(".", 1)[-1], worker_id, import_string(path), interval))
    return found


def _warm_up() -> None:
    """Run settings.JOBS_WARM_UP (dotted paths of callables) before taking jobs: the desk's entry loads the
    detection models, since the first analysis in a process costs seconds, which must not land on the first S0
    report. Web processes never run it. The queue names no stage: the setting does."""
    for path in settings.JOBS_WARM_UP:
        try:
            import_string(path)()
        except Exception:  # a missing model must not stop the worker; the job that needs it will say why
            logger.exception("warm-up %s failed", path)


def _yield_cpu(steps: int) -> None:
    """Run this worker `steps` nicer than it started (os.nice adds to the niceness). On a machine shared with the web
    processes the scheduler then gives a burst's requests the CPU first: each report is stored and acknowledged at
    once and filed as CPU comes free, while the queue's order is unchanged. When the web processes are idle a nice
    worker runs at full speed. The urgent lane's worker stays level (`abusedesk up` starts it with --nice 0)."""
    if steps > 0 and hasattr(os, "nice"):
        niceness = os.nice(steps)
        logger.info("worker runs at niceness %d", niceness)


def run_worker(*, queues: list[str] | None = None, worker_id: str | None = None, batch: bool = False,
               max_tasks: int | None = None, interval: float | None = None, nice: int | None = None) -> None:
    """One worker process: `queues` ('*' for all), `nice` steps nicer than it started (settings.JOBS_WORKER_NICE when
    None)."""
    worker_id = worker_id or get_random_string(32)
    queues = queues or ["*"]
    _yield_cpu(settings.JOBS_WORKER_NICE if nice is None else nice)
    _warm_up()
    beat(worker_id)
    keeper = _Housekeeper(worker_id, every=max(1.0, settings.JOBS_LEASE_SECONDS / 5))
    keeper.start()
    tickers = _tickers(worker_id, queues)
    for ticker in tickers:
        ticker.start()
    worker = Worker(queue_names=queues, interval=settings.JOBS_POLL_INTERVAL if interval is None
                    else interval, batch=batch, backend_name="default", startup_delay=False,
                    max_tasks=max_tasks, worker_id=worker_id, excluded_queue_names=[])
    if threading.current_thread() is threading.main_thread():
        worker.configure_signals()
    logger.info("worker %s started (pid %d)", worker_id[:8], os.getpid())
    try:
        worker.run()
    finally:
        keeper.stop.set()
        for ticker in tickers:
            ticker.stop.set()
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def run_pending_jobs(max_tasks: int = 10_000) -> int:
    """Run every ready job in this process, highest priority first; return how many ran.

    For tests and the scenario runner: unlike the worker loop it never closes the caller's connection.
    """
    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=max_tasks, worker_id="inline-" + get_random_string(8), excluded_queue_names=[])
    ran = 0
    while ran < max_tasks:
        with transaction.atomic():
            task_result = DBTaskResult.objects.ready().filter(backend_name="default").get_locked()
            if task_result is None:
                return ran
            task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
    return ran
