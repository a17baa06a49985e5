"""Job definition and enqueueing (see the package docstring)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from enum import IntEnum
from typing import Any, ParamSpec, TypeVar

from django.dispatch import receiver
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task, TaskResult
from django_tasks.signals import task_finished, task_started

logger = logging.getLogger("abusedesk.jobs")

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPT_KWARG = "_attempt"
_CURRENT: ContextVar[tuple[int, int]] = ContextVar("abusedesk_job_attempt", default=(1, 1))
# The task result the worker is running now (set by the library's task_started signal, in the worker's thread):
# a retry keeps its enqueue-time priority and a dead letter names the result it came from.
_RUNNING: ContextVar[TaskResult[Any] | None] = ContextVar("abusedesk_job_running", default=None)


@receiver(task_started, dispatch_uid="abusedesk-job-running")
def _job_started(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    _RUNNING.set(task_result)


@receiver(task_finished, dispatch_uid="abusedesk-job-finished")
def _job_finished(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    _RUNNING.set(None)


def is_last_attempt() -> bool:
    """Inside a job: whether a failure now would be final (no retry left)."""
    attempt, max_attempts = _CURRENT.get()
    return attempt >= max_attempts


class Priority(IntEnum):
    """Higher runs first. S0 (imminent threat to life) jumps every queue."""

    S0 = 100
    S1 = 50
    S2 = 20
    NORMAL = 0
    S3 = 0
    BULK = -50


# The urgent lane: jobs above every filing job (paging, referral packets, the filing of a report screening read as
# S0) queue on URGENT_QUEUE, which `abusedesk up` gives a worker of its own that runs level with the web processes
# while the other workers may run nicer (jobs/worker.py). Filing jobs stop at S0 - 10 (intake.service).
URGENT_QUEUE = "urgent"
URGENT_ABOVE = int(Priority.S0) - 10


def queue_for(priority: int, queue: str) -> str:
    """The queue a job of this priority waits on: the urgent lane above URGENT_ABOVE, else the job's own."""
    return URGENT_QUEUE if priority > URGENT_ABOVE else queue


def priority_for_severity(severity: str) -> int:
    return int(Priority.__members__.get(severity, Priority.NORMAL))


