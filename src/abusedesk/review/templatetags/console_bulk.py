"""Bulk selection in console templates: "select all on this page" as a link that works without script, and the
groups of decisions made together that wait for a second analyst."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Min

from abusedesk.cases.models import Decision, DecisionStatus
from abusedesk.review.bulk_actions import MAX_ITEMS

register = template.Library()
SELECT = "select"


def _query(context: dict[str, Any], **changes: str | None) -> str:
    request = context.get("request")
    query = request.GET.copy() if request is not None else None
    if query is None:
        return ""
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    return str(query.urlencode())


@register.simple_tag(takes_context=True)
def bulk_selection(context: dict[str, Any]) -> dict[str, Any]:
    """Whether this page was asked to pre-tick every box (?select=all), and the links to ask for it or undo it."""
    request = context.get("request")
    selected = request is not None and request.GET.get(SELECT) == "all"
    return {"all": selected, "max": MAX_ITEMS, "select_all": "?" + _query(context, select="all"),
            "clear": "?" + _query(context, select=None)}


@register.simple_tag(takes_context=True)
def bulk_preselected(context: dict[str, Any], index: int) -> bool:
    """A row's box is ticked on a ?select=all page, for the first MAX_ITEMS rows (the most one action takes)."""
    request = context.get("request")
    return bool(request is not None and request.GET.get(SELECT) == "all" and int(index) <= MAX_ITEMS)


@register.simple_tag
def bulk_groups_awaiting(limit: int = 20) -> list[dict[str, Any]]:
    """Groups of decisions made together that still wait for approval, the oldest first (one query)."""
    rows = (Decision.objects.filter(bulk_id__isnull=False, status=DecisionStatus.AWAITING_APPROVAL)
            .values("bulk_id", "decided_by__username").annotate(count=Count("id"), since=Min("decided_at"))
            .order_by("since")[:limit])
    return [dict(row) for row in rows]
