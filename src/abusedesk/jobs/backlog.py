"""How far the job workers are behind: the figures `/healthz` and the console queue show.

Intake keeps acknowledging while the backlog grows (a report is stored before it is answered), so the backlog
must be visible instead. Every figure is read from an index, so a health check stays cheap under a large backlog:

- `backlog` and `s0_ready`: READY jobs (due, or delayed to a later run such as a retry), and those at S0 priority
  or above, counted in one index-only pass over the job library's partial index on READY rows (its cost grows
  with the backlog, about 4 ms for 20,000 on PostgreSQL, not with the table's history of finished jobs);
- `oldest_ready_age_s`: how long the longest-waiting due job has waited for a worker, read with LIMIT 1 seeks;
- `unsealed_audit_events`: audit events committed but not yet chained (`audit.trail.unsealed`, a partial index).

We add no index to the library's table: its READY index, ordered by priority (highest first), `run_after` and
`enqueued_at`, answers all of these.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, QuerySet, Sum, When
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from abusedesk.audit import trail
from abusedesk.jobs.core import Priority


@dataclass(frozen=True)
class Backlog:
    backlog: int
    s0_ready: int
    oldest_ready_age_s: float  # 0.0 when no job is due
    unsealed_audit_events: int
    warn_seconds: float

    @property
    def degraded(self) -> bool:
        """A due job has waited longer than BACKLOG_WARN_SECONDS: the workers are not keeping up."""
        return self.oldest_ready_age_s > self.warn_seconds

    def as_dict(self) -> dict[str, Any]:
        return {"backlog": self.backlog, "oldest_ready_age_s": self.oldest_ready_age_s, "s0_ready": self.s0_ready,
                "unsealed_audit_events": self.unsealed_audit_events, "degraded": self.degraded}


def snapshot(*, now: datetime | None = None) -> Backlog:
    now = now or timezone.now()
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    # One pass over the READY index for both counts (a Sum reads only `priority`, which the index holds).
    counts = ready.aggregate(backlog=Count("*"), s0=Sum(Case(When(priority__gte=int(Priority.S0), then=1),
                                                             default=0)))
    oldest = oldest_due(ready, now)
    return Backlog(backlog=counts["backlog"], s0_ready=counts["s0"] or 0,
                   oldest_ready_age_s=round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0,
                   unsealed_audit_events=trail.unsealed(),
                   warn_seconds=float(settings.BACKLOG_WARN_SECONDS))


# How long this process reuses a snapshot for `recent()`. /healthz is polled by load balancers and monitors, and
# benchmarks compare intake with it, so it must stay about as cheap as `SELECT 1`; the figures move on the scale of
# the warning (a minute), so a second's delay changes nothing.
REUSE_SECONDS = 1.0
_last: tuple[float, Backlog] | None = None


def recent() -> Backlog:
    """snapshot(), reused for up to REUSE_SECONDS in this process (no lock: two requests that miss together
    both compute it, which is harmless)."""
    global _last
    now = time.monotonic()
    if _last is None or now - _last[0] >= REUSE_SECONDS:
        _last = (now, snapshot())
    return _last[1]


def oldest_due(ready: QuerySet[Any], now: datetime) -> datetime | None:
    """When the longest-waiting due job became due: its `run_after` if it was delayed, else its `enqueued_at` (the
    library stores "no delay" as a `run_after` far in the future). A job delayed past `now` is not waiting yet.

    The oldest job may sit at any priority, and `enqueued_at` leads no index, so this is a loose index scan:
    seek the first READY row below the last priority seen; that row is, within its priority, the earliest
    delayed run if there is one (one more seek then finds the earliest undelayed job), else the earliest
    undelayed job. About two LIMIT 1 reads per priority present, however long the backlog."""
    never = get_date_max()
    oldest: datetime | None = None
    below: int | None = None
    while True:
        level = ready if below is None else ready.filter(priority__lt=below)
        head = (level.order_by("-priority", "run_after", "enqueued_at")
                .values_list("priority", "run_after", "enqueued_at").first())
        if head is None:
            return oldest
        below, run_after, enqueued_at = head
        if run_after < never:
            delayed_due = run_after if run_after <= now else None
            enqueued_at = (ready.filter(priority=below, run_after=never).order_by("enqueued_at")
                           .values_list("enqueued_at", flat=True).first())
            oldest = _earlier(oldest, delayed_due)
        oldest = _earlier(oldest, enqueued_at)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return min(a, b)
