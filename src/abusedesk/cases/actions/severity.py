"""A case's severity and lane: rules only raise them; an analyst sets the severity, with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import trail as audit
from abusedesk.cases import signals
from abusedesk.cases.actions.base import ActionRefused, actor, require_decider
from abusedesk.cases.models import Case, CaseStatus
from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK, more_severe

if TYPE_CHECKING:
    from abusedesk.accounts.models import User

MAX_SEVERITY_REASON = 500


def check_set_severity(case: Case, severity: str, reason: str, *, acting_user: User) -> str:
    """Refuse what no one may do; returns the cleaned reason. The case-dependent checks run under its lock."""
    require_decider(acting_user)
    if severity not in SEVERITY_RANK:
        raise ActionRefused(_("unknown severity %(severity)s") % {"severity": repr(severity)})
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("say why the severity changes: the reason is shown on the case and audited"))
    if len(reason) > MAX_SEVERITY_REASON:
        raise ActionRefused(_("the reason is longer than %(limit)d characters") % {"limit": MAX_SEVERITY_REASON})
    return reason


def do_set_severity(case: Case, severity: str, reason: str, *, acting_user: User) -> Case:
    """An analyst sets the severity (rules only raise it, via raise_severity). Any deciding role may raise it or
    lower it between S1 and S3; taking a case out of S0 (imminent threat to life) needs a senior analyst or an
    admin, since it gives up the emergency path and top priority. A reason is required and audited."""
    reason = check_set_severity(case, severity, reason, acting_user=acting_user)
    with audit.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        old = case.severity
        _check_severity_change(case, severity, acting_user)
        Case.objects.filter(pk=case.pk).update(severity=severity, severity_rank=SEVERITY_RANK[severity],
                                               severity_reason=reason, updated_at=timezone.now())
        audit.append(actor=actor(acting_user), verb="case.severity_changed", object_type="case",
                     object_id=str(case.pk), payload={"from": old, "to": severity, "reason": reason})
        case.refresh_from_db()
        if severity == "S0" and old != "S0":
            signals.case_became_s0.send(sender=Case, case=case, reason=reason,
                                        trigger={"by": actor(acting_user)})
    return case


def _check_severity_change(case: Case, severity: str, user: User) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ActionRefused(_("the case is closed"))
    if severity == case.severity:
        raise ActionRefused(_("the case is already %(severity)s") % {"severity": severity})
    if case.severity == "S0" and not user.is_senior:
        raise ActionRefused(_("only a senior analyst or an admin may take a case out of S0"))


def raise_severity(case: Case, severity: str, reason: str, trigger: dict[str, Any] | None = None) -> bool:
    """Inside a transaction that holds the case: raise (never lower) its severity; an S0 is announced."""
    if more_severe(severity, case.severity) == case.severity:
        return False
    old = case.severity
    Case.objects.filter(pk=case.pk).update(severity=severity, severity_rank=SEVERITY_RANK[severity],
                                           severity_reason=reason, updated_at=timezone.now())
    case.severity, case.severity_rank, case.severity_reason = severity, SEVERITY_RANK[severity], reason
    audit.append(actor="system", verb="case.severity_raised", object_type="case", object_id=str(case.pk),
                 payload={"from": old, "to": severity, "reason": reason, "trigger": trigger or {}})
    if severity == "S0":
        signals.case_became_s0.send(sender=Case, case=case, reason=reason, trigger=trigger)
    return True


def do_raise_severity(case: Case, severity: str, reason: str, trigger: dict[str, Any] | None = None) -> bool:
    with audit.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        return raise_severity(locked, severity, reason, trigger)


def raise_lane(case: Case, lane: str) -> None:
    rank = LANE_RANK.get(lane, 2)
    if rank < case.lane_rank:
        Case.objects.filter(pk=case.pk).update(lane=lane, lane_rank=rank)
        audit.append(actor="system", verb="case.lane_raised", object_type="case", object_id=str(case.pk),
                     payload={"lane": lane})
