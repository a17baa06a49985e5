"""Evidence jobs: one capture per reported URL, then detection on the captured text."""

from __future__ import annotations

from typing import Any

from abusedesk.evidence.models import CaptureStatus, Evidence
from abusedesk.jobs import RetryLater, enqueue, job


@job(max_attempts=4, backoff_base=30)
def capture_evidence(evidence_id: str) -> str:
    """Capture once; a site that cannot be reached is retried with backoff (the failure stays recorded)."""
    from abusedesk.evidence.capture import capture

    evidence = capture(Evidence.objects.select_related("report").get(pk=evidence_id))
    if evidence.settled and evidence.report is not None:
        from abusedesk.enforcement.forwarding import queue_forward_when_captured

        queue_forward_when_captured(evidence.report)
    if not evidence.settled:
        raise RetryLater(f"evidence {evidence.pk}: {evidence.reason}")  # unreachable now: not a crash
    if evidence.status == CaptureStatus.CAPTURED and evidence.text:
        from abusedesk.triage.tasks import detect_evidence

        enqueue(detect_evidence, str(evidence.pk))
    return evidence.status


def queue_captures(report: Any, case: Any) -> None:
    """AFTER_FILING hook: one Evidence row and capture job per reported URL (inside the filing transaction)."""
    from django.conf import settings

    from abusedesk.jobs import priority_for_severity

    if not settings.EVIDENCE_CAPTURE:
        from abusedesk.enforcement.forwarding import forward_report

        enqueue(forward_report, str(report.pk), priority=60)
        return
    for entry in report.urls:
        evidence, created = Evidence.objects.get_or_create(report=report, url=entry["url"],
                                                           defaults={"case": case})
        if created:
            enqueue(capture_evidence, str(evidence.pk),
                    priority=priority_for_severity(case.severity if case else "S3"))
