"""Evidence in the pipeline: one capture job per reported URL, or none when another report's capture of the same URL
in the same case covers it (evidence/reuse.py: a campaign's page is fetched once, not once per report); in the same
job, a settled capture lets its report, and the reports whose rows it covers, be forwarded to their host, and a
captured text is analysed once, for the capture (steps that always follow each other share a job)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from abusedesk.audit import trail as audit
from abusedesk.cases.models import Notice
from abusedesk.enforcement.forwarding import forward_reports, forward_when_captured
from abusedesk.enforcement.notices import delivery_batch
from abusedesk.evidence.capture import capture
from abusedesk.evidence.models import CaptureStatus, Evidence
from abusedesk.evidence.reuse import reusable, reuse
from abusedesk.intake.models import Report
from abusedesk.jobs import RetryLater, enqueue, job, priority_for_severity
from abusedesk.triage.tasks import analyse_evidence

# Reports forwarded per transaction (and per delivery job) once a capture that covers them settles.
FORWARD_STEP = 100


@job(max_attempts=4, backoff_base=30)
def capture_evidence(evidence_id: str) -> str:
    """Capture once; a site that cannot be reached is retried with backoff (the failure stays recorded). A re-run
    after a crash forwards nothing twice: each forward's notices have idempotency keys."""
    evidence = capture(Evidence.objects.select_related("report").get(pk=evidence_id))
    if evidence.settled and evidence.report is not None:
        forward_when_captured(evidence.report)
    if evidence.settled:
        forward_covered(evidence)
    if not evidence.settled:
        raise RetryLater(f"evidence {evidence.pk}: {evidence.reason}")  # unreachable now: not a crash
    if evidence.status == CaptureStatus.CAPTURED and evidence.text:
        analyse_evidence(str(evidence.pk))
    return evidence.status


def forward_covered(evidence: Evidence) -> int:
    """Forward the reports whose rows the settled capture covers, wait for no other capture and were not forwarded
    yet (those whose rows it covered settled were forwarded when filed), FORWARD_STEP at a time, each step in one
    transaction and one delivery job. Returns how many notices were queued."""
    ids = sorted({str(pk) for pk in evidence.covers.values_list("report_id", flat=True) if pk})
    queued = 0
    for start in range(0, len(ids), FORWARD_STEP):
        chunk = ids[start:start + FORWARD_STEP]
        forwarded = Notice.objects.filter(kind="host_forward", report_id__in=chunk).values("report_id")
        with audit.atomic(), delivery_batch():
            ready = (Report.objects.select_related("reporter", "case__property").filter(pk__in=chunk)
                     .exclude(evidence__settled=False).exclude(pk__in=forwarded))
            by_case: dict[Any, list[Report]] = {}
            for report in ready:
                by_case.setdefault(report.case_id, []).append(report)
            queued += sum(forward_reports(reports) for reports in by_case.values())
    return queued


def queue_captures(reports: list[Any], case: Any) -> None:
    """AFTER_FILING hook (inside the filing transaction): per reported URL, an Evidence row and a capture job, or a
    row reusing a capture of the same URL in this case (evidence/reuse.py). With capture off there is nothing to
    wait for, so the reports are forwarded to their host right here; so are the reports whose every URL reused a
    capture that has already settled."""
    if not settings.EVIDENCE_CAPTURE:
        forward_reports(reports)
        return
    priority = priority_for_severity(case.severity if case else "S3")
    existing = set(Evidence.objects.filter(report__in=reports).values_list("report_id", "url"))
    captures: dict[str, Evidence | None] = {}
    reusing: set[Any] = set()
    for report in reports:
        for entry in report.urls:
            url = entry["url"]
            if (report.pk, url) in existing:
                continue
            existing.add((report.pk, url))
            if url not in captures:
                captures[url] = reusable(case, url)
            covering = captures[url]
            if covering is not None:
                reuse(covering, report=report, case=case)
                reusing.add(report.pk)
            else:
                row = Evidence.objects.create(report=report, url=url, case=case)
                enqueue(capture_evidence, str(row.pk), priority=priority)
                captures[url] = row if settings.CAPTURE_REUSE_SECONDS > 0 else None
    _forward_settled([r for r in reports if r.pk in reusing])


def _forward_settled(reports: list[Any]) -> None:
    """Forward, in the filing transaction, the reports whose URLs all reused captures that have settled (as with
    capture off); the others are forwarded by the capture job they wait for."""
    if not reports:
        return
    waiting = set(Evidence.objects.filter(report__in=reports, settled=False).values_list("report_id", flat=True))
    ready = [r for r in reports if r.pk not in waiting]
    if ready:
        forward_reports(ready)
