"""{{ case.get_status_display|console_label }}: a stored choice's label in the page's language (review/labels.py)."""

from __future__ import annotations

from typing import Any

from django import template

from abusedesk.review.labels import label, lane_label

register = template.Library()


@register.filter
def console_label(value: Any) -> str:
    return label(value)


@register.filter
def console_lane(code: str) -> str:
    return lane_label(code)
