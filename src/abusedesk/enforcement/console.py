"""The console backend: records suspension and termination on our own Service rows. It is the backend
for development and the embedded default; production adds the webhook and edge-blocklist backends."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from abusedesk.sdk.enforcement import ActionContext, ActionOutcome, EnforcementAction, PlannedAction

_FIELD = {"suspend_service": "suspended_at", "terminate_service": "terminated_at"}


class ConsoleAction(EnforcementAction):
    name = "console"
    handles = frozenset(_FIELD)

    def plan(self, ctx: ActionContext) -> PlannedAction | None:
        if ctx.outcome not in self.handles or not ctx.services:
            return None
        return PlannedAction(kind=self.name, payload={
            "outcome": ctx.outcome, "services": [s.id for s in ctx.services],
            "properties": sorted({s.property for s in ctx.services})})

    def perform(self, payload: dict[str, Any], *, idempotency_key: str) -> ActionOutcome:
        from abusedesk.attribution.models import Service

        field = _FIELD[payload["outcome"]]
        # Filtering on the still-empty timestamp makes a repeated call change nothing.
        changed = Service.objects.filter(id__in=payload["services"], **{f"{field}__isnull": True}).update(
            **{field: timezone.now(), "active": False})
        return ActionOutcome(done=True, detail={"services_changed": changed})

    def reverse(self, payload: dict[str, Any], *, idempotency_key: str) -> ActionOutcome:
        from abusedesk.attribution.models import Service

        field = _FIELD[payload["outcome"]]
        changed = Service.objects.filter(id__in=payload["services"], **{f"{field}__isnull": False}).update(
            **{field: None, "active": True})
        return ActionOutcome(done=True, detail={"services_restored": changed})
