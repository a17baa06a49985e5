"""Jobs that carry out actions and deliver notices. Both are idempotent on their keys."""

from __future__ import annotations

import logging

from django.utils import timezone

from abusedesk.cases import audit
from abusedesk.cases.models import Action, ActionStatus
from abusedesk.enforcement import registry
from abusedesk.jobs import job

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
        with audit.atomic():
            Action.objects.filter(pk=action.pk).update(status=ActionStatus.HELD)
            audit.append(actor="system", verb="action.held", object_type="action", object_id=str(action.pk),
                         payload={"reason": "appeal pending"})
        return "held"
    outcome = registry.get(action.kind).perform(action.payload, idempotency_key=action.idempotency_key)
    with audit.atomic():
        Action.objects.filter(pk=action.pk).update(
            status=ActionStatus.DONE if outcome.done else ActionStatus.FAILED, performed_at=timezone.now(),
            attempts=action.attempts + 1, result=outcome.detail)
        audit.append(actor="system", verb="action.performed", object_type="action", object_id=str(action.pk),
                     payload={"kind": action.kind, "done": outcome.done, "detail": outcome.detail})
    return "done"


@job(max_attempts=8, backoff_base=5)
def reverse_action(action_id: str) -> str:
    action = Action.objects.get(pk=action_id)
    if action.status == ActionStatus.REVERSED:
        return "already reversed"
    outcome = registry.get(action.kind).reverse(action.payload, idempotency_key=action.idempotency_key)
    with audit.atomic():
        Action.objects.filter(pk=action.pk).update(
            status=ActionStatus.REVERSED if outcome.done else action.status,
            result={**action.result, "reverse": outcome.detail})
        audit.append(actor="system", verb="action.reversed", object_type="action", object_id=str(action.pk),
                     payload={"kind": action.kind, "done": outcome.done, "detail": outcome.detail})
    return "reversed" if outcome.done else "not reversible"
