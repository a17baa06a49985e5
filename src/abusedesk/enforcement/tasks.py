"""Jobs that carry out actions and deliver notices. Both are idempotent on their keys."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from abusedesk.cases.actions import actions as action_changes
from abusedesk.cases.models import Action, ActionStatus, Decision
from abusedesk.enforcement import registry
from abusedesk.enforcement.planning import plan_actions
from abusedesk.jobs import enqueue, job, priority_for_severity

if TYPE_CHECKING:
    from abusedesk.accounts.models import User

logger = logging.getLogger("abusedesk.enforcement")


@job(max_attempts=8, backoff_base=5)
def perform_action(action_id: str) -> str:
    action = Action.objects.select_related("decision").get(pk=action_id)
    if action.status in {ActionStatus.DONE, ActionStatus.REVERSED}:
        return f"already {action.status}"
    if action.decision.status != "effective":
        return "decision no longer in effect"
    if action.scheduled_for and action.decision.appeals.filter(status="pending").exists():
        # A pending action is contested: hold it until the appeal is reviewed (appeals.service resumes it).
        action_changes.do_hold_action(action, "appeal pending")
        return "held"
    outcome = registry.get(action.kind).perform(action.payload, idempotency_key=action.idempotency_key)
    action_changes.do_record_performed(action, done=outcome.done, detail=outcome.detail)
    return "done"


@job(max_attempts=8, backoff_base=5)
def reverse_action(action_id: str) -> str:
    action = Action.objects.get(pk=action_id)
    if action.status == ActionStatus.REVERSED:
        return "already reversed"
    outcome = registry.get(action.kind).reverse(action.payload, idempotency_key=action.idempotency_key)
    action_changes.do_record_reversed(action, done=outcome.done, detail=outcome.detail)
    return "reversed" if outcome.done else "not reversible"


def carry_out(decision: Decision, payload: dict[str, Any], acting_user: User | None) -> list[Action]:
    """A decision took effect (inside its transaction): plan its actions and queue each to be performed, at once
    or, for a pending action, after the notice period (an emergency decision never waits)."""
    delay_s = 0 if decision.emergency else decision.notice_hours * 3600
    scheduled_for = timezone.now() + timedelta(seconds=delay_s) if delay_s else None
    actions = action_changes.do_plan_actions(decision, plan_actions(decision, payload), acting_user=acting_user,
                                             scheduled_for=scheduled_for)
    for action in actions:
        enqueue(perform_action, str(action.pk), priority=priority_for_severity(decision.case.severity),
                delay_s=delay_s or None)
    return actions


def undo(decision: Decision) -> None:
    """A decision was reversed (inside its transaction): queue the reversal of each of its actions."""
    for action in decision.actions.all():
        enqueue(reverse_action, str(action.pk), priority=60)
