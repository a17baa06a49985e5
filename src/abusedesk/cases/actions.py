"""Every change to case state goes through a `do_*` function here.

Each runs in one transaction, writes its audit event(s) and enqueues follow-up jobs in the same
transaction (the job table is in the same database, so a job exists exactly when the change committed).
Views, the API and workers never call `.save()` on a Case, Decision, Action or Notice themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from abusedesk.cases import audit
from abusedesk.cases.models import (
    FOUR_EYES_OUTCOMES,
    SEVERITY_RANK,
    Action,
    Approval,
    Case,
    CaseStatus,
    Decision,
    DecisionStatus,
    Finding,
    Outcome,
    PolicyClause,
)
from abusedesk.common.hashing import canonical_json, sha256_hex
from abusedesk.intake.models import Report, ReportStatus
from abusedesk.triage.severity import LANE_RANK, initial_severity, more_severe

if TYPE_CHECKING:
    from abusedesk.accounts.models import User
    from abusedesk.attribution.resolve import Match


class ActionRefused(ValueError):
    """A state change was refused; the message says why, in words an analyst can act on."""


class ReauthenticationRequired(ActionRefused):
    """The approver must prove who they are again before approving."""


def _actor(user: User | None) -> str:
    return f"user:{user.username}" if user is not None else "system"


# --- intake and triage -------------------------------------------------------------------------------

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
            _raise_severity(case, severity, reason)
            _raise_lane(case, report.lane)
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
        from abusedesk.enforcement.notices import create_reporter_notice

        report.status = ReportStatus.NOT_OUR_CUSTOMER
        create_reporter_notice(report, kind="not_our_customer")


MAX_SEVERITY_REASON = 500


def do_set_severity(case: Case, severity: str, reason: str, *, acting_user: User) -> Case:
    """An analyst sets the severity (rules only raise it, via _raise_severity). Any deciding role may raise it or
    lower it between S1 and S3; taking a case out of S0 (imminent threat to life) needs a senior analyst or an
    admin, since it gives up the emergency path and top priority. A reason is required and audited."""
    _require_decider(acting_user)
    if severity not in SEVERITY_RANK:
        raise ActionRefused(f"unknown severity {severity!r}")
    reason = reason.strip()
    if not reason:
        raise ActionRefused("say why the severity changes: the reason is shown on the case and audited")
    if len(reason) > MAX_SEVERITY_REASON:
        raise ActionRefused(f"the reason is longer than {MAX_SEVERITY_REASON} characters")
    with audit.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        old = case.severity
        _check_severity_change(case, severity, acting_user)
        Case.objects.filter(pk=case.pk).update(severity=severity, severity_rank=SEVERITY_RANK[severity],
                                               severity_reason=reason, updated_at=timezone.now())
        audit.append(actor=_actor(acting_user), verb="case.severity_changed", object_type="case",
                     object_id=str(case.pk), payload={"from": old, "to": severity, "reason": reason})
        case.refresh_from_db()
        if severity == "S0" and old != "S0":
            _on_s0(case, reason, {"by": _actor(acting_user)})
    return case


def _check_severity_change(case: Case, severity: str, user: User) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ActionRefused("the case is closed")
    if severity == case.severity:
        raise ActionRefused(f"the case is already {severity}")
    if case.severity == "S0" and not user.is_senior:
        raise ActionRefused("only a senior analyst or an admin may take a case out of S0")


def _raise_severity(case: Case, severity: str, reason: str, trigger: dict[str, Any] | None = None) -> bool:
    if more_severe(severity, case.severity) == case.severity:
        return False
    old = case.severity
    Case.objects.filter(pk=case.pk).update(severity=severity, severity_rank=SEVERITY_RANK[severity],
                                           severity_reason=reason, updated_at=timezone.now())
    case.severity, case.severity_rank, case.severity_reason = severity, SEVERITY_RANK[severity], reason
    audit.append(actor="system", verb="case.severity_raised", object_type="case", object_id=str(case.pk),
                 payload={"from": old, "to": severity, "reason": reason, "trigger": trigger or {}})
    if severity == "S0":
        _on_s0(case, reason, trigger)
    return True


def _on_s0(case: Case, reason: str, trigger: dict[str, Any] | None) -> None:
    """S0 pages on-call at once (same transaction) and prepares the referral packet as a job."""
    from abusedesk.jobs import Priority, enqueue
    from abusedesk.referrals.tasks import prepare_referral
    from abusedesk.triage.paging import raise_page

    raise_page(case, reason, trigger)
    enqueue(prepare_referral, case.pk, reason, priority=int(Priority.S0) - 1)


def do_raise_severity(case: Case, severity: str, reason: str, trigger: dict[str, Any] | None = None) -> bool:
    with audit.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        return _raise_severity(locked, severity, reason, trigger)


def _raise_lane(case: Case, lane: str) -> None:
    rank = LANE_RANK.get(lane, 2)
    if rank < case.lane_rank:
        Case.objects.filter(pk=case.pk).update(lane=lane, lane_rank=rank)
        audit.append(actor="system", verb="case.lane_raised", object_type="case", object_id=str(case.pk),
                     payload={"lane": lane})


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


# --- decisions ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DecisionInput:
    outcome: str
    policy_id: int
    reasoning: str
    facts: str = ""
    territorial_scope: tuple[str, ...] = ()
    duration_days: int | None = None
    automated_detection: bool = False
    # Pending action: hours between the decision taking effect and the action being carried out, so the
    # customer, told in the statement of reasons, can contest first. 0 = at once.
    notice_hours: int = 0


def action_payload(case: Case, data: DecisionInput, policy: PolicyClause) -> dict[str, Any]:
    """What will be done, as data: shown before approval, hashed so approvals bind to it."""
    services = []
    if case.property_id is not None:
        services = sorted(str(s) for s in case.property.services.values_list("id", flat=True))  # type: ignore[union-attr]
    return {"case": case.pk, "outcome": data.outcome, "policy": f"{policy.code}@{policy.version}",
            "customer": str(case.customer_id) if case.customer_id else None, "services": services,
            "territorial_scope": sorted(data.territorial_scope), "duration_days": data.duration_days}


def do_decide(case: Case, data: DecisionInput, *, acting_user: User, emergency: bool = False) -> Decision:
    """Record a decision. Suspension and termination wait for a second person, unless `emergency` is used on
    an S0 case: then it takes effect at once, is audited as an emergency and must be reviewed afterwards."""
    _require_decider(acting_user)
    if data.outcome not in Outcome.values:
        raise ActionRefused(f"unknown outcome {data.outcome!r}")
    if not data.reasoning.strip():
        raise ActionRefused("reasoning is required: explain the decision in your own words")
    policy = PolicyClause.objects.filter(pk=data.policy_id, active=True).first()
    if policy is None:
        raise ActionRefused("a decision must cite an active policy clause")
    with audit.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("customer", "property").get(pk=case.pk)
        if case.status == CaseStatus.CLOSED:
            raise ActionRefused("the case is closed")
        if case.decisions.filter(status=DecisionStatus.AWAITING_APPROVAL).exists():
            raise ActionRefused("another decision on this case is awaiting approval")
        # Orders come only through an authority's token (the lane); one marked manifestly unfounded blocks nothing.
        orders = list(case.reports.filter(lane="authority", manifestly_unfounded=False))
        incomplete = [problem for r in orders for problem in r.order_problems]
        if incomplete and data.outcome != Outcome.NO_ACTION:
            raise ActionRefused("an authority order in this case is incomplete (" + "; ".join(incomplete[:3]) +
                                "); ask the authority to complete it before acting")
        payload = action_payload(case, data, policy)
        if emergency and (case.severity != "S0" or data.outcome not in FOUR_EYES_OUTCOMES):
            raise ActionRefused("the emergency path is only for suspending or terminating on an S0 case")
        # A protected customer raises the bar: acting on an authority order needs a (senior) second person.
        protected_order = bool(orders and case.customer and case.customer.protected)
        four_eyes = (data.outcome in FOUR_EYES_OUTCOMES or (protected_order and data.outcome != Outcome.NO_ACTION)) \
            and not emergency
        decision = Decision.objects.create(
            case=case, outcome=data.outcome, policy=policy, ground=policy.ground, reasoning=data.reasoning.strip(),
            facts=data.facts.strip(), automated_detection=data.automated_detection,
            territorial_scope=list(data.territorial_scope), duration_days=data.duration_days,
            status=DecisionStatus.AWAITING_APPROVAL if four_eyes else DecisionStatus.EFFECTIVE,
            payload_hash=sha256_hex(canonical_json(payload)), notice_hours=max(0, int(data.notice_hours)),
            requires_senior=bool(case.customer and case.customer.protected), decided_by=acting_user,
            emergency=emergency)
        audit.append(actor=_actor(acting_user), verb="decision.made", object_type="decision",
                     object_id=str(decision.pk), payload={"case": case.pk, "outcome": data.outcome,
                                                          "policy": payload["policy"], "four_eyes": four_eyes,
                                                          "emergency": emergency,
                                                          "payload_hash": decision.payload_hash})
        if emergency:
            audit.append(actor=_actor(acting_user), verb="decision.emergency", object_type="decision",
                         object_id=str(decision.pk), payload={"case": case.pk, "severity": case.severity,
                                                              "review_required": True})
        if four_eyes:
            Case.objects.filter(pk=case.pk).update(status=CaseStatus.AWAITING_APPROVAL)
        else:
            _make_effective(decision, payload, acting_user)
    return decision


def do_approve(decision: Decision, *, acting_user: User, authenticated_at: datetime | None = None,
               second_factor_at: datetime | None = None) -> Decision:
    """Second-person approval. `authenticated_at` is when the approver last proved who they are (the console
    passes its session's login time); it must be recent (settings.APPROVAL_REAUTH_MINUTES). With a second factor
    required (settings.APPROVAL_REQUIRE_MFA, or the approver has a device), `second_factor_at` is when they entered
    a one-time code for THIS approval (the console spends it): a log-in, however recent, is not enough."""
    _require_decider(acting_user)
    _require_recent_authentication(authenticated_at)
    _require_second_factor(acting_user, second_factor_at)
    with audit.atomic():
        decision = Decision.objects.select_for_update().select_related("case", "policy").get(pk=decision.pk)
        _check_approver(decision, acting_user)
        payload = action_payload(decision.case, _input_of(decision), decision.policy)
        current_hash = sha256_hex(canonical_json(payload))
        customer = decision.case.customer
        # Who must approve was fixed when the decision was made; a customer made (un)protected since voids it.
        void_reason = ("action payload changed after decision" if current_hash != decision.payload_hash else
                       "customer protection changed after decision"
                       if bool(customer and customer.protected) != decision.requires_senior else "")
        changed = bool(void_reason)
        if changed:
            # Committed on purpose: a decision whose effect changed stays void; then the approver is told.
            Decision.objects.filter(pk=decision.pk).update(status=DecisionStatus.VOIDED)
            Case.objects.filter(pk=decision.case_id).update(status=CaseStatus.OPEN)
            audit.append(actor=_actor(acting_user), verb="decision.voided", object_type="decision",
                         object_id=str(decision.pk), payload={"reason": void_reason})
        else:
            Approval.objects.create(decision=decision, approver=acting_user, payload_hash=current_hash)
            audit.append(actor=_actor(acting_user), verb="decision.approved", object_type="decision",
                         object_id=str(decision.pk), payload={"payload_hash": current_hash})
            _make_effective(decision, payload, acting_user)
    if changed:
        raise ActionRefused("what this decision would do has changed since it was made; decide again")
    return decision


MAX_RETURN_REASON = 2000


def do_return_decision(decision: Decision, *, acting_user: User, reason: str, reject: bool) -> Decision:
    """The second analyst's other answers: reject the decision (the outcome is wrong) or send it back for
    changes. Either way nothing is enforced, the case is open again, and the requester sees the reason. Who may
    do it is who may approve (not the requester; a senior for a protected customer)."""
    _require_decider(acting_user)
    reason = reason.strip()
    if not reason:
        raise ActionRefused("say why: the analyst who made the decision reads the reason")
    if len(reason) > MAX_RETURN_REASON:
        raise ActionRefused(f"the reason is longer than {MAX_RETURN_REASON} characters")
    status, verb = ((DecisionStatus.REJECTED, "decision.rejected") if reject else
                    (DecisionStatus.SENT_BACK, "decision.sent_back"))
    with audit.atomic():
        decision = Decision.objects.select_for_update().select_related("case").get(pk=decision.pk)
        _check_approver(decision, acting_user)
        Decision.objects.filter(pk=decision.pk).update(status=status, returned_reason=reason)
        Case.objects.filter(pk=decision.case_id).update(status=CaseStatus.OPEN, updated_at=timezone.now())
        audit.append(actor=_actor(acting_user), verb=verb, object_type="decision", object_id=str(decision.pk),
                     payload={"case": decision.case_id, "reason": reason})
    decision.refresh_from_db()
    return decision


def _require_recent_authentication(authenticated_at: datetime | None) -> None:
    limit = timedelta(minutes=settings.APPROVAL_REAUTH_MINUTES)
    if authenticated_at is None or timezone.now() - authenticated_at > limit:
        raise ReauthenticationRequired(
            f"approving needs a log-in within the last {settings.APPROVAL_REAUTH_MINUTES} minutes; "
            "confirm your password")


def _require_second_factor(user: User, second_factor_at: datetime | None) -> None:
    from abusedesk.accounts import mfa

    enrolled = mfa.has_device(user)
    if not (settings.APPROVAL_REQUIRE_MFA or enrolled):
        return
    if not enrolled:
        raise ActionRefused("approvals need a second factor and you have none: ask an administrator to run "
                            "`abusedesk users mfa` for you")
    if second_factor_at is None or timezone.now() - second_factor_at > timedelta(seconds=mfa.CODE_FRESH_SECONDS):
        raise ReauthenticationRequired("each approval needs a fresh one-time code; confirm your password and code")


def _check_approver(decision: Decision, user: User) -> None:
    if decision.status != DecisionStatus.AWAITING_APPROVAL:
        raise ActionRefused("this decision is not awaiting approval")
    if timezone.now() - decision.decided_at > timedelta(hours=settings.APPROVAL_TTL_HOURS):
        raise ActionRefused(f"this decision waited more than {settings.APPROVAL_TTL_HOURS} hours for approval and "
                            "has expired; decide again")
    if decision.decided_by_id == user.pk:
        raise ActionRefused("the person who made a decision cannot approve it")
    if decision.requires_senior and not user.is_senior:
        raise ActionRefused("the customer is protected: a senior analyst must approve")
    if decision.approvals.filter(approver=user).exists():
        raise ActionRefused("you have already approved this decision")


def _input_of(decision: Decision) -> DecisionInput:
    return DecisionInput(outcome=decision.outcome, policy_id=decision.policy_id, reasoning=decision.reasoning,
                         territorial_scope=tuple(decision.territorial_scope),
                         duration_days=decision.duration_days, notice_hours=decision.notice_hours)


def _make_effective(decision: Decision, payload: dict[str, Any], acting_user: User) -> None:
    """Mark effective exactly once (unique execution key), plan the actions and notify."""
    key = f"decision:{decision.pk}"
    updated = Decision.objects.filter(pk=decision.pk, execution_key__isnull=True).update(
        status=DecisionStatus.EFFECTIVE, effective_at=timezone.now(), execution_key=key)
    if not updated:
        raise ActionRefused("this decision has already been carried out")
    Case.objects.filter(pk=decision.case_id).update(status=CaseStatus.DECIDED, updated_at=timezone.now())
    from abusedesk.enforcement.planning import plan_actions
    from abusedesk.enforcement.tasks import perform_action
    from abusedesk.jobs import enqueue, priority_for_severity

    delay_s = 0 if decision.emergency else decision.notice_hours * 3600
    scheduled_for = timezone.now() + timedelta(seconds=delay_s) if delay_s else None
    for planned in plan_actions(decision, payload):
        action = Action.objects.create(decision=decision, kind=planned.kind, payload=planned.payload,
                                       idempotency_key=f"{key}:{planned.kind}", scheduled_for=scheduled_for)
        audit.append(actor=_actor(acting_user), verb="action.planned", object_type="action",
                     object_id=str(action.pk), payload={"kind": planned.kind, "decision": str(decision.pk)})
        enqueue(perform_action, str(action.pk), priority=priority_for_severity(decision.case.severity),
                delay_s=delay_s or None)
    audit.append(actor=_actor(acting_user), verb="decision.effective", object_type="decision",
                 object_id=str(decision.pk), payload={"execution_key": key})
    from abusedesk.enforcement.notices import notify_decision

    notify_decision(decision)


def do_close_case(case: Case, *, reason: str, acting_user: User) -> Case:
    _require_decider(acting_user)
    with audit.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status == CaseStatus.AWAITING_APPROVAL:
            raise ActionRefused("a decision on this case is awaiting approval")
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
        Report.objects.filter(case=case).update(status=ReportStatus.CLOSED)
        audit.append(actor=_actor(acting_user), verb="case.closed", object_type="case", object_id=str(case.pk),
                     payload={"reason": reason[:500]})
        case.refresh_from_db()
    return case


def _require_decider(user: User) -> None:
    if not user.can_decide:
        raise ActionRefused("your role cannot make or approve decisions")


def do_review_emergency(decision: Decision, *, acting_user: User, confirm: bool, reasoning: str) -> Decision:
    """The after-the-fact review of an S0 emergency decision by someone else; not confirming reverses it."""
    _require_decider(acting_user)
    reasoning = reasoning.strip()
    if not reasoning:
        raise ActionRefused("say why you confirm or reverse the emergency decision")
    with audit.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if not decision.emergency or decision.emergency_reviewed_by_id is not None:
            raise ActionRefused("this decision is not an emergency decision awaiting review")
        if decision.decided_by_id == acting_user.pk:
            raise ActionRefused("the person who made an emergency decision cannot review it")
        Decision.objects.filter(pk=decision.pk).update(emergency_reviewed_by=acting_user)
        audit.append(actor=_actor(acting_user), verb="decision.emergency_reviewed", object_type="decision",
                     object_id=str(decision.pk), payload={"confirmed": confirm, "reasoning": reasoning[:500]})
        if not confirm:
            _reverse(decision, acting_user, reason="emergency decision not confirmed on review")
    decision.refresh_from_db()
    return decision


def do_reverse_decision(decision: Decision, *, acting_user: User, reason: str) -> Decision:
    """Undo an effective decision (an appeal was upheld): reverse its actions and reopen the case."""
    _require_decider(acting_user)
    with audit.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        _reverse(decision, acting_user, reason=reason)
    decision.refresh_from_db()
    return decision


def _reverse(decision: Decision, acting_user: User, *, reason: str) -> None:
    if decision.status != DecisionStatus.EFFECTIVE:
        raise ActionRefused("only an effective decision can be reversed")
    Decision.objects.filter(pk=decision.pk).update(status=DecisionStatus.REVERSED, reversed_at=timezone.now())
    Case.objects.filter(pk=decision.case_id).update(status=CaseStatus.OPEN, updated_at=timezone.now())
    from abusedesk.enforcement.tasks import reverse_action
    from abusedesk.jobs import enqueue

    for action in decision.actions.all():
        enqueue(reverse_action, str(action.pk), priority=60)
    audit.append(actor=_actor(acting_user), verb="decision.reversed", object_type="decision",
                 object_id=str(decision.pk), payload={"reason": reason[:500]})


def do_mark_unfounded(report: Report, *, acting_user: User, reason: str) -> Report:
    """Mark a notice manifestly unfounded (DSA Art. 23) and apply the misuse rule to its reporter."""
    _require_decider(acting_user)
    if not reason.strip():
        raise ActionRefused("say why the notice is manifestly unfounded")
    with audit.atomic():
        report = Report.objects.select_for_update(of=("self",)).select_related("reporter").get(pk=report.pk)
        if report.manifestly_unfounded:
            raise ActionRefused("this notice is already marked manifestly unfounded")
        Report.objects.filter(pk=report.pk).update(manifestly_unfounded=True)
        report.manifestly_unfounded = True
        audit.append(actor=_actor(acting_user), verb="report.marked_unfounded", object_type="report",
                     object_id=str(report.pk), payload={"reason": reason[:500]})
        from abusedesk.misuse.policy import evaluate

        evaluate(report, acting_user=acting_user)
    return report
