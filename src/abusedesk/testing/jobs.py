"""Jobs used by the test suite to exercise the job seam (priorities, retries, crashes)."""

from __future__ import annotations

import time
from pathlib import Path

from abusedesk.jobs import job
from abusedesk.jobs.core import RetryLater

RAN: list[str] = []


@job()
def record(label: str) -> str:
    RAN.append(label)
    return label


@job(max_attempts=3, backoff_base=1)
def always_fails(label: str) -> None:
    RAN.append(label)
    raise RuntimeError("poison job")


@job(max_attempts=2, backoff_base=1)
def not_yet(label: str) -> None:
    RAN.append(label)
    raise RetryLater("the far end is busy", delay_s=120)


@job()
def slow_effect(path: str, label: str, seconds: float) -> str:
    """Idempotent side effect after a pause: the pause is where a test kills the worker."""
    target = Path(path)
    target.with_suffix(".started").write_text("started")
    time.sleep(seconds)
    if target.exists() and label in target.read_text().splitlines():
        return "already done"
    with target.open("a") as handle:
        handle.write(label + "\n")
    return "done"
