"""Reports enter a case (one, or a batch under one case lock) or are not ours; detectors' findings are recorded; a
notice is marked unfounded; a report is closed on its own."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.attribution.models import Property
from abusedesk.audit import trail as audit
from abusedesk.cases import signals
from abusedesk.cases.actions.base import ActionRefused, actor, require_decider
from abusedesk.cases.actions.severity import raise_lane, raise_severity
from abusedesk.cases.models import Case, CaseStatus, Finding, window_seconds
from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK, initial_severity
from abusedesk.intake.models import Report, ReportStatus

if TYPE_CHECKING:
    from abusedesk.accounts.models import User
    from abusedesk.attribution.resolve import Match


def do_file_report(report: Report, match: Match) -> Case:
    """Attach an attributed report to the open case for its property, opening one if needed."""
    return do_file_reports([report], match)


def do_file_reports(reports: Sequence[Report], match: Match) -> Case:
    """File reports attributed to one property into its open case, opening one if needed, under one case lock: one
    `report.attributed` event per report, the case's count and rate, and `case.campaign_started` when the reports
    received within one window reach the campaign threshold. The caller holds the reports (locked, still RECEIVED);
    their `case`, `status` and `processed_at` are set on the objects too."""
    if not reports:
        raise ValueError("no reports to file")
    now = timezone.now()
    with audit.atomic():
        # The property's row serialises the opening of its case (two workers must not open two); NO KEY UPDATE lets
        # rows that merely reference it be inserted meanwhile.
        list(Property.objects.select_for_update(no_key=True).filter(pk=match.property.pk).values_list("pk"))
        case = _open_case(match, reports)
        ids = [r.pk for r in reports]
        Report.objects.filter(pk__in=ids).update(case=case, status=ReportStatus.IN_CASE, processed_at=now)
        about = {"case": case.pk, "customer": str(match.customer.pk), "property": match.property.value,
                 "services": match.service_kinds, "hosts_content": match.hosts_content}
        for report in reports:
            audit.append(actor="system", verb="report.attributed", object_type="report", object_id=str(report.pk),
                         payload=about)
            report.case, report.status, report.processed_at = case, ReportStatus.IN_CASE, now
        _count_reports(case, len(reports), now)
    return case


def _open_case(match: Match, reports: Sequence[Report]) -> Case:
    """The property's open case, locked, its severity and lane raised for these reports; or a new one."""
    severity, reason = min((initial_severity(r.category) for r in reports), key=lambda sr: SEVERITY_RANK[sr[0]])
    lane = min((r.lane for r in reports), key=lambda name: LANE_RANK.get(name, 2))
    group_key = f"property:{match.property.pk}"
    case = (Case.objects.select_for_update(no_key=True)
            .filter(group_key=group_key).exclude(status=CaseStatus.CLOSED).order_by("opened_at").first())
    if case is None:
        case = Case.objects.create(
            title=f"{match.customer.name}: {match.property.value}", severity=severity,
            severity_rank=SEVERITY_RANK[severity], severity_reason=reason, group_key=group_key,
            customer=match.customer, property=match.property, lane=lane, lane_rank=LANE_RANK.get(lane, 2))
        audit.append(actor="system", verb="case.opened", object_type="case", object_id=str(case.pk),
                     payload={"severity": severity, "reason": reason, "group_key": group_key})
        return case
    raise_severity(case, severity, reason)
    raise_lane(case, lane)
    return case


def _count_reports(case: Case, filed: int, now: datetime) -> None:
    """Add `filed` reports to the case's count and decayed rate; mark a campaign when the reports received within the
    window reach the threshold (counted only when the decayed count allows it: every report of the window still
    weighs at least 1/e)."""
    recent = case.recent_reports_at(now) + filed
    changes: dict[str, Any] = {"reports_filed": F("reports_filed") + filed, "last_report_at": now,
                               "recent_reports": recent}
    threshold = int(settings.CAMPAIGN_REPORTS)
    if case.campaign_since is None and threshold > 0 and recent * math.e >= threshold:
        since = now - timedelta(seconds=window_seconds())
        within = Report.objects.filter(case=case, received_at__gte=since).count()
        if within >= threshold:
            changes["campaign_since"] = now
            audit.append(actor="system", verb="case.campaign_started", object_type="case", object_id=str(case.pk),
                         payload={"reports_in_window": within, "window_seconds": int(window_seconds()),
                                  "threshold": threshold})
    Case.objects.filter(pk=case.pk).update(**changes)
    case.refresh_from_db(fields=["reports_filed", "last_report_at", "recent_reports", "campaign_since"])


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
        raise ActionRefused(_("say why the notice is manifestly unfounded"))
    with audit.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("reporter").get(pk=report.pk)
        if report.manifestly_unfounded:
            raise ActionRefused(_("this notice is already marked manifestly unfounded"))
        Report.objects.filter(pk=report.pk).update(manifestly_unfounded=True)
        report.manifestly_unfounded = True
        audit.append(actor=actor(acting_user), verb="report.marked_unfounded", object_type="report",
                     object_id=str(report.pk), payload={"reason": reason[:500]})
        signals.report_marked_unfounded.send(sender=Report, report=report, acting_user=acting_user)
    return report


MAX_CLOSE_REASON = 500


def do_close_report(report: Report, *, reason: str, acting_user: User) -> Report:
    """Close one report of a case (a campaign's or a spam wave's, one by one: one `report.closed` each) and leave
    the case as it is; closing the case closes all its reports at once. Refused while a decision on the case
    awaits approval (as closing the case is) and for a report that is not in an open case."""
    require_decider(acting_user)
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("say why the report is closed: the reason is audited"))
    if len(reason) > MAX_CLOSE_REASON:
        raise ActionRefused(_("the reason is longer than %(limit)d characters") % {"limit": MAX_CLOSE_REASON})
    with audit.atomic():
        # The case first, then the report: the order closing or deciding the case takes its locks in.
        case_id = Report.objects.filter(pk=report.pk).values_list("case_id", flat=True).first()
        case = Case.objects.select_for_update().filter(pk=case_id).first() if case_id is not None else None
        report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
        if case is None or report.case_id != case.pk:
            raise ActionRefused(_("the report is not in a case"))
        if report.status == ReportStatus.CLOSED or case.status == CaseStatus.CLOSED:
            raise ActionRefused(_("the report is already closed"))
        if case.status == CaseStatus.AWAITING_APPROVAL:
            raise ActionRefused(_("a decision on its case is awaiting approval"))
        Report.objects.filter(pk=report.pk).update(status=ReportStatus.CLOSED)
        report.status = ReportStatus.CLOSED
        audit.append(actor=actor(acting_user), verb="report.closed", object_type="report", object_id=str(report.pk),
                     payload={"case": case.pk, "reason": reason})
    return report
