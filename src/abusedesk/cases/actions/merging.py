"""Reports moved to another case, and cases merged into one (a campaign or a spam wave that arrived as several
cases). Audited item by item, as everything here: one `report.moved` for each report that changes case (a merge of
a 50-report case writes 50), then one `case.merged` for the case merged away, which is closed.

A decision acts on its case's customer and property (`decisions.action_payload`), so reports move only between
cases of the same customer. Only an open case gives up reports (a case with a decision awaiting approval or in
effect keeps the reports it was decided on); the case they join must not be closed or awaiting approval, and takes
on their severity and lane when higher (as filing does: rules only raise, an analyst lowers with a reason)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import trail as audit
from abusedesk.cases import signals
from abusedesk.cases.actions.base import ActionRefused, actor, require_decider
from abusedesk.cases.actions.severity import raise_lane, raise_severity
from abusedesk.cases.models import Case, CaseStatus, Finding
from abusedesk.common.severity import initial_severity
from abusedesk.intake.models import Report

if TYPE_CHECKING:
    from abusedesk.accounts.models import User

MAX_MERGE_REASON = 500


def do_move_report(report: Report, target: Case, *, reason: str, acting_user: User) -> Report:
    """Move one report from its (open) case to `target` of the same customer: one `report.moved`."""
    require_decider(acting_user)
    reason = _clean(reason)
    with audit.atomic():
        case_id = Report.objects.filter(pk=report.pk).values_list("case_id", flat=True).first()
        if case_id is None:
            raise ActionRefused(_("the report is not in a case"))
        if case_id == target.pk:
            raise ActionRefused(_("the report is already in %(ref)s") % {"ref": target.ref})
        source, target = _lock_pair(case_id, target.pk)
        report = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
        if report.case_id != source.pk:
            raise ActionRefused(_("the report changed case meanwhile; reload the page"))
        _check_pair(source, target)
        _move([report], source, target, reason=reason, acting_user=acting_user, merge=False)
        severity, why = initial_severity(report.category)
        raise_severity(target, severity, f"a report moved here from {source.ref}: {why}",
                       trigger={"by": actor(acting_user), "report": str(report.pk)})
        raise_lane(target, report.lane)
        report.case = target
    return report


def do_merge_case(source: Case, target: Case, *, reason: str, acting_user: User) -> Case:
    """Merge `source` into `target`: every report of `source` moves (one `report.moved` each), `target` takes on its
    severity and lane when higher, and `source` is closed with one `case.merged`. Returns the target."""
    require_decider(acting_user)
    reason = _clean(reason)
    if source.pk == target.pk:
        raise ActionRefused(_("%(ref)s cannot be merged into itself") % {"ref": target.ref})
    with audit.atomic():
        source, target = _lock_pair(source.pk, target.pk)
        _check_pair(source, target)
        reports = list(Report.objects.select_for_update(of=("self",)).filter(case=source).order_by("received_at"))
        _move(reports, source, target, reason=reason, acting_user=acting_user, merge=True)
        raise_severity(target, source.severity, f"{source.ref} was merged into this case: {source.severity_reason}",
                       trigger={"by": actor(acting_user), "merged": source.pk})
        raise_lane(target, source.lane)
        Case.objects.filter(pk=source.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now(),
                                                 updated_at=timezone.now())
        audit.append(actor=actor(acting_user), verb="case.merged", object_type="case", object_id=str(source.pk),
                     payload={"into": target.pk, "reports": len(reports), "reason": reason})
        target.refresh_from_db()
    return target


def _clean(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("say why: the reason is audited with each report that moves"))
    if len(reason) > MAX_MERGE_REASON:
        raise ActionRefused(_("the reason is longer than %(limit)d characters") % {"limit": MAX_MERGE_REASON})
    return reason


def _lock_pair(source_id: int, target_id: int) -> tuple[Case, Case]:
    """Both cases, locked in the order of their ids (two merges in opposite directions do not deadlock)."""
    locked = {case.pk: case for case in Case.objects.select_for_update().filter(pk__in=[source_id, target_id])
              .order_by("pk")}
    if target_id not in locked:
        raise ActionRefused(_("there is no case C-%(id)s") % {"id": target_id})
    if source_id not in locked:
        raise ActionRefused(_("there is no case C-%(id)s") % {"id": source_id})
    return locked[source_id], locked[target_id]


def _check_pair(source: Case, target: Case) -> None:
    if source.status == CaseStatus.AWAITING_APPROVAL:
        raise ActionRefused(_("a decision on %(ref)s is awaiting approval") % {"ref": source.ref})
    if source.status == CaseStatus.DECIDED:
        raise ActionRefused(_("%(ref)s has a decision in effect: its reports stay with it") % {"ref": source.ref})
    if source.status == CaseStatus.CLOSED:
        raise ActionRefused(_("%(ref)s is closed") % {"ref": source.ref})
    if target.status == CaseStatus.CLOSED:
        raise ActionRefused(_("%(ref)s is closed") % {"ref": target.ref})
    if target.status == CaseStatus.AWAITING_APPROVAL:
        raise ActionRefused(_("a decision on %(ref)s is awaiting approval") % {"ref": target.ref})
    if source.customer_id != target.customer_id:
        raise ActionRefused(_("%(source)s and %(target)s are about different customers; a decision acts on its "
                              "case's customer, so their reports cannot share a case")
                            % {"source": source.ref, "target": target.ref})


def _move(reports: Sequence[Report], source: Case, target: Case, *, reason: str, acting_user: User,
          merge: bool) -> None:
    """Inside the transaction that holds both cases and the reports: the reports, their findings and evidence
    change case, the counts follow, and each report gets its `report.moved`."""
    ids = [report.pk for report in reports]
    Report.objects.filter(pk__in=ids).update(case=target)
    Finding.objects.filter(report_id__in=ids).update(case=target)
    source.evidence.filter(report_id__in=ids).update(case=target)
    signals.reports_moved.send(sender=Case, source=source, target=target, report_ids=ids)
    Case.objects.filter(pk=source.pk).update(reports_filed=max(0, source.reports_filed - len(ids)),
                                             updated_at=timezone.now())
    Case.objects.filter(pk=target.pk).update(reports_filed=F("reports_filed") + len(ids), updated_at=timezone.now())
    for report in reports:
        audit.append(actor=actor(acting_user), verb="report.moved", object_type="report", object_id=str(report.pk),
                     payload={"from": source.pk, "to": target.pk, "merge": merge, "reason": reason})

