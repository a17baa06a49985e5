"""What leaves the desk towards a customer or a host, as data types that have NO reporter fields.

Every customer- or host-facing artefact (forward, webhook payload, forwarded evidence, export) is rendered from
these types. The reporter's per-recipient choice decides what is added back:
- `send`: the reporter's name and e-mail are attached as a `ReporterDisclosure`;
- `anonymous`: the reporter's words are forwarded, with their own name, e-mail and phone redacted from them;
- `none`: nothing the reporter wrote or is goes out — only the URLs and the evidence we captured ourselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from abusedesk.common.redaction import Identity, redact_identities


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
    """Remove the reporter's own identity from their words, in every shape common/redaction.py knows:
    name joins and handles, e-mail local part, plus-tag and domain, phone digits in any spacing."""
    return redact_identities(text, [Identity(name=name or "", email=email or "", phone=phone or "")])
