"""Undoing an effective decision (an appeal was upheld, or an emergency decision was not confirmed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.audit import trail as audit
from abusedesk.cases import signals
from abusedesk.cases.actions.base import ActionRefused, actor, require_decider
from abusedesk.cases.models import Case, CaseStatus, Decision, DecisionStatus

if TYPE_CHECKING:
    from abusedesk.accounts.models import User


def do_reverse_decision(decision: Decision, *, acting_user: User, reason: str) -> Decision:
    """Undo an effective decision: its actions are reversed (by enforcement) and the case reopens."""
    require_decider(acting_user)
    with audit.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        reverse(decision, acting_user, reason=reason)
    decision.refresh_from_db()
    return decision


def reverse(decision: Decision, acting_user: User, *, reason: str) -> None:
    """Inside a transaction that holds the decision."""
    if decision.status != DecisionStatus.EFFECTIVE:
        raise ActionRefused(_("only an effective decision can be reversed"))
    Decision.objects.filter(pk=decision.pk).update(status=DecisionStatus.REVERSED, reversed_at=timezone.now())
    Case.objects.filter(pk=decision.case_id).update(status=CaseStatus.OPEN, updated_at=timezone.now())
    signals.decision_reversed.send(sender=Decision, decision=decision)
    audit.append(actor=actor(acting_user), verb="decision.reversed", object_type="decision",
                 object_id=str(decision.pk), payload={"reason": reason[:500]})
