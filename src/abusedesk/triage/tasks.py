"""Detection jobs: run the detectors on report text and on captured evidence, store findings, re-triage."""

from __future__ import annotations

from typing import Any

from abusedesk.cases import actions
from abusedesk.cases.models import Case, Finding
from abusedesk.intake.models import Report
from abusedesk.jobs import job
from abusedesk.triage.rules import evaluate


def _finding_rows(result: Any) -> list[dict[str, Any]]:
    """Findings as stored; each explanation carries the blind keys of the people the text names (`targets`), so
    triage can tell whether a threat and a location concern the same person without storing the names."""
    from abusedesk.triage.targets import target_keys

    keys = target_keys(result)
    rows = []
    for finding in result.findings:
        rows.append({
            "detector": finding.detector, "detector_version": finding.version, "category": finding.category,
            "score": round(float(finding.score), 4),
            "spans": [{"start": s.start, "end": s.end, "type": s.type} for s in finding.spans],
            "explanation": {**dict(finding.explanation), "targets": keys},
        })
    return [r for r in rows if r["score"] >= 0.2 or r["spans"]]


@job(max_attempts=4)
def detect_report(report_id: str) -> str:
    from abusedesk.detection.api import analyse

    report = Report.objects.get(pk=report_id)
    if report.findings.filter(source="report_text").exists():
        return "already analysed"
    result = analyse(report.explanation, report.language or None)
    actions.do_record_findings(report=report, case=report.case, source="report_text", findings=_finding_rows(result))
    if report.case_id:
        from abusedesk.triage.targets import link_from_result

        link_from_result(report.case, result)
        retriage(report.case_id, trigger={"report": str(report.pk)})
    return ",".join(result.labels) or "none"


@job(max_attempts=4)
def detect_evidence(evidence_id: str) -> str:
    from abusedesk.detection.api import analyse
    from abusedesk.evidence.models import Evidence

    evidence = Evidence.objects.select_related("report").get(pk=evidence_id)
    if evidence.findings.exists() or not evidence.text:
        return "nothing to do"
    result = analyse(evidence.text, None)
    actions.do_record_findings(report=evidence.report, case=evidence.case, source="evidence",
                               findings=_finding_rows(result), evidence_id=str(evidence.pk))
    if evidence.case_id:
        from abusedesk.triage.targets import link_from_result

        link_from_result(evidence.case, result)
        retriage(evidence.case_id, trigger={"url": evidence.url})
    return ",".join(result.labels) or "none"


def retriage(case_id: int, trigger: dict[str, Any] | None = None) -> bool:
    from abusedesk.triage.rules import load_rules

    threshold = load_rules().threshold
    findings = [{"category": f.category, "score": f.score, "spans": f.spans, "explanation": f.explanation,
                 "source": f.source, "report": str(f.report_id) if f.report_id else None,
                 "evidence": str(f.evidence_id) if f.evidence_id else None}
                for f in Finding.objects.filter(case_id=case_id, score__gte=threshold)]
    verdict = evaluate(findings)
    if verdict.severity is None:
        return False
    shown = f" — {'; '.join(verdict.evidence)}" if verdict.evidence else ""
    reason = f"{verdict.reason}{shown} [rule {verdict.rule}]"
    return actions.do_raise_severity(Case.objects.get(pk=case_id), verdict.severity, reason, trigger)


def queue_detection(report: Any, case: Any) -> None:
    """AFTER_FILING hook: analyse the report's own text right away, inside the filing job (a few ms), so an
    S0 is raised without a second wait in the queue; the job form stays for re-analysis."""
    detect_report.call(str(report.pk))
