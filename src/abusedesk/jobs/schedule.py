"""Periodic jobs. A stage registers `every(name, seconds, job)`; workers enqueue due jobs exactly once
(the due row is claimed with SELECT … FOR UPDATE SKIP LOCKED and advanced in the same transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from abusedesk.jobs.core import enqueue


@dataclass(frozen=True)
class Periodic:
    name: str
    seconds: float
    job: Any
    priority: int = 0


_REGISTRY: dict[str, Periodic] = {}


def every(name: str, seconds: float, job_task: Any, *, priority: int = 0) -> None:
    _REGISTRY[name] = Periodic(name=name, seconds=seconds, job=job_task, priority=priority)


def registered() -> dict[str, Periodic]:
    return dict(_REGISTRY)


def enqueue_due() -> list[str]:
    from abusedesk.jobs.models import PeriodicSchedule

    now = timezone.now()
    fired: list[str] = []
    for periodic in _REGISTRY.values():
        PeriodicSchedule.objects.get_or_create(name=periodic.name, defaults={"next_run_at": now})
        with transaction.atomic():
            row = (PeriodicSchedule.objects.select_for_update(skip_locked=True)
                   .filter(name=periodic.name, next_run_at__lte=now).first())
            if row is None:
                continue
            enqueue(periodic.job, priority=periodic.priority)
            row.next_run_at = now + timedelta(seconds=periodic.seconds)
            row.last_enqueued_at = now
            row.save(update_fields=["next_run_at", "last_enqueued_at"])
            fired.append(periodic.name)
    return fired
