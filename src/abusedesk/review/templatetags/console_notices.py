"""The case page's bounced notices: the few notices of a case whose delivery came back (intake/email/bounces.py)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()
SHOWN = 10


@register.simple_tag
def bounced_notices(case: Any) -> list[Any]:
    """At most SHOWN bounced notices of the case, the host's first (one query on the case's notices)."""
    from abusedesk.cases.models import Notice, NoticeStatus, RecipientRole

    notices = list(Notice.objects.filter(case_id=case.pk, status=NoticeStatus.BOUNCED)
                   .only("id", "kind", "recipient_role", "last_error", "created_at").order_by("-created_at")[:SHOWN])
    return sorted(notices, key=lambda n: n.recipient_role != RecipientRole.HOST)
