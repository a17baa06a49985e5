"""Reading a stored message into what a report needs, without writing anything (ingest.py writes).

The format is decided in this order: ARF (RFC 5965), X-ARF (v0.2, v4), else free text. Free text gets its URLs
from the whole message (own words, quoted text, an attached message), its language and category from the
reporter's own words (classify.py). The summary (`summary()`) is what the console shows and what the message
keeps, encrypted, in `InboundMessage.parsed`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from abusedesk.intake.email import arf, classify, freetext, receipts, xarf
from abusedesk.intake.email.auth import Authentication, authenticate
from abusedesk.intake.email.found import Found
from abusedesk.intake.email.parse import Parsed, one_line, read
from abusedesk.normalise.urls import NormalisedUrl, UrlError, normalise_url


@dataclass
class Reading:
    parsed: Parsed
    found: Found
    auth: Authentication
    robot: str
    language: str
    category_reason: str
    sharing: dict[str, str]
    urls: list[NormalisedUrl] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    date: str = ""

    @property
    def files(self) -> bool:
        """Whether this message may become a report (robots' free text may not)."""
        return not self.found.ignore and (self.found.structured or self.robot not in receipts.NOT_FILED)


def dedupe_key(raw: bytes, message_id: str) -> str:
    """SHA-256 of (Message-ID, body) -- relays add headers, so a second delivery differs above the body, and line
    ends (CRLF on the wire, LF in a file or Maildir) do not count -- or of the raw bytes when there is no
    Message-ID to pair the body with."""
    if not message_id:
        return hashlib.sha256(b"raw\x00" + raw).hexdigest()
    text = raw.replace(b"\r\n", b"\n")
    head_end = text.find(b"\n\n")
    body = text[head_end:] if head_end >= 0 else b""
    digest = hashlib.sha256(body.strip(b"\n")).hexdigest()
    return hashlib.sha256(f"{message_id}\x00{digest}".encode()).hexdigest()


def read_message(raw: bytes, envelope: dict[str, Any]) -> Reading:
    parsed = read(raw)
    found = arf.read(parsed) if arf.is_arf(parsed) else None
    found = found or xarf.read(parsed) or _free_text(parsed)
    mail_from = envelope.get("mail_from") if "mail_from" in envelope else None
    reading = Reading(parsed=parsed, found=found, auth=authenticate(raw, parsed),
                      robot=receipts.robot(parsed, mail_from if isinstance(mail_from, str) else None),
                      language="", category_reason="", sharing={}, problems=list(parsed.problems),
                      date=one_line(parsed.header("Date"), 100))
    if reading.files:
        _understand(reading)
    return reading


def _free_text(parsed: Parsed) -> Found:
    words = freetext.own_words(parsed.text)
    explanation = f"Subject: {parsed.subject}\n\n{words}" if parsed.subject else words
    urls = freetext.urls_in("\n".join([parsed.subject, parsed.text, parsed.inner_text()]))
    return Found(format="text", category="", urls=urls, explanation=explanation.strip())


def _understand(reading: Reading) -> None:
    """Language, category (free text), sharing choices and the URLs as the normaliser accepts them."""
    found = reading.found
    own = freetext.own_words(reading.parsed.text) if reading.parsed.text.strip() else ""
    reading.language = classify.language_of(own or found.explanation)
    if found.category:
        reading.category_reason = f"{found.category} from the {found.format} report's fields"
    else:
        found.category, reading.category_reason = classify.guess_category(
            f"{reading.parsed.subject}\n{own}", reading.language)
    reading.sharing = freetext.sharing(own)
    reading.urls = _normalised(found.urls, reading.problems)


def _normalised(urls: list[str], problems: list[str]) -> list[NormalisedUrl]:
    kept: dict[str, NormalisedUrl] = {}
    refused = 0
    for url in urls:
        try:
            normal = normalise_url(url)
        except UrlError:
            refused += 1
            continue
        kept.setdefault(normal.url, normal)
    if refused:
        problems.append(f"{refused} URL(s) found in the text were not valid and were left out")
    if len(kept) > settings.INTAKE_MAX_URLS:
        problems.append(f"{len(kept)} URLs found: the first {settings.INTAKE_MAX_URLS} were kept")
    return list(kept.values())[: settings.INTAKE_MAX_URLS]


def summary(reading: Reading) -> dict[str, Any]:
    """What the console shows about the message (stored encrypted: it names the sender)."""
    parsed, found = reading.parsed, reading.found
    return {"from": {"name": parsed.from_name, "address": parsed.from_address}, "subject": parsed.subject,
            "date": reading.date, "message_id": parsed.message_id, "format": found.format,
            "fields": found.fields, "auth": reading.auth.as_dict(),
            "attachments": [a.as_dict() for a in parsed.attachments[:200]], "evidence": found.evidence,
            "robot": reading.robot, "language": reading.language, "category": found.category,
            "category_reason": reading.category_reason, "sharing": reading.sharing,
            "urls": [u.url for u in reading.urls], "problems": reading.problems}


def summary_json(reading: Reading) -> str:
    return json.dumps(summary(reading), ensure_ascii=False)
