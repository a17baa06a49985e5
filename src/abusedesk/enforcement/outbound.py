"""What leaves the desk towards a customer or a host, as data types that have NO reporter fields.

Every customer- or host-facing artefact (forward, webhook payload, forwarded evidence, export) is rendered from
these types. The reporter's per-recipient choice decides what is added back:
- `send`: the reporter's name and e-mail are attached as a `ReporterDisclosure`;
- `anonymous`: the reporter's words are forwarded, with their own name, e-mail and phone redacted from them;
- `none`: nothing the reporter wrote or is goes out — only the URLs and the evidence we captured ourselves.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

REDACTED = "[redacted]"


@dataclass(frozen=True)
class EvidenceRef:
    url: str
    final_url: str
    http_status: int | None
    resolved_ip: str | None
    body_sha256: str
    text_sha256: str
    fetched_at: str
    excerpt: str = ""


@dataclass(frozen=True)
class ReporterDisclosure:
    """Added only when the reporter chose `send` for this recipient."""

    name: str
    email: str


@dataclass(frozen=True)
class HostForward:
    reference: str
    received_at: str
    category: str
    urls: list[str]
    our_service: str
    origin_ip: str | None
    evidence: list[EvidenceRef] = field(default_factory=list)
    notice_text: str | None = None
    reporter: ReporterDisclosure | None = None
    reporter_status: str = "not_included"

    def as_payload(self) -> dict[str, Any]:
        """The webhook body: absent fields are left out rather than sent empty."""
        data = {k: v for k, v in asdict(self).items() if v is not None}
        if data.get("reporter_status") == "not_included":
            del data["reporter_status"]
        return data


def redact_reporter(text: str, *, name: str | None, email: str | None, phone: str | None) -> str:
    """Remove the reporter's own identity from their words: full name, each name part of 3+ letters,
    e-mail (and its local part), phone digits in any spacing."""
    pieces: list[str] = []
    for value in (name, email):
        if value:
            pieces.append(re.escape(value.strip()))
    if email and "@" in email:
        pieces.append(re.escape(email.split("@")[0]))
    if name:
        pieces.extend(re.escape(part) for part in re.split(r"\s+", name.strip()) if len(part) >= 3)
    result = text
    if pieces:
        pattern = re.compile(r"(?<!\w)(" + "|".join(sorted(pieces, key=len, reverse=True)) + r")(?!\w)", re.IGNORECASE)
        result = pattern.sub(REDACTED, result)
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) >= 6:
        loose = r"\D{0,3}".join(re.escape(d) for d in digits[-9:])
        result = re.sub(r"\+?[\d\s().-]*" + loose, REDACTED, result)
    return result
