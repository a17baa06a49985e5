"""Job definition and enqueueing (see the package docstring)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from enum import IntEnum
from typing import Any, ParamSpec, TypeVar

from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

logger = logging.getLogger("abusedesk.jobs")

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPT_KWARG = "_attempt"
_CURRENT: ContextVar[tuple[int, int]] = ContextVar("abusedesk_job_attempt", default=(1, 1))


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


def priority_for_severity(severity: str) -> int:
    return int(Priority.__members__.get(severity, Priority.NORMAL))


class RetryLater(Exception):
    """Raise from a job to be retried after the backoff without counting as a crash."""


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
    if attempt < max_attempts:
        delay = backoff_seconds(attempt, base=base, cap=cap)
        logger.warning("job %s attempt %d failed (%s); retrying in %.0fs", name, attempt,
                       exc.__class__.__name__, delay)
        task_obj.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            *args, **{**kwargs, ATTEMPT_KWARG: attempt + 1})
        return
    from abusedesk.jobs.models import DeadLetter

    logger.error("job %s failed %d times; moved to dead letters (%s)", name, attempt, exc.__class__.__name__)
    DeadLetter.objects.create(task_path=name, task_result_id="", attempts=attempt,
                              error_class=f"{exc.__class__.__module__}.{exc.__class__.__name__}",
                              error=str(exc)[:2000], args_kwargs={"args": list(args), "kwargs": kwargs})


def enqueue(job_task: Task[P, T], *args: Any, priority: int | None = None, delay_s: float | None = None,
            **kwargs: Any) -> Any:
    """Enqueue inside the caller's transaction: the job exists if and only if the caller commits."""
    options: dict[str, Any] = {}
    if priority is not None:
        options["priority"] = max(-100, min(100, int(priority)))
    if delay_s:
        options["run_after"] = timezone.now() + timedelta(seconds=delay_s)
    target = job_task.using(**options) if options else job_task
    return target.enqueue(*args, **kwargs)
