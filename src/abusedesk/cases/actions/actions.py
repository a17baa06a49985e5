"""Action rows: planned when a decision takes effect, then performed, held, resumed or reversed; each audited.

What an action does to the world is enforcement's (its plug-ins); these record what was planned and what came of
it. `do_plan_actions` runs inside the transaction that makes the decision effective.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.cases.actions.base import actor
from abusedesk.cases.models import Action, ActionStatus, Decision

if TYPE_CHECKING:
    from abusedesk.accounts.models import User
    from abusedesk.sdk.enforcement import PlannedAction


def do_plan_actions(decision: Decision, planned: Iterable[PlannedAction], *, acting_user: User | None,
                    scheduled_for: datetime | None) -> list[Action]:
    """One Action per planned kind, keyed by the decision's execution key (so it is planned once)."""
    rows = []
    for item in planned:
        action = Action.objects.create(decision=decision, kind=item.kind, payload=item.payload,
                                       idempotency_key=f"{decision.execution_key}:{item.kind}",
                                       scheduled_for=scheduled_for)
        audit.append(actor=actor(acting_user), verb="action.planned", object_type="action",
                     object_id=str(action.pk), payload={"kind": item.kind, "decision": str(decision.pk)})
        rows.append(action)
    return rows


def do_hold_action(action: Action, reason: str) -> None:
    with audit.atomic():
        Action.objects.filter(pk=action.pk).update(status=ActionStatus.HELD)
        audit.append(actor="system", verb="action.held", object_type="action", object_id=str(action.pk),
                     payload={"reason": reason})


def do_resume_held_actions(decision: Decision, reason: str) -> list[Action]:
    """Inside the caller's transaction: held actions become planned again; returns them (to be performed)."""
    resumed = []
    for action in Action.objects.filter(decision=decision, status=ActionStatus.HELD):
        Action.objects.filter(pk=action.pk).update(status=ActionStatus.PLANNED)
        audit.append(actor="system", verb="action.resumed", object_type="action", object_id=str(action.pk),
                     payload={"reason": reason, "decision": str(decision.pk)})
        resumed.append(action)
    return resumed


def do_record_performed(action: Action, *, done: bool, detail: dict[str, Any]) -> None:
    with audit.atomic():
        Action.objects.filter(pk=action.pk).update(
            status=ActionStatus.DONE if done else ActionStatus.FAILED, performed_at=timezone.now(),
            attempts=action.attempts + 1, result=detail)
        audit.append(actor="system", verb="action.performed", object_type="action", object_id=str(action.pk),
                     payload={"kind": action.kind, "done": done, "detail": detail})


def do_record_reversed(action: Action, *, done: bool, detail: dict[str, Any]) -> None:
    with audit.atomic():
        Action.objects.filter(pk=action.pk).update(
            status=ActionStatus.REVERSED if done else action.status, result={**action.result, "reverse": detail})
        audit.append(actor="system", verb="action.reversed", object_type="action", object_id=str(action.pk),
                     payload={"kind": action.kind, "done": done, "detail": detail})
