"""The webhook backend: tells the provider's control plane what a decision requires, as signed JSON.

The control plane (billing, provisioning, the CDN's own API) is what really suspends or terminates a
service; abusedesk only says what was decided. The body is built by `plan()` from the `ActionContext`, which
has no reporter fields, so no reporter data can reach it. `perform()` POSTs that body through the SSRF-safe
`net.deliver` (one resolution, pinned connection) with an HMAC signature and an `Idempotency-Key`
header, so a retried job lets the control plane drop the duplicate.

What a failure means decides what happens next:
- 2xx: done;
- a non-2xx answer or a network failure: raise, the job layer retries with backoff;
- the URL refused by the address policy (loopback, private, metadata...): done=False, no retry, since
  retrying cannot make a forbidden address allowed. A system check reports the same at start-up.

`reverse()` (an upheld appeal) sends the same body with type `abusedesk.enforcement.reversal` under its own
idempotency key (`<key>:reverse`), so the control plane can restore the service.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core import checks

from abusedesk.sdk.enforcement import ActionContext, ActionOutcome, EnforcementAction, PlannedAction

logger = logging.getLogger("abusedesk.enforcement.webhook")

DEFAULT_OUTCOMES = frozenset({"suspend_service", "terminate_service", "restrict", "warn_customer"})
PAYLOAD_TYPE = "abusedesk.enforcement.decision"
REVERSAL_TYPE = "abusedesk.enforcement.reversal"


class WebhookNotDelivered(RuntimeError):
    """The control plane did not accept the call (yet); raised so the job is retried with backoff."""


def _outcomes() -> frozenset[str]:
    """Outcomes sent to the control plane: ENFORCEMENT_WEBHOOK_OUTCOMES, else the four that change service."""
    configured = settings.ENFORCEMENT_WEBHOOK_OUTCOMES
    if configured is None:
        return DEFAULT_OUTCOMES
    if isinstance(configured, str):  # a comma-separated value straight from the environment
        configured = [part.strip() for part in configured.split(",") if part.strip()]
    return frozenset(str(outcome) for outcome in configured)


def _url() -> str:
    return str(settings.ENFORCEMENT_WEBHOOK_URL or "")


def encode(payload: dict[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no spaces): the bytes signed are exactly the bytes sent."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class WebhookAction(EnforcementAction):
    name = "webhook"
    handles = DEFAULT_OUTCOMES

    def plan(self, ctx: ActionContext) -> PlannedAction | None:
        if ctx.outcome not in _outcomes() or not (ctx.services or ctx.customer_id):
            return None
        services = sorted(({"id": s.id, "kind": s.kind, "property": s.property} for s in ctx.services),
                          key=lambda s: (s["property"], s["kind"], s["id"]))
        return PlannedAction(kind=self.name, payload={
            "type": PAYLOAD_TYPE, "version": 1, "decision_id": ctx.decision_id, "case_id": ctx.case_id,
            "outcome": ctx.outcome, "customer_id": ctx.customer_id, "services": services,
            "territorial_scope": sorted(ctx.territorial_scope), "duration_days": ctx.duration_days})

    def perform(self, payload: dict[str, Any], *, idempotency_key: str) -> ActionOutcome:
        return _send(payload, idempotency_key)

    def reverse(self, payload: dict[str, Any], *, idempotency_key: str) -> ActionOutcome:
        """Tell the control plane the decision was reversed: the same body, another type and its own key."""
        return _send({**payload, "type": REVERSAL_TYPE}, f"{idempotency_key}:reverse")


def _send(payload: dict[str, Any], idempotency_key: str) -> ActionOutcome:
    url = _url()
    if not url:
        return ActionOutcome(done=False, detail={"reason": "not_configured"})
    result = _post(url, encode(payload), idempotency_key)
    if result.ok and result.status is not None and 200 <= result.status < 300:
        logger.info("control plane accepted decision %s (HTTP %s)", payload.get("decision_id"), result.status)
        return ActionOutcome(done=True, detail={"status": result.status})
    if not result.ok and not _transient(result.reason):
        logger.warning("control-plane webhook refused, not retried: %s", result.reason)
        return ActionOutcome(done=False, detail={"reason": result.reason or "refused"})
    raise WebhookNotDelivered(f"control plane: {result.reason or f'HTTP {result.status}'}")


def _post(url: str, body: bytes, idempotency_key: str) -> Any:
    """One signed POST under the fetcher's address policy and resolver (re-checked at send time)."""
    from abusedesk.net.webhooks import post_signed

    return post_signed(url, body, {"Idempotency-Key": idempotency_key})


def _transient(reason: str | None) -> bool:
    """Network trouble is worth a retry; every other reason is the address policy saying no for good."""
    from abusedesk.net import TRANSIENT

    return reason is None or reason in TRANSIENT


@checks.register(checks.Tags.security)
def check_webhook_url(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse to start quietly with a control-plane URL the address policy would refuse at send time."""
    url = _url()
    enabled = "webhook" in settings.ENFORCEMENT_ACTIONS
    if not url:
        return [checks.Error("the webhook enforcement backend is enabled but ENFORCEMENT_WEBHOOK_URL is empty",
                             id="abusedesk.E101")] if enabled else []
    from abusedesk.net.webhooks import refusal

    reason = refusal(url)
    if reason is None:
        return []
    if _transient(reason):
        return [checks.Warning(f"ENFORCEMENT_WEBHOOK_URL cannot be checked right now ({reason})",
                               hint="the address is checked again before each call", id="abusedesk.W101")]
    return [checks.Error(f"ENFORCEMENT_WEBHOOK_URL is refused by the outbound address policy ({reason})",
                         hint="use a public address, or allow its network in EVIDENCE_ALLOW_NETWORKS",
                         id="abusedesk.E102")]
