"""Decisions: made (`check_decide` then `do_decide`), approved by a second person, rejected or sent back,
reviewed after an emergency, and the case closed. A decision that takes effect is announced
(`signals.decision_effective`): enforcement plans and carries out its actions, the people concerned are told."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import trail as audit
from abusedesk.cases import signals
from abusedesk.cases.actions.base import ActionRefused, ReauthenticationRequired, actor, require_decider
from abusedesk.cases.actions.reversal import reverse
from abusedesk.cases.models import (
    FOUR_EYES_OUTCOMES,
    SITE_ASSESSMENT,
    Approval,
    Case,
    CaseStatus,
    Decision,
    DecisionScope,
    DecisionStatus,
    Outcome,
    PolicyClause,
)
from abusedesk.common.hashing import canonical_json, sha256_hex
from abusedesk.intake.models import Report, ReportStatus
from abusedesk.intake.service import order_problem_words

if TYPE_CHECKING:
    from abusedesk.accounts.models import User


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
    # What the decision judges (DecisionScope), and the site assessment of the case it cites (an Evidence id).
    scope: str = DecisionScope.CONTENT
    assessment_id: str | None = None


@dataclass(frozen=True)
class CheckedDecision:
    """A decision input that passed the checks that need no case: what `do_decide` applies."""

    data: DecisionInput
    policy: PolicyClause


def check_decide(data: DecisionInput, *, acting_user: User) -> CheckedDecision:
    require_decider(acting_user)
    if data.outcome not in Outcome.values:
        raise ActionRefused(_("unknown outcome %(outcome)s") % {"outcome": repr(data.outcome)})
    if data.scope not in DecisionScope.values:
        raise ActionRefused(_("scope: unknown scope %(scope)s") % {"scope": repr(data.scope)})
    assessment_id = _evidence_id(data.assessment_id)
    if assessment_id and data.scope != DecisionScope.SITE:
        raise ActionRefused(_("scope: a decision citing a site assessment is about the whole site"))
    if not data.reasoning.strip():
        raise ActionRefused(_("reasoning is required: explain the decision in your own words"))
    policy = PolicyClause.objects.filter(pk=data.policy_id, active=True).first()
    if policy is None:
        raise ActionRefused(_("a decision must cite an active policy clause"))
    cleaned = replace(data, reasoning=data.reasoning.strip(), facts=data.facts.strip(),
                      notice_hours=max(0, int(data.notice_hours)), assessment_id=assessment_id,
                      # A site assessment's labels are the detectors': the profile is automated detection.
                      automated_detection=data.automated_detection or bool(assessment_id))
    return CheckedDecision(data=cleaned, policy=policy)


def _evidence_id(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ActionRefused(_("assessment: %(value)s is not an evidence id") % {"value": repr(value)}) from None


def action_payload(case: Case, data: DecisionInput, policy: PolicyClause) -> dict[str, Any]:
    """What will be done, as data: shown before approval, hashed so approvals bind to it."""
    services = []
    if case.property_id is not None:
        services = sorted(str(s) for s in case.property.services.values_list("id", flat=True))  # type: ignore[union-attr]
    payload: dict[str, Any] = {
        "case": case.pk, "outcome": data.outcome, "policy": f"{policy.code}@{policy.version}",
        "customer": str(case.customer_id) if case.customer_id else None, "services": services,
        "territorial_scope": sorted(data.territorial_scope), "duration_days": data.duration_days}
    # Only when used, so that the hashes of decisions made before these existed stay what they were.
    if data.scope != DecisionScope.CONTENT:
        payload["scope"] = data.scope
    if data.assessment_id:
        payload["assessment"] = cited_assessment(case, data.assessment_id)
    return payload


def cited_assessment(case: Case, evidence_id: str) -> dict[str, str]:
    """The cited site assessment as the payload names it: its Evidence id and the SHA-256 of its stored profile.
    Read afresh each time, so an approval binds to the profile as it is then."""
    found = (case.evidence.filter(pk=evidence_id, headers__kind=SITE_ASSESSMENT, status="captured")
             .values_list("body_sha256", flat=True).first())
    if found is None:
        raise ActionRefused(_("assessment: evidence %(evidence)s is not a site assessment stored on case C-%(case)s")
                            % {"evidence": evidence_id, "case": case.pk})
    return {"evidence": str(evidence_id), "profile_sha256": str(found)}


def do_decide(case: Case, decision_input: DecisionInput | CheckedDecision, *, acting_user: User,
              emergency: bool = False, bulk_id: uuid.UUID | None = None) -> Decision:
    """Record a decision. Suspension and termination wait for a second person, unless `emergency` is used on
    an S0 case: then it takes effect at once, is audited as an emergency and must be reviewed afterwards.
    A `DecisionInput` is checked first (`check_decide`); a `CheckedDecision` is applied as it is.
    `bulk_id` groups the decisions one form made for several cases: each of them waits for a second person,
    whatever its outcome (one mistake would otherwise be repeated on every case), and none is an emergency."""
    checked = (decision_input if isinstance(decision_input, CheckedDecision)
               else check_decide(decision_input, acting_user=acting_user))
    require_decider(acting_user)
    if emergency and bulk_id is not None:
        raise ActionRefused(_("the emergency path is for one case at a time, not for a decision made in bulk"))
    data, policy = checked.data, checked.policy
    with audit.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("customer", "property").get(pk=case.pk)
        four_eyes = _check_case_for_decision(case, data, emergency) or bulk_id is not None
        payload = action_payload(case, data, policy)
        decision = Decision.objects.create(
            case=case, outcome=data.outcome, policy=policy, ground=policy.ground, reasoning=data.reasoning,
            facts=data.facts, automated_detection=data.automated_detection,
            territorial_scope=list(data.territorial_scope), duration_days=data.duration_days,
            status=DecisionStatus.AWAITING_APPROVAL if four_eyes else DecisionStatus.EFFECTIVE,
            payload_hash=sha256_hex(canonical_json(payload)), notice_hours=data.notice_hours,
            requires_senior=bool(case.customer and case.customer.protected), decided_by=acting_user,
            emergency=emergency, scope=data.scope, cited_assessment_id=data.assessment_id or None, bulk_id=bulk_id)
        made = {"case": case.pk, "outcome": data.outcome, "policy": payload["policy"], "four_eyes": four_eyes,
                "emergency": emergency, "payload_hash": decision.payload_hash, "scope": data.scope}
        if "assessment" in payload:  # the cited evidence and the hash of the profile it holds
            made["assessment"] = payload["assessment"]
        if bulk_id is not None:
            made["bulk"] = str(bulk_id)
        audit.append(actor=actor(acting_user), verb="decision.made", object_type="decision",
                     object_id=str(decision.pk), payload=made)
        if emergency:
            audit.append(actor=actor(acting_user), verb="decision.emergency", object_type="decision",
                         object_id=str(decision.pk), payload={"case": case.pk, "severity": case.severity,
                                                              "review_required": True})
        if four_eyes:
            Case.objects.filter(pk=case.pk).update(status=CaseStatus.AWAITING_APPROVAL)
        else:
            _make_effective(decision, payload, acting_user)
    return decision


def _check_case_for_decision(case: Case, data: DecisionInput, emergency: bool) -> bool:
    """The checks that need the locked case; returns whether a second person must approve."""
    if case.status == CaseStatus.CLOSED:
        raise ActionRefused(_("the case is closed"))
    if case.decisions.filter(status=DecisionStatus.AWAITING_APPROVAL).exists():
        raise ActionRefused(_("another decision on this case is awaiting approval"))
    # Orders come only through an authority's token (the lane); one marked manifestly unfounded blocks nothing.
    orders = case.reports.filter(lane="authority", manifestly_unfounded=False)
    incomplete = [order_problem_words(problem) for problems in orders.exclude(order_problems=[])
                  .order_by("received_at").values_list("order_problems", flat=True)[:3] for problem in problems]
    if incomplete and data.outcome != Outcome.NO_ACTION:
        raise ActionRefused(_("an authority order in this case is incomplete (%(problems)s); ask the authority to "
                              "complete it before acting") % {"problems": "; ".join(incomplete[:3])})
    if data.scope == DecisionScope.SITE and case.property_id is None:
        raise ActionRefused(_("scope: this case is not attributed to a property, so there is no site to decide about"))
    if emergency and (case.severity != "S0" or data.outcome not in FOUR_EYES_OUTCOMES):
        raise ActionRefused(_("the emergency path is only for suspending or terminating on an S0 case"))
    # A protected customer raises the bar: acting on an authority order needs a (senior) second person.
    protected_order = bool(case.customer and case.customer.protected and orders.exists())
    return (data.outcome in FOUR_EYES_OUTCOMES or (protected_order and data.outcome != Outcome.NO_ACTION)) \
        and not emergency


def do_approve(decision: Decision, *, acting_user: User, authenticated_at: datetime | None = None,
               second_factor_at: datetime | None = None) -> Decision:
    """Second-person approval. `authenticated_at` is when the approver last proved who they are (the console
    passes its session's login time); it must be recent (settings.APPROVAL_REAUTH_MINUTES). With a second factor
    required (settings.APPROVAL_REQUIRE_MFA, or the approver has a device), `second_factor_at` is when they entered
    a one-time code for THIS approval (the console spends it): a log-in, however recent, is not enough."""
    require_decider(acting_user)
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
        if void_reason:
            # Committed on purpose: a decision whose effect changed stays void; then the approver is told.
            Decision.objects.filter(pk=decision.pk).update(status=DecisionStatus.VOIDED)
            Case.objects.filter(pk=decision.case_id).update(status=CaseStatus.OPEN)
            audit.append(actor=actor(acting_user), verb="decision.voided", object_type="decision",
                         object_id=str(decision.pk), payload={"reason": void_reason})
        else:
            Approval.objects.create(decision=decision, approver=acting_user, payload_hash=current_hash)
            audit.append(actor=actor(acting_user), verb="decision.approved", object_type="decision",
                         object_id=str(decision.pk), payload={"payload_hash": current_hash})
            _make_effective(decision, payload, acting_user)
    if void_reason:
        raise ActionRefused(_("what this decision would do has changed since it was made; decide again"))
    return decision


MAX_RETURN_REASON = 2000


def do_return_decision(decision: Decision, *, acting_user: User, reason: str, reject: bool) -> Decision:
    """The second analyst's other answers: reject the decision (the outcome is wrong) or send it back for
    changes. Either way nothing is enforced, the case is open again, and the requester sees the reason. Who may
    do it is who may approve (not the requester; a senior for a protected customer)."""
    require_decider(acting_user)
    reason = reason.strip()
    if not reason:
        raise ActionRefused(_("say why: the analyst who made the decision reads the reason"))
    if len(reason) > MAX_RETURN_REASON:
        raise ActionRefused(_("the reason is longer than %(limit)d characters") % {"limit": MAX_RETURN_REASON})
    status, verb = ((DecisionStatus.REJECTED, "decision.rejected") if reject else
                    (DecisionStatus.SENT_BACK, "decision.sent_back"))
    with audit.atomic():
        decision = Decision.objects.select_for_update().select_related("case").get(pk=decision.pk)
        _check_approver(decision, acting_user)
        Decision.objects.filter(pk=decision.pk).update(status=status, returned_reason=reason)
        Case.objects.filter(pk=decision.case_id).update(status=CaseStatus.OPEN, updated_at=timezone.now())
        audit.append(actor=actor(acting_user), verb=verb, object_type="decision", object_id=str(decision.pk),
                     payload={"case": decision.case_id, "reason": reason})
    decision.refresh_from_db()
    return decision


def _require_recent_authentication(authenticated_at: datetime | None) -> None:
    limit = timedelta(minutes=settings.APPROVAL_REAUTH_MINUTES)
    if authenticated_at is None or timezone.now() - authenticated_at > limit:
        raise ReauthenticationRequired(
            _("approving needs a log-in within the last %(minutes)d minutes; confirm your password")
            % {"minutes": settings.APPROVAL_REAUTH_MINUTES})


def _require_second_factor(user: User, second_factor_at: datetime | None) -> None:
    from abusedesk.accounts import mfa

    enrolled = mfa.has_device(user)
    if not (settings.APPROVAL_REQUIRE_MFA or enrolled):
        return
    if not enrolled:
        raise ActionRefused(_("approvals need a second factor and you have none: ask an administrator to run "
                              "`abusedesk users mfa` for you"))
    if second_factor_at is None or timezone.now() - second_factor_at > timedelta(seconds=mfa.CODE_FRESH_SECONDS):
        raise ReauthenticationRequired(_("each approval needs a fresh one-time code; confirm your password and code"))


def _check_approver(decision: Decision, user: User) -> None:
    if decision.status != DecisionStatus.AWAITING_APPROVAL:
        raise ActionRefused(_("this decision is not awaiting approval"))
    if timezone.now() - decision.decided_at > timedelta(hours=settings.APPROVAL_TTL_HOURS):
        raise ActionRefused(_("this decision waited more than %(hours)d hours for approval and has expired; "
                              "decide again") % {"hours": settings.APPROVAL_TTL_HOURS})
    if decision.decided_by_id == user.pk:
        raise ActionRefused(_("the person who made a decision cannot approve it"))
    if decision.requires_senior and not user.is_senior:
        raise ActionRefused(_("the customer is protected: a senior analyst must approve"))
    if decision.approvals.filter(approver=user).exists():
        raise ActionRefused(_("you have already approved this decision"))


def _input_of(decision: Decision) -> DecisionInput:
    return DecisionInput(outcome=decision.outcome, policy_id=decision.policy_id, reasoning=decision.reasoning,
                         territorial_scope=tuple(decision.territorial_scope),
                         duration_days=decision.duration_days, notice_hours=decision.notice_hours,
                         scope=decision.scope,
                         assessment_id=str(decision.cited_assessment_id) if decision.cited_assessment_id else None)


def _make_effective(decision: Decision, payload: dict[str, Any], acting_user: User) -> None:
    """Mark effective exactly once (unique execution key); enforcement plans the actions, people are told."""
    key, now = f"decision:{decision.pk}", timezone.now()
    updated = Decision.objects.filter(pk=decision.pk, execution_key__isnull=True).update(
        status=DecisionStatus.EFFECTIVE, effective_at=now, execution_key=key)
    if not updated:
        raise ActionRefused(_("this decision has already been carried out"))
    Case.objects.filter(pk=decision.case_id).update(status=CaseStatus.DECIDED, updated_at=now)
    decision.status, decision.effective_at, decision.execution_key = DecisionStatus.EFFECTIVE, now, key
    audit.append(actor=actor(acting_user), verb="decision.effective", object_type="decision",
                 object_id=str(decision.pk), payload={"execution_key": key})
    signals.decision_effective.send(sender=Decision, decision=decision, payload=payload, acting_user=acting_user)


def do_close_case(case: Case, *, reason: str, acting_user: User) -> Case:
    require_decider(acting_user)
    with audit.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status == CaseStatus.AWAITING_APPROVAL:
            raise ActionRefused(_("a decision on this case is awaiting approval"))
        if case.status == CaseStatus.CLOSED:  # closing twice would audit a second close of the same case
            raise ActionRefused(_("the case is already closed"))
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
        Report.objects.filter(case=case).update(status=ReportStatus.CLOSED)
        audit.append(actor=actor(acting_user), verb="case.closed", object_type="case", object_id=str(case.pk),
                     payload={"reason": reason[:500]})
        case.refresh_from_db()
    return case


def do_review_emergency(decision: Decision, *, acting_user: User, confirm: bool, reasoning: str) -> Decision:
    """The after-the-fact review of an S0 emergency decision by someone else; not confirming reverses it."""
    require_decider(acting_user)
    reasoning = reasoning.strip()
    if not reasoning:
        raise ActionRefused(_("say why you confirm or reverse the emergency decision"))
    with audit.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if not decision.emergency or decision.emergency_reviewed_by_id is not None:
            raise ActionRefused(_("this decision is not an emergency decision awaiting review"))
        if decision.decided_by_id == acting_user.pk:
            raise ActionRefused(_("the person who made an emergency decision cannot review it"))
        Decision.objects.filter(pk=decision.pk).update(emergency_reviewed_by=acting_user)
        audit.append(actor=actor(acting_user), verb="decision.emergency_reviewed", object_type="decision",
                     object_id=str(decision.pk), payload={"confirmed": confirm, "reasoning": reasoning[:500]})
        if not confirm:
            reverse(decision, acting_user, reason="emergency decision not confirmed on review")
    decision.refresh_from_db()
    return decision
