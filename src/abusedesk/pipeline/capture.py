"""Evidence in the pipeline: one capture job per reported URL; in the same job, a settled capture lets the report be
forwarded to its host and a captured text is analysed (steps that always follow each other share a job)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from abusedesk.enforcement.forwarding import forward_reports, forward_when_captured
from abusedesk.evidence.capture import capture
from abusedesk.evidence.models import CaptureStatus, Evidence
from abusedesk.jobs import RetryLater, enqueue, job, priority_for_severity
from abusedesk.triage.tasks import analyse_evidence


@job(max_attempts=4, backoff_base=30)
def capture_evidence(evidence_id: str) -> str:
    """Capture once; a site that cannot be reached is retried with backoff (the failure stays recorded)."""
    evidence = capture(Evidence.objects.select_related("report").get(pk=evidence_id))
    if evidence.settled and evidence.report is not None:
        forward_when_captured(evidence.report)
    if not evidence.settled:
        raise RetryLater(f"evidence {evidence.pk}: {evidence.reason}")  # unreachable now: not a crash
    if evidence.status == CaptureStatus.CAPTURED and evidence.text:
        analyse_evidence(str(evidence.pk))
    return evidence.status


def queue_captures(reports: list[Any], case: Any) -> None:
    """AFTER_FILING hook: one Evidence row and capture job per reported URL (inside the filing transaction); with
    capture off there is nothing to wait for, so the reports are forwarded to their host right here."""
    if not settings.EVIDENCE_CAPTURE:
        forward_reports(reports)
        return
    priority = priority_for_severity(case.severity if case else "S3")
    for report in reports:
        for entry in report.urls:
            evidence, created = Evidence.objects.get_or_create(report=report, url=entry["url"],
                                                               defaults={"case": case})
            if created:
                enqueue(capture_evidence, str(evidence.pk), priority=priority)
