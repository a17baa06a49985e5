"""Bounces of our own notices: a delivery status notification (RFC 3464) read, and the notice it is about told.

A message the robot check calls a `bounce` (receipts.py) is read here as a DSN, with the standard library's
`email` package only (`message/delivery-status` parses into header blocks: the per-message fields, then one
block per recipient):
- the outcome is the worst recipient's: `failed` when any says `Action: failed` or a `Status: 5.x.x`, `delayed`
  for `Action: delayed` or a `4.x.x`, else `delivered` (delivered, relayed, expanded: nothing went wrong);
- the original Message-ID is read from the returned message (`message/rfc822`) or its headers
  (`text/rfc822-headers`), then from the bounce's In-Reply-To and References;
- only a Message-ID this desk made counts: `<notice-UUID@our domain>` (the domain of `DEFAULT_FROM_EMAIL`).
  A forged DSN naming another sender's message matches nothing, and a notice's id is a random UUID that only
  its recipient ever saw.

The notices live above intake: the `notice_bounced` signal (intake/signals.py) asks the stage that owns them to
record the outcome (cases/actions/bounces.py) and answers what it did. A bounce that matches no notice of ours,
or that is not a readable DSN, is ignored as before. Logs name notice ids and status codes only: never an
address, never the remote diagnostic text; the diagnostic kept on the notice has its e-mail addresses replaced.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.policy import default as default_policy
from email.utils import parseaddr
from typing import Any

from django.conf import settings

from abusedesk.intake import signals
from abusedesk.intake.email.parse import Parsed, header, one_line

logger = logging.getLogger("abusedesk.intake.email")
MAX_DIAGNOSTIC_CHARS = 200
MAX_RECIPIENTS = 50
_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
_MSGID = re.compile(r"<[^<>\s]{1,250}>")
_NOTICE_ID = re.compile(r"^<notice-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@([^<>@\s]+)>$",
                        re.IGNORECASE)
_WORST = {"failed": 2, "delayed": 1, "delivered": 0}
# Anything around an @ up to a delimiter, so a quoted, bracketed or cut address is replaced whole.
_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;@]*@[^\s<>()\[\]\"',;@]*")


@dataclass(frozen=True)
class Recipient:
    action: str
    status: str
    diagnostic: str

    @property
    def outcome(self) -> str:
        if self.action == "failed" or self.status.startswith("5."):
            return "failed"
        if self.action == "delayed" or self.status.startswith("4."):
            return "delayed"
        return "delivered"


@dataclass
class Dsn:
    """What a delivery status notification says: the worst recipient's outcome and the original's Message-IDs."""

    recipients: list[Recipient] = field(default_factory=list)
    original_ids: list[str] = field(default_factory=list)

    @property
    def worst(self) -> Recipient | None:
        return max(self.recipients, key=lambda r: _WORST[r.outcome], default=None)


def read_dsn(parsed: Parsed) -> Dsn | None:
    """The DSN in this message, or None when it is not one (no `message/delivery-status` part with a recipient)."""
    message = parsed.message
    if message.get_content_type() != "multipart/report":
        return None
    dsn = Dsn()
    for part in _parts(message):
        kind = part.get_content_type()
        if kind == "message/delivery-status" and not dsn.recipients:
            dsn.recipients = _recipients(part)
        elif kind in ("message/rfc822", "text/rfc822-headers") and not dsn.original_ids:
            dsn.original_ids = _returned_ids(part)
    if not dsn.recipients:
        return None
    dsn.original_ids += [m for m in parsed.replies_to if m not in dsn.original_ids]
    return dsn


def _parts(message: Message) -> list[Message]:
    """The report's own parts (a DSN's parts are not nested deeper)."""
    payload = message.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _recipients(part: Message) -> list[Recipient]:
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return []
    found = []
    for block in blocks[1:MAX_RECIPIENTS + 1]:  # the first block is about the message, the others each a recipient
        if not isinstance(block, Message):
            continue
        action = one_line(header(block, "Action"), 20).lower()
        status = (one_line(header(block, "Status"), 40).split() or [""])[0]  # "5.1.1 (comment)" -> "5.1.1"
        status = status if _STATUS.match(status) else ""
        if action or status:
            found.append(Recipient(action=action, status=status,
                                   diagnostic=_diagnostic(block)))
    return found


def _diagnostic(block: Message) -> str:
    """The remote server's Diagnostic-Code, short, without the e-mail addresses it quotes: it names the recipient
    (a reporter's address is stored encrypted, but `last_error` is plain text shown on the case page)."""
    text = one_line(header(block, "Diagnostic-Code"), MAX_DIAGNOSTIC_CHARS * 4)
    return _ADDRESS.sub("[address]", text)[:MAX_DIAGNOSTIC_CHARS]


def _returned_ids(part: Message) -> list[str]:
    """The Message-ID of the returned message (attached whole, or its headers only as text)."""
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
    else:
        raw = part.get_payload(decode=True)  # headers are ASCII; a broken encoding gives what it can
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
        inner = HeaderParser(policy=default_policy).parsestr(text[:100_000], headersonly=True)
    if not isinstance(inner, Message):
        return []
    return _MSGID.findall(header(inner, "Message-ID"))[:1]


def our_notice_id(message_id: str) -> str | None:
    """The notice id in a Message-ID this desk made (`<notice-UUID@our domain>`), or None for any other."""
    match = _NOTICE_ID.match(normal_message_id(message_id))
    if match is None or match.group(2).lower() != our_domain():
        return None
    return str(uuid.UUID(match.group(1)))


def normal_message_id(value: str) -> str:
    """A Message-ID compared as stored: trimmed, inside one pair of angle brackets."""
    text = value.strip().strip("<>").strip()
    return f"<{text}>" if text else ""


def our_domain() -> str:
    """The domain of our Message-IDs (`enforcement.notices` makes them): that of `DEFAULT_FROM_EMAIL`, also when it
    carries a display name ("Abuse Desk <abuse@x.test>")."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2].strip().lower() or "localhost"


def settle(parsed: Parsed, inbound_id: str) -> dict[str, Any] | None:
    """Tell the notice a DSN is about what happened to it; the message's `result` fields, or None when the message
    is no DSN or names no notice of ours (then it is ignored as before)."""
    try:
        dsn = read_dsn(parsed)
    except Exception as exc:  # hostile MIME the parser let through: no DSN, the bounce is ignored as before
        logger.info("inbound message %s: not a readable DSN (%s)", inbound_id, exc.__class__.__name__)
        return None
    worst = dsn.worst if dsn is not None else None
    if dsn is None or worst is None:
        return None
    for message_id in dsn.original_ids[:10]:
        notice_id = our_notice_id(message_id)
        if notice_id is None:
            continue
        for _receiver, answer in signals.notice_bounced.send(
                sender=Dsn, notice_id=notice_id, message_id=normal_message_id(message_id), outcome=worst.outcome,
                status=worst.status, diagnostic=worst.diagnostic, inbound_id=inbound_id):
            if isinstance(answer, dict):
                return {"action": "bounce", "notice": notice_id, "outcome": worst.outcome, "status": worst.status,
                        **answer}
    return None
