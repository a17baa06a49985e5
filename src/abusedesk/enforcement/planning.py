"""Turning an effective decision into planned actions (data), one per enabled backend that handles it."""

from __future__ import annotations

from typing import Any

from abusedesk.cases.models import Decision
from abusedesk.enforcement import registry
from abusedesk.sdk.enforcement import ActionContext, PlannedAction, ServiceRef


def context_for(decision: Decision, payload: dict[str, Any]) -> ActionContext:
    from abusedesk.attribution.models import Service

    services = tuple(ServiceRef(id=str(s.id), kind=s.kind, property=s.property.value)
                     for s in Service.objects.select_related("property").filter(id__in=payload["services"]))
    return ActionContext(decision_id=str(decision.pk), case_id=decision.case_id, outcome=decision.outcome,
                         customer_id=payload.get("customer"), services=services,
                         territorial_scope=tuple(payload.get("territorial_scope") or ()),
                         duration_days=payload.get("duration_days"))


def plan_actions(decision: Decision, payload: dict[str, Any]) -> list[PlannedAction]:
    ctx = context_for(decision, payload)
    planned = [backend.plan(ctx) for backend in registry.enabled()]
    return [p for p in planned if p is not None]
