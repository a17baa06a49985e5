"""Filing in batches: a campaign's reports join their case a step at a time, not one case update per report.

The filing job of a report (pipeline.tasks.process_report) also takes the other waiting (RECEIVED) reports about the
same site whose jobs have at least its own priority (a threat report's job, which queues beside possible S0 reports
about other sites, takes no spam with it: that waits for its own, lower, turn). It locks them with SKIP LOCKED, so two
workers never take the same report and neither waits for the other's, keeps those attributed to the same property,
and files them in steps of STEP reports under the case's lock, each step with its receipts and the
PIPELINE_AFTER_FILING hooks. It takes at most PIPELINE_BATCH_REPORTS and starts no step after PIPELINE_BATCH_SECONDS:
what it took but did not file is unlocked when it commits and filed by those reports' own jobs, so the worker returns
to the queue (where an S0 runs first) between batches. Reports about other sites are never locked by a batch, so a
campaign holds nothing an unrelated report or its page needs.

A report's own job is the durable promise that it gets filed: a batch that dies rolls back and its reports are
RECEIVED again, each with a job that is still to run, or that waited on the lock and now finds it RECEIVED.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from abusedesk.attribution.resolve import match_host
from abusedesk.cases import actions
from abusedesk.enforcement.notices import create_reporter_notices
from abusedesk.intake.models import Category, Lane, Report, ReportStatus
from abusedesk.intake.service import processing_priority

if TYPE_CHECKING:
    from abusedesk.attribution.resolve import Match
    from abusedesk.cases.models import Case

# Reports filed per step: the case row is updated and the hooks run once per step.
STEP = 25


@dataclass(frozen=True)
class Filed:
    case: Case
    reports: int
    ids: list[str]


def reports() -> QuerySet[Report]:
    """Reports as filing reads them: with the reporter (receipts) and the submission's token, not its raw bytes."""
    return Report.objects.select_related("reporter", "submission").defer("submission__raw")


def claim(report_id: str) -> Report | None:
    """Lock the job's own report while it is RECEIVED (waiting if a batch holds it: that batch either files it or
    rolls back); None when it was filed meanwhile."""
    return reports().select_for_update(of=("self",)).filter(pk=report_id, status=ReportStatus.RECEIVED).first()


def file_with_others(report: Report, match: Match, *, started: float) -> Filed:
    """File the claimed report and the waiting reports about the same property, step by step, until done or out of
    time (see the module docstring). Runs inside the caller's transaction."""
    group = [report, *_others(report, match)]
    hooks = [import_string(path) for path in settings.PIPELINE_AFTER_FILING]
    filed: list[str] = []
    case: Case | None = None
    for step in _steps(group):
        case = actions.do_file_reports(step, match)
        create_reporter_notices(step, kind="receipt")
        for hook in hooks:
            hook(step, case)
        filed += [str(r.pk) for r in step]
        if time.monotonic() - started >= float(settings.PIPELINE_BATCH_SECONDS):
            break
    assert case is not None  # the group holds at least the claimed report
    return Filed(case=case, reports=len(filed), ids=filed)


def _steps(group: list[Report]) -> Iterator[list[Report]]:
    for start in range(0, len(group), STEP):
        yield group[start:start + STEP]


def _others(report: Report, match: Match) -> list[Report]:
    """Waiting reports naming the deciding URL's host (a text match on the stored URLs narrows the rows locked),
    locked with SKIP LOCKED, oldest first, kept when their first attributed URL is on the same property and their
    jobs' priority is not below this one's (see the module docstring)."""
    limit = int(settings.PIPELINE_BATCH_REPORTS) - 1
    host = next((str(e["host"]) for e in report.urls if e["url"] == match.url), "")
    if limit <= 0 or not host:
        return []
    candidates = (reports().select_for_update(skip_locked=True, of=("self",))
                  .filter(_not_below(processing_priority(report.category, report.lane)), status=ReportStatus.RECEIVED,
                          urls__icontains=json.dumps(host))
                  .exclude(pk=report.pk).order_by("received_at")[:limit])
    seen: dict[tuple[str, Any], UUID | None] = {}
    return [other for other in candidates if _property_of(other, seen) == match.property.pk]


def _not_below(priority: int) -> Q:
    """Reports whose filing jobs queue at `priority` or above (category and lane decide it)."""
    condition = Q(pk__in=[])
    for lane in Lane.values:
        categories = [c for c in Category.values if processing_priority(c, lane) >= priority]
        if categories:
            condition |= Q(lane=lane, category__in=categories)
    return condition


def _property_of(report: Report, seen: dict[tuple[str, Any], UUID | None]) -> UUID | None:
    """The property of the report's first attributed URL (as attribution.resolve.attribute decides the case)."""
    for entry in report.urls:
        key = (str(entry["host"]), entry.get("ip"))
        if key not in seen:
            prop = match_host(*key)
            seen[key] = prop.pk if prop is not None else None
        if seen[key] is not None:
            return seen[key]
    return None
