"""On-call paging for S0 (imminent threat to life), written where it runs:

When a case reaches S0, one Page is raised (in the same transaction as the severity change) and a top-priority
job delivers it at once on every channel: a signed webhook (ONCALL_WEBHOOK_URL), e-mail to whoever is on the
rota now (and ONCALL_EMAILS), and a banner on every console page until someone acknowledges it. If nobody
acknowledges within ONCALL_REPAGE_SECONDS, the next person on the rota is paged, and so on.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.jobs import Priority, enqueue, job
from abusedesk.triage.models import OnCallShift, Page

logger = logging.getLogger("abusedesk.paging")


def raise_page(case: Any, reason: str, trigger: dict[str, Any] | None = None) -> Page | None:
    """Inside the transaction that made the case S0: one open page per case."""
    if Page.objects.filter(case=case, acknowledged_at__isnull=True).exists():
        return None
    page = Page.objects.create(case=case, severity="S0", reason=reason, trigger=trigger or {})
    audit.append(actor="system", verb="page.raised", object_type="page", object_id=str(page.pk),
                 payload={"case": case.pk, "reason": reason, "trigger": trigger or {}})
    enqueue(deliver_page, str(page.pk), priority=int(Priority.S0))
    enqueue(repage_if_unacknowledged, str(page.pk), priority=int(Priority.S0), delay_s=settings.ONCALL_REPAGE_SECONDS)
    return page


def on_call_now(skip: int = 0) -> list[Any]:
    now = timezone.now()
    shifts = OnCallShift.objects.select_related("user").filter(starts_at__lte=now, ends_at__gt=now)
    users = [s.user for s in shifts if s.user.is_active]
    return users[skip:skip + 1] if users else []


def _payload(page: Page) -> dict[str, Any]:
    case = page.case
    return {"type": "abusedesk.page", "page": str(page.pk), "case": case.pk, "severity": page.severity,
            "title": case.title, "reason": page.reason, "trigger": page.trigger,
            "console_url": f"{settings.PUBLIC_URL}/console/cases/{case.pk}/"}


@job(max_attempts=5, backoff_base=1, backoff_cap=10, priority=int(Priority.S0))
def deliver_page(page_id: str) -> str:
    page = Page.objects.select_related("case").get(pk=page_id)
    if page.acknowledged_at:
        return "acknowledged"
    delivered = dict(page.delivered)
    people = on_call_now(skip=page.attempts)
    if settings.ONCALL_WEBHOOK_URL and "webhook" not in delivered and _send_webhook(page):
        delivered["webhook"] = timezone.now().isoformat()
    addresses = [u.email for u in people if u.email] + list(settings.ONCALL_EMAILS)
    if addresses and "email" not in delivered:
        _send_email(page, addresses)
        delivered["email"] = timezone.now().isoformat()
    delivered.setdefault("console", page.created_at.isoformat())
    with audit.atomic():
        Page.objects.filter(pk=page.pk).update(delivered=delivered,
                                               paged_users=page.paged_users + [u.username for u in people])
        audit.append(actor="system", verb="page.delivered", object_type="page", object_id=str(page.pk),
                     payload={"channels": sorted(delivered), "people": [u.username for u in people]})
    return ",".join(sorted(delivered))


def _send_webhook(page: Page) -> bool:
    from abusedesk.net.webhooks import delivered, post_signed

    body = json.dumps(_payload(page), sort_keys=True).encode()
    result = post_signed(settings.ONCALL_WEBHOOK_URL, body, {"X-Abusedesk-Delivery": f"page-{page.pk}"})
    if delivered(result):
        return True
    if (result.reason or "").startswith("blocked"):
        logger.warning("on-call webhook refused by the address policy: %s", result.reason)
        return False
    raise RuntimeError(f"on-call webhook failed: {result.reason or result.status}")


def _send_email(page: Page, addresses: list[str]) -> None:
    payload = _payload(page)
    body = (f"S0 — imminent threat to life\n\nCase {payload['case']}: {payload['title']}\nWhy: {page.reason}\n\n"
            f"Open it: {payload['console_url']}\nAcknowledge on the case page.\n")
    EmailMessage(subject=f"[S0] page: case C-{page.case_id}", body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                 to=addresses, headers={"Message-ID": f"<page-{page.pk}@abusedesk>", "Importance": "high"}).send()


@job(max_attempts=3, priority=int(Priority.S0))
def repage_if_unacknowledged(page_id: str) -> str:
    page = Page.objects.get(pk=page_id)
    if page.acknowledged_at:
        return "acknowledged"
    with audit.atomic():
        Page.objects.filter(pk=page.pk).update(attempts=page.attempts + 1, delivered={
            k: v for k, v in page.delivered.items() if k != "email"})
        audit.append(actor="system", verb="page.repaged", object_type="page", object_id=str(page.pk),
                     payload={"attempt": page.attempts + 1})
        enqueue(deliver_page, str(page.pk), priority=int(Priority.S0))
        enqueue(repage_if_unacknowledged, str(page.pk), priority=int(Priority.S0),
                delay_s=settings.ONCALL_REPAGE_SECONDS)
    return "repaged"


class NotAllowedToAcknowledge(PermissionError):
    """Only someone who can act on the case or is on call now may stop the re-paging."""


def can_acknowledge(user: Any) -> bool:
    """Acknowledging stops re-paging, so it needs a deciding role (analyst, senior analyst, admin) or a shift on the
    rota right now; an auditor only reads."""
    if not getattr(user, "is_active", False):
        return False
    if getattr(user, "can_decide", False):
        return True
    now = timezone.now()
    return OnCallShift.objects.filter(user=user, starts_at__lte=now, ends_at__gt=now).exists()


def acknowledge(page: Page, *, acting_user: Any) -> Page:
    if not can_acknowledge(acting_user):
        logger.warning("user %s without an on-call or deciding role tried to acknowledge a page",
                       getattr(acting_user, "pk", None))
        raise NotAllowedToAcknowledge("acknowledging a page needs the analyst role or an on-call shift now")
    with audit.atomic():
        updated = Page.objects.filter(pk=page.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=acting_user, acknowledged_at=timezone.now())
        if updated:
            audit.append(actor=f"user:{acting_user.username}", verb="page.acknowledged", object_type="page",
                         object_id=str(page.pk), payload={"case": page.case_id})
    page.refresh_from_db()
    return page


def open_pages() -> list[Page]:
    return list(Page.objects.select_related("case").filter(acknowledged_at__isnull=True).order_by("created_at")[:5])