class RetryLater(Exception):
    """Raise from a job when the work cannot be done *yet* (a site is unreachable, a service is busy).

    Unlike any other exception it is not a crash: no traceback is logged and the run is recorded as finished.
    The job runs again after `delay_s` (default: the job's backoff), with the same priority; it still counts
    as an attempt, so a job that never gets through ends in the dead letters like any other.
    """

    def __init__(self, reason: str, *, delay_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay_s = delay_s


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """Exponential backoff: base, 2*base, 4*base … capped."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))


def job(*, max_attempts: int = 5, backoff_base: float = 2.0, backoff_cap: float = 600.0,
        queue: str = "default", priority: int = Priority.NORMAL) -> Callable[[Callable[P, T]], Task[P, T]]:
    """Declare a job. The function must be idempotent: a job may run again after a worker dies."""

    def decorate(func: Callable[P, T]) -> Task[P, T]:
        @functools.wraps(func)
        def runner(*args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))
            token = _CURRENT.set((attempt, max_attempts))
            try:
                return func(*args, **kwargs)
            except RetryLater as exc:
                _after_failure(runner_task, func, args, kwargs, attempt, exc,
                               max_attempts=max_attempts, base=backoff_base, cap=backoff_cap)
                return f"retry later: {exc.reason}"
            except Exception as exc:
                _after_failure(runner_task, func, args, kwargs, attempt, exc,
                               max_attempts=max_attempts, base=backoff_base, cap=backoff_cap)
                raise
            finally:
                _CURRENT.reset(token)

        runner_task: Task[P, T] = task(queue_name=queue, priority=priority)(runner)
        return runner_task

    return decorate


def _after_failure(task_obj: Task[Any, Any], func: Callable[..., Any], args: tuple[Any, ...],
                   kwargs: dict[str, Any], attempt: int, exc: Exception, *, max_attempts: int,
                   base: float, cap: float) -> None:
    name = f"{func.__module__}.{func.__qualname__}"
    running = _RUNNING.get()
    priority = running.task.priority if running is not None else task_obj.priority
    if attempt < max_attempts:
        delay = backoff_seconds(attempt, base=base, cap=cap)
        if isinstance(exc, RetryLater):
            delay = exc.delay_s if exc.delay_s is not None else delay
            logger.info("job %s attempt %d cannot finish yet (%s); again in %.0fs", name, attempt, exc.reason, delay)
        else:
            logger.warning("job %s attempt %d failed (%s); retrying in %.0fs", name, attempt,
                           exc.__class__.__name__, delay)
        task_obj.using(priority=priority, queue_name=queue_for(priority, task_obj.queue_name),
                       run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            *args, **{**kwargs, ATTEMPT_KWARG: attempt + 1})
        return
    from abusedesk.jobs.models import DeadLetter

    logger.error("job %s failed %d times; moved to dead letters (%s)", name, attempt, exc.__class__.__name__)
    DeadLetter.objects.create(task_path=name, task_result_id=str(running.id) if running is not None else "",
                              attempts=attempt, priority=priority,
                              error_class=f"{exc.__class__.__module__}.{exc.__class__.__name__}",
                              error=str(exc)[:2000], args_kwargs={"args": list(args), "kwargs": kwargs})


def retry_dead_letter(letter: Any, *, actor: str) -> Any:
    """Run a dead-lettered job again from its first attempt, at its old priority; the letter is resolved."""
    from django.utils.module_loading import import_string

    from abusedesk.audit import trail as audit
    from abusedesk.jobs.models import DeadLetter

    job_task = import_string(letter.task_path)
    with audit.atomic():
        if not DeadLetter.objects.filter(pk=letter.pk, resolved_at__isnull=True).update(
                resolved_at=timezone.now(), resolved_by=actor[:150]):
            return None  # someone else retried it first
        saved = letter.args_kwargs
        result = enqueue(job_task, *saved.get("args", []), priority=letter.priority, **saved.get("kwargs", {}))
        audit.append(actor=actor, verb="job.retried", object_type="dead_letter", object_id=str(letter.pk),
                     payload={"task": letter.task_path, "attempts": letter.attempts})
    logger.info("dead letter %s (%s) retried by %s", letter.pk, letter.task_path, actor)
    return result


def enqueue(job_task: Task[P, T], *args: Any, priority: int | None = None, delay_s: float | None = None,
            **kwargs: Any) -> Any:
    """Enqueue inside the caller's transaction: the job exists if and only if the caller commits. A job above every
    filing job waits on the urgent lane (queue_for)."""
    options: dict[str, Any] = {}
    if priority is not None:
        options["priority"] = max(-100, min(100, int(priority)))
    queue = queue_for(options.get("priority", job_task.priority), job_task.queue_name)
    if queue != job_task.queue_name:
        options["queue_name"] = queue
    if delay_s:
        options["run_after"] = timezone.now() + timedelta(seconds=delay_s)
    target = job_task.using(**options) if options else job_task
    return target.enqueue(*args, **kwargs)


def settle_waiting(job_task: Task[P, T], first_args: list[str], *, outcome: str) -> int:
    """Mark the waiting (READY) jobs of `job_task` whose first argument is in `first_args` as done, in the caller's
    transaction: another job did their work (a filing batch filed their reports with its own), and a queue full
    of jobs that would only find nothing to do would delay every job behind them. Jobs a worker already holds (or
    that another transaction has locked) are left alone; they find nothing to do. Returns how many were settled."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if not first_args:
        return 0
    waiting = (DBTaskResult.objects.select_for_update(skip_locked=True)
               .filter(status=TaskResultStatus.READY, task_path=job_task.module_path,
                       args_kwargs__args__0__in=first_args).values_list("id", flat=True))
    ids = list(waiting)
    if not ids:
        return 0
    return DBTaskResult.objects.filter(id__in=ids, status=TaskResultStatus.READY).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=timezone.now(), return_value=outcome,
        exception_class_path="", traceback="")


def raise_waiting(job_task: Task[P, T], first_args: list[str], *, priority: int) -> int:
    """Raise the waiting (READY) jobs of `job_task` whose first argument is in `first_args` to `priority` (never
    lower one), onto the urgent lane when the priority belongs there: screening found their work urgent
    (pipeline/screen.py). Returns how many were raised."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    if not first_args:
        return 0
    priority = max(-100, min(100, int(priority)))
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=job_task.module_path,
                                       args_kwargs__args__0__in=first_args, priority__lt=priority).update(
        priority=priority, queue_name=queue_for(priority, job_task.queue_name))
