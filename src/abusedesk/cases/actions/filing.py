"""A report enters a case (or is not ours), detectors' findings are recorded, a notice is marked unfounded."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.cases import signals
from abusedesk.cases.actions.base import ActionRefused, actor, require_decider
from abusedesk.cases.actions.severity import raise_lane, raise_severity
from abusedesk.cases.models import Case, CaseStatus, Finding
from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK, initial_severity
from abusedesk.intake.models import Report, ReportStatus

if TYPE_CHECKING:
    from abusedesk.accounts.models import User
    from abusedesk.attribution.resolve import Match


def do_file_report(report: Report, match: Match) -> Case:
    """Attach an attributed report to the open case for its property, opening one if needed."""
    severity, reason = initial_severity(report.category)
    group_key = f"property:{match.property.pk}"
    with audit.atomic():
        case = (Case.objects.select_for_update()
                .filter(group_key=group_key).exclude(status=CaseStatus.CLOSED).order_by("opened_at").first())
        if case is None:
            case = Case.objects.create(
                title=f"{match.customer.name}: {match.property.value}", severity=severity,
                severity_rank=SEVERITY_RANK[severity], severity_reason=reason, group_key=group_key,
                customer=match.customer, property=match.property, lane=report.lane,
                lane_rank=LANE_RANK.get(report.lane, 2))
            audit.append(actor="system", verb="case.opened", object_type="case", object_id=str(case.pk),
                         payload={"severity": severity, "reason": reason, "group_key": group_key})
        else:
            raise_severity(case, severity, reason)
            raise_lane(case, report.lane)
        Report.objects.filter(pk=report.pk).update(case=case, status=ReportStatus.IN_CASE,
                                                   processed_at=timezone.now())
        audit.append(actor="system", verb="report.attributed", object_type="report", object_id=str(report.pk),
                     payload={"case": case.pk, "customer": str(match.customer.pk),
                              "property": match.property.value, "services": match.service_kinds,
                              "hosts_content": match.hosts_content})
    return case


def do_mark_not_our_customer(report: Report) -> None:
    with audit.atomic():
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.NOT_OUR_CUSTOMER,
                                                   processed_at=timezone.now())
        audit.append(actor="system", verb="report.not_our_customer", object_type="report",
                     object_id=str(report.pk), payload={"hosts": sorted({u["host"] for u in report.urls})})
        report.status = ReportStatus.NOT_OUR_CUSTOMER
        signals.report_not_ours.send(sender=Report, report=report)


def do_record_findings(*, report: Report | None, case: Case | None, source: str,
                       findings: list[dict[str, Any]], evidence_id: str | None = None) -> list[Finding]:
    """Store detector findings (spans reference the encrypted text; no text is copied here)."""
    with audit.atomic():
        rows = [Finding.objects.create(report=report, case=case, evidence_id=evidence_id, source=source,
                                       detector=f["detector"], detector_version=f["detector_version"],
                                       category=f["category"], score=f["score"], spans=f.get("spans", []),
                                       explanation_json=json.dumps(f.get("explanation", {}), ensure_ascii=False))
                for f in findings]
        audit.append(actor="system", verb="findings.recorded", object_type="report" if report else "case",
                     object_id=str(report.pk if report else case.pk if case else "-"),
                     payload={"source": source, "count": len(rows),
                              "categories": sorted({f["category"] for f in findings})})
    return rows


def do_mark_unfounded(report: Report, *, acting_user: User, reason: str) -> Report:
    """Mark a notice manifestly unfounded (DSA Art. 23); the misuse rule then applies to its reporter."""
    require_decider(acting_user)
    if not reason.strip():
        raise ActionRefused("say why the notice is manifestly unfounded")
    with audit.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("reporter").get(pk=report.pk)
        if report.manifestly_unfounded:
            raise ActionRefused("this notice is already marked manifestly unfounded")
        Report.objects.filter(pk=report.pk).update(manifestly_unfounded=True)
        report.manifestly_unfounded = True
        audit.append(actor=actor(acting_user), verb="report.marked_unfounded", object_type="report",
                     object_id=str(report.pk), payload={"reason": reason[:500]})
        signals.report_marked_unfounded.send(sender=Report, report=report, acting_user=acting_user)
    return report
