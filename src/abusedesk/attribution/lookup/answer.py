"""The answer to "who serves this URL and where do I report it": plain values with a JSON form."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

ROLES = ("origin_host", "cdn", "registrar", "dns_provider")
LABELS = {
    "origin_host": "Origin host",
    "cdn": "CDN / proxy",
    "registrar": "Registrar",
    "dns_provider": "DNS provider",
    "site_contact": "Site contact",
}
EMAIL_FORMAT = (
    "email: the URL, what is abusive and why, when you saw it, and evidence (screenshots or archived "
    "copies); X-ARF accepted by many providers"
)
FORM_FORMAT = "web form at the abuse URL"


@dataclass
class Party:
    """One organisation in a role, with its abuse channel and the facts that put it there."""

    name: str
    abuse_email: str | None = None
    abuse_url: str | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class ReportTo:
    """One entry of `WhoisAnswer.where_to_report`, most effective first."""

    role: str
    name: str
    contact: str
    format: str
    why: str


@dataclass
class WhoisAnswer:
    url: str
    host: str
    host_unicode: str
    addresses: list[str] = field(default_factory=list)
    cname_chain: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)
    cdn: Party | None = None
    origin_host: Party | None = None
    dns_provider: Party | None = None
    registrar: Party | None = None
    site_contact: Party | None = None
    security_txt: dict[str, Any] | None = None
    where_to_report: list[ReportTo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=False)

    def to_text(self) -> str:
        """The human-readable form the CLI prints."""
        lines = [
            f"URL:      {self.url}",
            f"Host:     {self.host_unicode}" + (f" ({self.host})" if self.host != self.host_unicode else ""),
        ]
        lines.append(f"Address:  {', '.join(self.addresses) or '-'}")
        if self.cname_chain:
            lines.append(f"CNAME:    {' -> '.join(self.cname_chain)}")
        if self.nameservers:
            lines.append(f"NS:       {', '.join(self.nameservers)}")
        for role in (*ROLES, "site_contact"):
            party = getattr(self, role)
            if party is not None:
                lines += _party_lines(role, party)
        lines.append("")
        lines.append("Where to report:")
        for i, target in enumerate(self.where_to_report, 1):
            lines.append(f"  {i}. {target.name} ({target.role}): {target.contact}")
            lines.append(f"     how: {target.format}")
            lines.append(f"     why: {target.why}")
        if not self.where_to_report:
            lines.append("  no abuse contact found")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _party_lines(role: str, party: Party) -> list[str]:
    contact = ", ".join(c for c in (party.abuse_email, party.abuse_url) if c) or "no abuse contact found"
    lines = [f"{LABELS[role] + ':':14}{party.name} - {contact}"]
    lines += [f"{'':14}  evidence: {e}" for e in party.evidence]
    return lines
