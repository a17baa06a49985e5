"""Reading a stored message into reports: the job `process_inbound` runs `process(message_id)`.

Idempotent on the message: one that is no longer RECEIVED is left alone, and the report it files carries the
idempotency key `email:<message id>`, so a run that died after `accept()` finds the same report again.

The rules, in order (every branch logs its reason and the message's `result` keeps it):
1. The message is read (reading.py) outside any transaction: parsing, authentication, language and the detectors
   take time and write nothing. A message that cannot be read at all is FAILED.
2. Duplicates: the first copy read takes the message's dedupe key (Message-ID + body hash); a later copy is
   DUPLICATE and points at the first copy's report. A unique column decides races between workers.
3. A bounce (receipts.py) that is a delivery status notification about one of our notices (bounces.py) is told to
   that notice: PROCESSED, `action` bounce with the notice, outcome and status code. Any other bounce goes on.
4. No readable sender address: IGNORED (`no_sender`), nothing to file for and nobody to answer.
5. Robots (receipts.py): free text from a bounce, an auto-reply, a list or bulk mail is IGNORED; ARF/X-ARF is filed.
6. A reply from the reporter to one of our notices or to their own earlier message is attached to that report
   (PROCESSED, `attached`); a sharing choice stated in it ("Share my identity: send") updates the report.
7. Otherwise the message is filed through `intake.service.accept` like the form and the API: channel email, the
   raw message as the submission, the sender as the reporter (encrypted), a lane only when auth.py grants one.
   A message without a usable URL or IP is IGNORED (`not_a_report`, with the problems by field).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.common.crypto import blind_index
from abusedesk.intake.email import bounces, receipts, threads
from abusedesk.intake.email.reading import Reading, dedupe_key, read_message, summary_json
from abusedesk.intake.models import (
    Channel,
    InboundMessage,
    InboundSource,
    InboundStatus,
    Report,
    ReporterKind,
    Share,
)
from abusedesk.intake.schema import IntakeError, ReportDraft, draft_from_fields
from abusedesk.intake.service import ReporterSuspended, accept

logger = logging.getLogger("abusedesk.intake.email")
ROBOTS_WITHOUT_NOTICES = frozenset({"automated", "noreply", *receipts.NOT_FILED})


def process(message_id: str) -> str:
    message = InboundMessage.objects.filter(pk=message_id).first()
    if message is None:
        return "no such message"
    if message.status != InboundStatus.RECEIVED:
        return f"already {message.status}"
    envelope = _envelope(message.envelope)
    if message.source != InboundSource.SMTP:
        envelope.pop("mail_from", None)  # a file or mailbox has no envelope sender (an empty one is no bounce)
    try:
        reading = read_message(bytes(message.raw), envelope)
    except Exception as exc:  # an input the readers did not foresee: kept, marked, never retried in a loop
        logger.warning("inbound message %s could not be read (%s)", message.pk, exc.__class__.__name__)
        _finish(message, InboundStatus.FAILED, {"reason": "unreadable", "error": exc.__class__.__name__})
        return "failed"
    with transaction.atomic():
        locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != InboundStatus.RECEIVED:
            return f"already {locked.status}"
        return _settle(locked, reading, envelope)


def _envelope(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _finish(message: InboundMessage, status: str, result: dict[str, Any], *, report: Report | None = None,
            parsed: str | None = None) -> None:
    message.status, message.result, message.processed_at = status, result, timezone.now()
    fields = ["status", "result", "processed_at"]
    if report is not None:
        message.report = report
        fields.append("report")
    if parsed is not None:
        message.parsed = parsed
        fields.append("parsed")
    message.save(update_fields=fields)


def _settle(message: InboundMessage, reading: Reading, envelope: dict[str, Any]) -> str:
    parsed_json = summary_json(reading)
    base = {"format": reading.found.format, "problems": reading.problems}
    original = _claim(message, dedupe_key(bytes(message.raw), reading.parsed.message_id))
    if original is not None:
        logger.info("inbound message %s: a duplicate of %s", message.pk, original.pk)
        _finish(message, InboundStatus.DUPLICATE, {**base, "reason": "duplicate", "duplicate_of": str(original.pk),
                                                   "report": str(original.report_id or "")},
                report=original.report, parsed=parsed_json)
        return "duplicate"
    if reading.robot == "bounce" and not reading.found.structured:
        told = bounces.settle(reading.parsed, str(message.pk))
        if told is not None:
            logger.info("inbound message %s: a bounce of notice %s (%s, %s)", message.pk, told["notice"],
                        told["outcome"], told["status"] or "no status")
            _finish(message, InboundStatus.PROCESSED, {**base, **told}, parsed=parsed_json)
            return "bounce"
    address = reading.parsed.from_address
    if not address:
        return _ignore(message, "no_sender", base, parsed_json)
    if not reading.files:
        return _ignore(message, reading.found.ignore or reading.robot, base, parsed_json)
    sender_index = blind_index("reporter-email", address)
    answered, why = threads.answered_report(reading.parsed.replies_to, sender_index)
    if answered is not None:
        return _attach(message, answered, reading, base, parsed_json)
    if why:
        base["thread"] = why
    return _file(message, reading, envelope, base, parsed_json, sender_index)


def _claim(message: InboundMessage, key: str) -> InboundMessage | None:
    """Take the dedupe key for this message; the message that holds it already, when this is a second copy."""
    holder = InboundMessage.objects.filter(dedupe_key=key).exclude(pk=message.pk).first()
    if holder is not None:
        return holder
    try:
        with transaction.atomic():
            InboundMessage.objects.filter(pk=message.pk).update(dedupe_key=key)
    except IntegrityError:  # another worker took it between the look-up and the update
        return InboundMessage.objects.get(dedupe_key=key)
    return None


def _ignore(message: InboundMessage, reason: str, base: dict[str, Any], parsed_json: str,
            **more: Any) -> str:
    logger.info("inbound message %s: nothing filed (%s)", message.pk, reason)
    _finish(message, InboundStatus.IGNORED, {**base, "reason": reason, **more}, parsed=parsed_json)
    return f"ignored: {reason}"


def _attach(message: InboundMessage, report: Report, reading: Reading, base: dict[str, Any],
            parsed_json: str) -> str:
    changed = _apply_sharing(report, reading.sharing)
    audit.append(actor="email", verb="report.reply_received", object_type="report", object_id=str(report.pk),
                 payload={"message": str(message.pk), "sha256": message.raw_sha256, "sharing": changed})
    logger.info("inbound message %s: attached to report %s", message.pk, report.pk)
    _finish(message, InboundStatus.PROCESSED, {**base, "action": "attached", "report": str(report.pk),
                                               "sharing": changed}, report=report, parsed=parsed_json)
    return "attached"


def _apply_sharing(report: Report, sharing: dict[str, str]) -> dict[str, str]:
    changed = {who: choice for who, choice in sharing.items() if getattr(report, f"share_{who}") != choice}
    if changed:
        for who, choice in changed.items():
            setattr(report, f"share_{who}", choice)
        report.save(update_fields=[f"share_{who}" for who in changed])
    return changed


def draft_for(reading: Reading, *, urls: list[str] | None = None, category: str | None = None,
              language: str | None = None) -> ReportDraft:
    """The report a message reads as; the console's "file as a report" (review/mailbox_filing.py) gives the URLs,
    category and language an analyst chose for a message the reader could not file."""
    found, shares = reading.found, reading.sharing
    draft = draft_from_fields(
        urls=[u.url for u in reading.urls] if urls is None else urls, category=category or found.category,
        explanation=_cut(found.explanation, reading), reporter_name=reading.parsed.from_name,
        reporter_email=reading.parsed.from_address,
        reporter_kind=ReporterKind.AUTOMATED if found.automated else ReporterKind.INDIVIDUAL, reporter_phone="",
        share_host=shares.get("host", Share.NONE), share_site_owner=shares.get("site_owner", Share.NONE),
        share_law_enforcement=shares.get("law_enforcement", Share.NONE), good_faith=True,
        language=language or reading.language)
    # No e-mail reporter made the good-faith statement of DSA Art. 16(2)(d): recorded as not made.
    return replace(draft, good_faith=False)


def _cut(explanation: str, reading: Reading) -> str:
    from django.conf import settings

    limit = settings.INTAKE_MAX_EXPLANATION_CHARS
    if len(explanation) <= limit:
        return explanation or "(no text)"
    reading.problems.append(f"the text was cut at {limit} characters (the whole message is kept)")
    return explanation[: limit - 1] + "…"


def notices_held(reading: Reading, sender_index: str) -> str:
    """Why the reporter gets no notices ("" when they do): robots never, a sender over MAIL_RECEIPT_RATE no receipt."""
    if reading.robot in ROBOTS_WITHOUT_NOTICES:
        return reading.robot
    return "" if receipts.take_receipt(sender_index) else "rate_limited"


def _file(message: InboundMessage, reading: Reading, envelope: dict[str, Any], base: dict[str, Any],
          parsed_json: str, sender_index: str) -> str:
    try:
        draft = draft_for(reading)
    except IntakeError as exc:
        return _ignore(message, "not_a_report", base, parsed_json, problems_by_field=[
            p.as_dict() for p in exc.problems])
    held = notices_held(reading, sender_index)
    try:
        accepted = accept(draft, channel=Channel.EMAIL, raw=bytes(message.raw), content_type="message/rfc822",
                          client_ip=str(envelope.get("peer", ""))[:100], idempotency_key=f"email:{message.pk}",
                          vouched_kind=reading.auth.kind, notices_held=held)
    except ReporterSuspended:
        return _ignore(message, "reporter_suspended", base, parsed_json)
    report = accepted.report
    logger.info("inbound message %s: filed report %s (%s, %s)", message.pk, report.pk, reading.found.format,
                report.category)
    _finish(message, InboundStatus.PROCESSED, {
        **base, "problems": reading.problems, "action": "filed", "report": str(report.pk),
        "category_reason": reading.category_reason, "lane": report.lane, "receipt": not held,
        "notices_held": held}, report=report, parsed=summary_json(reading))
    return "filed"
