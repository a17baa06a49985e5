"""Store a message before it is acknowledged: one transaction writes the raw bytes and queues their reading."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from django.db import transaction

from abusedesk.common.hashing import sha256_hex
from abusedesk.intake.models import InboundMessage
from abusedesk.jobs import Priority, enqueue

logger = logging.getLogger("abusedesk.intake.email")


def header_message_id(raw: bytes) -> str:
    """The Message-ID header, read from the head only (a broken body must not stop the store)."""
    try:
        head = BytesHeaderParser(policy=default_policy).parsebytes(raw, headersonly=True)
        value = str(head.get("Message-ID", "") or "")
    except Exception:  # a header the parser cannot read is stored all the same
        return ""
    return value.strip()[:500]


def store_raw(raw: bytes, *, source: str, mail_from: str = "", rcpt_tos: Sequence[str] = (),
              peer: str = "") -> InboundMessage:
    """Write the message and queue `process_inbound` in one transaction; raises if the database cannot take it
    (the SMTP listener then answers 451, so the sender keeps the message and retries)."""
    from abusedesk.intake.email.tasks import process_inbound

    envelope = json.dumps({"mail_from": mail_from, "rcpt_tos": list(rcpt_tos), "peer": peer}, ensure_ascii=False)
    with transaction.atomic():
        message = InboundMessage.objects.create(source=source, raw=raw, raw_sha256=sha256_hex(raw), size=len(raw),
                                                message_id=header_message_id(raw), envelope=envelope)
        enqueue(process_inbound, str(message.pk), priority=int(Priority.S1))
    logger.info("stored inbound message %s (%d bytes via %s)", message.pk, len(raw), source)
    return message
