"""Detection jobs: run the detectors on report text and on captured evidence, store findings, re-triage."""

from __future__ import annotations

from typing import Any

from abusedesk.cases import actions
from abusedesk.cases.models import Case, Finding
from abusedesk.common.severity import more_severe
from abusedesk.intake.models import Report
from abusedesk.jobs import job
from abusedesk.triage.rules import Verdict, evaluate


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
    return analyse_evidence(evidence_id)


def analyse_evidence(evidence_id: str) -> str:
    """Run the detectors on a captured page's text, store findings, re-triage (the capture job calls this inline)."""
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
    verdict = evaluate(_case_findings(case_id))
    if verdict.severity is None:
        return False
    return actions.do_raise_severity(Case.objects.get(pk=case_id), verdict.severity, _reason(verdict), trigger)


def _case_findings(case_id: int) -> list[dict[str, Any]]:
    from abusedesk.triage.rules import load_rules

    threshold = load_rules().threshold
    return [{"category": f.category, "score": f.score, "spans": f.spans, "explanation": f.explanation,
             "source": f.source, "report": str(f.report_id) if f.report_id else None,
             "evidence": str(f.evidence_id) if f.evidence_id else None}
            for f in Finding.objects.filter(case_id=case_id, score__gte=threshold)]


def _reason(verdict: Verdict) -> str:
    shown = f" — {'; '.join(verdict.evidence)}" if verdict.evidence else ""
    return f"{verdict.reason}{shown} [rule {verdict.rule}]"


def queue_detection(reports: list[Any], case: Any) -> None:
    """AFTER_FILING hook: analyse each report's own text right away, inside the filing job (a few ms each), so an
    S0 is raised without a second wait in the queue; the job form stays for re-analysis."""
    detect_reports(reports, case)


def detect_reports(reports: list[Any], case: Case | None) -> int:
    """Analyse the reports' own texts (those not analysed yet) in one batch (the models run once over it), store
    their findings and re-triage the case once for all of them (retriage_reports). Returns how many were analysed."""
    from abusedesk.detection.api import analyse_many
    from abusedesk.triage.targets import link_from_result

    done = set(Finding.objects.filter(report__in=[r.pk for r in reports], source="report_text")
               .values_list("report_id", flat=True))
    todo = [r for r in reports if r.pk not in done]
    results = (analyse_many([r.explanation for r in todo], [r.language or None for r in todo], as_one_by_one=True)
               if todo else [])
    analysed: list[tuple[Any, list[dict[str, Any]]]] = []
    for report, result in zip(todo, results, strict=True):
        rows = _finding_rows(result)
        actions.do_record_findings(report=report, case=case, source="report_text", findings=rows)
        if case is not None:
            link_from_result(case, result)
        analysed.append((report, rows))
    if case is not None:
        retriage_reports(case.pk, analysed)
    return len(analysed)


def retriage_reports(case_id: int, analysed: list[tuple[Any, list[dict[str, Any]]]]) -> bool:
    """Re-triage a case once after a batch of its reports was analysed, as if after each in turn: skipped when their
    findings cannot raise it (rules.may_raise); when the verdict is more severe, the first report of the batch at
    which it is reached (found by bisection: verdicts only grow with findings) is named as the trigger."""
    from abusedesk.triage.rules import load_rules, may_raise

    threshold = load_rules().threshold
    hit = [(report, rows) for report, rows in analysed if any(r["score"] >= threshold for r in rows)]
    severity = Case.objects.values_list("severity", flat=True).get(pk=case_id)
    if not hit or severity == "S0":
        return False
    new = [row for _, rows in hit for row in rows]
    cats = {r["category"] for r in new if r["score"] >= threshold}
    above = Finding.objects.filter(case_id=case_id, score__gte=threshold)
    if not may_raise(severity, new, ruleset=load_rules(),
                     threat_in_case="doxxing" in cats and above.filter(category="threat").exists(),
                     located_in_case="threat" in cats and above.filter(category="doxxing").exists()):
        return False
    findings = _case_findings(case_id)
    verdict = evaluate(findings)
    if verdict.severity is None or more_severe(verdict.severity, severity) == severity:
        return False
    first, verdict = _first_reaching(findings, [str(report.pk) for report, _ in hit], verdict)
    return actions.do_raise_severity(Case.objects.get(pk=case_id), verdict.severity or severity, _reason(verdict),
                                     {"report": first})


def _first_reaching(findings: list[dict[str, Any]], ids: list[str], verdict: Verdict) -> tuple[str, Verdict]:
    """The first of `ids` (in order) whose own-text findings, with those of the case and of the ids before it, give
    the verdict's severity; and the verdict at that point."""

    def upto(k: int) -> Verdict:
        later = set(ids[k + 1:])
        return evaluate([f for f in findings if not (f["source"] == "report_text" and f["report"] in later)])

    low, high, best = 0, len(ids) - 1, verdict
    while low < high:
        mid = (low + high) // 2
        at = upto(mid)
        if at.severity == verdict.severity:
            high, best = mid, at
        else:
            low = mid + 1
    return ids[low], best


def severity_alone(result: Any, report_id: str) -> str | None:
    """The severity the rules give a report's own text with nothing else of its case: what screening a waiting
    report can know before it is filed (pipeline/screen.py). The case may make it more severe later, never less."""
    from abusedesk.triage.rules import load_rules

    threshold = load_rules().threshold
    rows = [dict(row, source="report_text", report=report_id) for row in _finding_rows(result)
            if row["score"] >= threshold]
    return evaluate(rows).severity if rows else None
