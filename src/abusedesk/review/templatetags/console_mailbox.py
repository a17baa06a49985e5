"""The navigation's mailbox link: how many messages that filed nothing wait for a look ("" for none, "99+")."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def mailbox_waiting() -> str:
    from abusedesk.review.mailbox import awaiting_look

    return awaiting_look()
