"""What an analyst does with a message in the console's mailbox: file it as a report, or dismiss it.

Filing goes the way the e-mail reader files (intake/email/ingest.py): the message is read again (outside any
transaction: parsing and authentication take time), the sender becomes the reporter, the message's own sharing
choices count and anything unstated is "do not send", no good-faith statement is recorded as made, a lane opens only
when the sender's domain earned one, and `intake.service.accept` stores it with channel email under the reader's own
idempotency key (`email:<message id>`). Only the URLs, the category and (optionally) the language are the analyst's.

Both write the message and an audit event in one transaction, under the message's row lock: a message that has a
report (filed by the reader meanwhile, or by another analyst) is refused. The audit payloads carry ids and codes,
never an address or the message's text.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.accounts.models import User
from abusedesk.audit import trail as audit
from abusedesk.common.crypto import blind_index
from abusedesk.intake.email.ingest import draft_for, notices_held
from abusedesk.intake.email.reading import Reading, read_message
from abusedesk.intake.models import (
    Channel,
    InboundMessage,
    InboundSource,
    InboundStatus,
    Report,
)
from abusedesk.intake.service import ReporterSuspended, accept

logger = logging.getLogger("abusedesk.review.mailbox")
SETTLED = frozenset({InboundStatus.PROCESSED, InboundStatus.DUPLICATE})


class Refused(Exception):
    """The action cannot be done on this message; the text says why, for the analyst."""


@dataclass(frozen=True)
class Filing:
    """What the analyst supplies; the rest of the report comes from the message."""

    urls: list[str]
    category: str
    language: str  # "": the language the reader found


def check_open(message: InboundMessage) -> None:
    if message.report_id is not None or message.status in SETTLED:
        raise Refused(_("This message already filed or joined a report."))


def file_message(message: InboundMessage, filing: Filing, *, acting_user: User) -> Report:
    """File the message as a report; raises Refused, or IntakeError naming the fields that are wrong."""
    check_open(message)
    reading = _read(message)
    draft = draft_for(reading, urls=filing.urls, category=filing.category, language=filing.language or None)
    held = notices_held(reading, blind_index("reporter-email", reading.parsed.from_address))
    try:
        with audit.atomic():
            locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
            check_open(locked)
            accepted = accept(draft, channel=Channel.EMAIL, raw=bytes(locked.raw), content_type="message/rfc822",
                              client_ip=str(json_object(locked.envelope).get("peer", ""))[:100],
                              idempotency_key=f"email:{locked.pk}", vouched_kind=reading.auth.kind,
                              notices_held=held)
            _settle(locked, accepted.report, acting_user)
    except ReporterSuspended as exc:
        raise Refused(str(exc)) from None
    logger.info("inbound message %s: filed by an analyst as report %s", message.pk, accepted.report.pk)
    return accepted.report


def dismiss(message: InboundMessage, *, acting_user: User) -> None:
    """Mark the message reviewed: it leaves the mailbox's default view (the filter shows it again)."""
    with audit.atomic():
        locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
        check_open(locked)
        if locked.reviewed_at is not None:
            raise Refused(_("This message was already dismissed."))
        locked.reviewed_at, locked.reviewed_by = timezone.now(), acting_user
        locked.save(update_fields=["reviewed_at", "reviewed_by"])
        audit.append(actor=f"user:{acting_user.username}", verb="mail.dismissed", object_type="inbound_message",
                     object_id=str(locked.pk), payload={"status": locked.status, "reason": _reason(locked)})


def json_object(text: str | None) -> dict[str, Any]:
    """A stored JSON text (the envelope, the reader's summary) as a dict; {} when it is none."""
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _read(message: InboundMessage) -> Reading:
    envelope = json_object(message.envelope)
    if message.source != InboundSource.SMTP:
        envelope.pop("mail_from", None)  # as the reader does: a file or mailbox has no envelope sender
    try:
        return read_message(bytes(message.raw), envelope)
    except Exception as exc:  # the reader FAILED on it too: there is no sender to file for
        logger.info("inbound message %s cannot be read for filing (%s)", message.pk, exc.__class__.__name__)
        raise Refused(_("This message cannot be read, so it names no sender to file for. Dismiss it and handle "
                        "it by hand.")) from None


def _reason(message: InboundMessage) -> str:
    return str((message.result or {}).get("reason", ""))[:40]


def _settle(message: InboundMessage, report: Report, user: User) -> None:
    now = timezone.now()
    was = {"was": message.status, "reason": _reason(message)}
    message.result = {"action": "filed", "by": "analyst", "user": user.pk, "report": str(report.pk), **was}
    message.status, message.report, message.processed_at = InboundStatus.PROCESSED, report, now
    message.reviewed_at, message.reviewed_by = now, user
    message.save(update_fields=["result", "status", "report", "processed_at", "reviewed_at", "reviewed_by"])
    audit.append(actor=f"user:{user.username}", verb="mail.filed", object_type="inbound_message",
                 object_id=str(message.pk), payload={"report": str(report.pk), "category": report.category, **was})
