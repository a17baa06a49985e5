"""What the case page shows about a report that came by e-mail: the messages that filed it or answered it.

For each message: the sender (decrypted; the case page is staff-only), the authentication results and the lane
they did or did not open, what the reader found (format, fields, category and why), the attachments as a list,
and the original message as text. Everything is passed to the template as text and auto-escaped there; nothing
of the message is rendered as HTML, no attachment is opened and no remote resource is fetched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from abusedesk.intake.models import InboundMessage, InboundStatus, Report

MAX_ORIGINAL_CHARS = 100_000
ROLES = {"filed": "Filed this report", "attached": "Reply to this report"}


@dataclass
class MailView:
    message: InboundMessage
    role: str
    summary: dict[str, Any]
    fields: list[tuple[str, str]]  # the format's fields, a list shown as "a, b"
    original: str
    truncated: bool


def mail_views(reports: Iterable[Report]) -> dict[Any, list[MailView]]:
    """The e-mail messages of these reports, oldest first, keyed by report id (one query for all)."""
    ids = [r.pk for r in reports if r.channel == "email"]
    views: dict[Any, list[MailView]] = {}
    if not ids:
        return views
    messages = (InboundMessage.objects.filter(report_id__in=ids).exclude(status=InboundStatus.DUPLICATE)
                .order_by("received_at"))
    for message in messages:
        views.setdefault(message.report_id, []).append(mail_view(message))
    return views


def mail_view(message: InboundMessage) -> MailView:
    """One message as the case page and the mailbox (review/mailbox.py) show it; reads `raw` and `parsed`."""
    try:
        summary = json.loads(message.parsed or "{}")
    except ValueError:
        summary = {}
    text = bytes(message.raw).decode("utf-8", "replace")
    action = str((message.result or {}).get("action", ""))
    fields = [(str(k), ", ".join(map(str, v)) if isinstance(v, list) else str(v))
              for k, v in (summary.get("fields") or {}).items()]
    return MailView(message=message, role=ROLES.get(action, action or message.status), summary=summary,
                    fields=fields, original=text[:MAX_ORIGINAL_CHARS], truncated=len(text) > MAX_ORIGINAL_CHARS)
