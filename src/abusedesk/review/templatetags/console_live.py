"""`{% live_state as live %}`: where a console page's live feed starts (review/live.py)."""

from __future__ import annotations

from django import template

from abusedesk.audit.models import AuditEvent
from abusedesk.review import live

register = template.Library()


@register.simple_tag
def live_state() -> dict[str, int]:
    """`cursor`: where the page's feed starts (a little before now, so nothing committing late is missed);
    `upto`: the newest event when the page was drawn, which the page already shows (the client refreshes for
    those again but announces only later ones)."""
    upto = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return {"cursor": live.horizon(), "upto": upto}
