"""Submitting and reviewing appeals (DSA Art. 20).

Rules: an appeal comes through the secret link in a notice, against an effective decision, within
settings.APPEAL_WINDOW_DAYS of it taking effect, once per link. The reviewer must be someone who took no part
in the decision (neither the decider, nor an approver, nor the emergency reviewer). Upholding reverses the
decision and its actions; either way the appellant is told.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from abusedesk.appeals.models import Appeal, AppealInvite, AppealStatus, hash_token
from abusedesk.audit import trail as audit
from abusedesk.cases import actions
from abusedesk.cases.actions import actions as action_changes
from abusedesk.cases.actions import notices as notice_changes
from abusedesk.cases.models import Decision, DecisionStatus, RecipientRole
from abusedesk.enforcement.notices import deliver_notice, notice_language, render
from abusedesk.enforcement.tasks import perform_action
from abusedesk.jobs import enqueue

MIN_GROUNDS, MAX_GROUNDS = 10, 5000


class AppealRefused(ValueError):
    """The appeal cannot be accepted or reviewed; the message says why."""


def invite_for(token: str) -> AppealInvite | None:
    return AppealInvite.objects.select_related("decision", "decision__policy").filter(
        token_hash=hash_token(token)).first()


def deadline(decision: Decision) -> Any:
    return (decision.effective_at or decision.decided_at) + timedelta(days=settings.APPEAL_WINDOW_DAYS)


def submit(token: str, grounds: str) -> Appeal:
    invite = invite_for(token)
    if invite is None:
        raise AppealRefused("this appeal link is not valid")
    decision = invite.decision
    if decision.status != DecisionStatus.EFFECTIVE:
        raise AppealRefused("this decision is no longer in effect, so there is nothing to appeal")
    if timezone.now() > deadline(decision):
        raise AppealRefused(f"the appeal period ended on {deadline(decision):%Y-%m-%d}")
    grounds = grounds.strip()
    if not MIN_GROUNDS <= len(grounds) <= MAX_GROUNDS:
        raise AppealRefused(f"grounds: explain why in {MIN_GROUNDS} to {MAX_GROUNDS} characters")
    try:
        with audit.atomic():
            appeal = Appeal.objects.create(decision=decision, invite=invite, role=invite.role, grounds=grounds)
            audit.append(actor=f"appellant:{invite.role}", verb="appeal.submitted", object_type="appeal",
                         object_id=str(appeal.pk), payload={"decision": str(decision.pk), "role": invite.role})
    except IntegrityError:
        raise AppealRefused("an appeal was already submitted through this link") from None
    return appeal


def _took_part(decision: Decision, user: Any) -> bool:
    return (decision.decided_by_id == user.pk or decision.emergency_reviewed_by_id == user.pk
            or decision.approvals.filter(approver=user).exists())


def review(appeal: Appeal, *, upheld: bool, reasoning: str, acting_user: Any) -> Appeal:
    if not acting_user.can_decide:
        raise AppealRefused("your role cannot review appeals")
    if not reasoning.strip():
        raise AppealRefused("reasoning is required: the appellant is told why")
    with audit.atomic():
        appeal = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal.pk)
        if appeal.status != AppealStatus.PENDING:
            raise AppealRefused("this appeal has already been reviewed")
        if _took_part(appeal.decision, acting_user):
            raise AppealRefused("someone who took part in the decision cannot review the appeal against it")
        status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
        Appeal.objects.filter(pk=appeal.pk).update(status=status, reviewed_by=acting_user,
                                                   reviewed_at=timezone.now(), review_reasoning=reasoning.strip())
        audit.append(actor=f"user:{acting_user.username}", verb="appeal.reviewed", object_type="appeal",
                     object_id=str(appeal.pk), payload={"outcome": status, "decision": str(appeal.decision_id)})
        if upheld:
            actions.do_reverse_decision(appeal.decision, acting_user=acting_user, reason=f"appeal {appeal.pk} upheld")
        else:
            _resume_held_actions(appeal.decision)
        appeal.refresh_from_db()
        _notify_appellant(appeal)
    return appeal


def _notify_appellant(appeal: Appeal) -> None:
    invite = appeal.invite
    if invite.role == "customer":
        customer = appeal.decision.case.customer
        address, language = (customer.email, customer.language) if customer else ("", "en")
    else:
        report = invite.report
        address, language = (report.reporter.email or "", report.language) if report else ("", "en")
    if not address:
        return
    language = notice_language(language)
    rendered = render("appeal_outcome", language, {"upheld": appeal.status == AppealStatus.UPHELD,
                                                   "reference": f"A-{str(appeal.pk)[:8]}",
                                                   "reasoning": appeal.review_reasoning})
    notice, created = notice_changes.do_queue_notice(idempotency_key=f"appeal-outcome:{appeal.pk}", fields={
        "kind": "appeal_outcome", "case": appeal.decision.case, "decision": appeal.decision,
        "recipient_role": RecipientRole.CUSTOMER if invite.role == "customer" else RecipientRole.REPORTER,
        "language": language, "to_address": address, "subject": rendered.subject, "body": rendered.body},
        about={"kind": "appeal_outcome", "recipient_role": invite.role, "language": language})
    if created:
        enqueue(deliver_notice, str(notice.pk), priority=40)


def _resume_held_actions(decision: Decision) -> None:
    """The appeal was rejected: carry out the actions that were held while it was reviewed."""
    for action in action_changes.do_resume_held_actions(decision, "appeal rejected"):
        enqueue(perform_action, str(action.pk), priority=60)
