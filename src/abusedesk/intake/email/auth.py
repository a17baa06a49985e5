"""Who sent it: SPF, DKIM and DMARC results, and the lane they may open.

Results come from two places, and from nowhere else:
- `Authentication-Results` headers (RFC 8601, parsed with `authres`) whose authserv-id is one of
  `MAIL_TRUSTED_AUTHSERV_IDS`, the relays in front of this desk (they must remove such headers arriving from
  outside, as RFC 8601 section 5 asks). A header with any other authserv-id was written by someone we do not know:
  it is kept for the console as "untrusted" and never believed.
- DKIM signatures verified here with `dkimpy`, when `MAIL_DKIM_VERIFY` is on (this desk's listener is the MX).

Lane: a sender domain listed in `MAIL_TRUSTED_DOMAINS` ("cert.example=trusted,police.example=authority") gets the
trusted-flagger or authority lane only when the From address is in that domain (or below it) AND a DKIM signature
passed for a domain that is the From domain or a parent of it, within the configured domain. Anything else --
a forged From, a failing or missing signature, a pass only from an untrusted header -- is an individual.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import authres
import dkim
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from abusedesk.intake.email.parse import Parsed, clean, headers, one_line
from abusedesk.intake.models import ReporterKind

logger = logging.getLogger("abusedesk.intake.email")
LANES = {"trusted": ReporterKind.TRUSTED_FLAGGER, "trusted_flagger": ReporterKind.TRUSTED_FLAGGER,
         "authority": ReporterKind.AUTHORITY}
MAX_SIGNATURES = 5


@dataclass
class Authentication:
    spf: str = "none"
    dkim: list[dict[str, str]] = field(default_factory=list)  # [{"result", "domain", "by"}]
    dmarc: str = "none"
    by: str = ""  # the trusted authserv-id whose header was believed
    untrusted: list[str] = field(default_factory=list)  # authserv-ids of headers not believed
    kind: str = ""  # ReporterKind the sender's domain earned ("" = individual)
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"spf": self.spf, "dkim": self.dkim, "dmarc": self.dmarc, "by": self.by,
                "untrusted": self.untrusted, "kind": self.kind, "reason": self.reason}


def configured_domains() -> dict[str, str]:
    """MAIL_TRUSTED_DOMAINS as {domain: ReporterKind}; a malformed entry is a configuration error naming it."""
    out: dict[str, str] = {}
    for entry in settings.MAIL_TRUSTED_DOMAINS:
        domain, _, lane = entry.strip().partition("=")
        if not domain or lane.strip().lower() not in LANES:
            raise ImproperlyConfigured(f"ABUSEDESK_MAIL_TRUSTED_DOMAINS: {entry!r} must look like "
                                       "domain=trusted or domain=authority")
        out[domain.strip().lower().strip(".")] = LANES[lane.strip().lower()]
    return out


def authenticate(raw: bytes, parsed: Parsed) -> Authentication:
    result = Authentication()
    _from_headers(parsed, result)
    if settings.MAIL_DKIM_VERIFY:
        result.dkim = [r for r in result.dkim if r["by"] != "dkimpy"] + _verify_dkim(raw, parsed)
    result.kind, result.reason = lane_for(parsed.from_address, result.dkim)
    return result


def _from_headers(parsed: Parsed, result: Authentication) -> None:
    trusted = {x.strip().lower() for x in settings.MAIL_TRUSTED_AUTHSERV_IDS if x.strip()}
    for value in headers(parsed.message, "Authentication-Results")[:20]:
        try:
            header = authres.AuthenticationResultsHeader.parse_value(one_line(value, 4000))
        except Exception:  # authres.AuthResError and whatever a hostile header provokes: not believed
            result.untrusted.append("(unreadable)")
            continue
        serv = clean(header.authserv_id, 200).lower()
        if serv not in trusted or result.by:
            result.untrusted.append(serv)
            continue
        result.by = serv
        for item in header.results:
            _take(item, serv, result)


def _take(item: Any, serv: str, result: Authentication) -> None:
    method, outcome = str(item.method).lower(), str(item.result).lower()
    props = {f"{p.type}.{p.name}".lower(): clean(p.value, 255) for p in item.properties}
    if method == "spf":
        result.spf = outcome
    elif method == "dmarc":
        result.dmarc = outcome
    elif method == "dkim":
        domain = props.get("header.d") or props.get("header.i", "").rpartition("@")[2]
        result.dkim.append({"result": outcome, "domain": domain.lower().strip("."), "by": serv})


def dkim_txt(name: bytes, timeout: int = 5) -> bytes | None:
    """The DNS TXT look-up dkimpy uses (tests put a recorded answer here)."""
    answer: bytes | None = dkim.dnsplug.get_txt(name, timeout=timeout)
    return answer


def _verify_dkim(raw: bytes, parsed: Parsed) -> list[dict[str, str]]:
    count = min(len(headers(parsed.message, "DKIM-Signature")), MAX_SIGNATURES)
    found: list[dict[str, str]] = []
    for index in range(count):
        checker = dkim.DKIM(raw, minkey=1024, timeout=5)
        try:
            ok = bool(checker.verify(idx=index, dnsfunc=lambda name, timeout=5: dkim_txt(name, timeout)))
        except Exception as exc:  # dkim.DKIMException, DNS errors, a hostile signature: a failure, with its name
            logger.info("DKIM signature %d did not verify (%s)", index, exc.__class__.__name__)
            ok = False
        domain = checker.domain.decode("ascii", "replace") if isinstance(checker.domain, bytes) else ""
        found.append({"result": "pass" if ok else "fail", "domain": domain.lower().strip("."), "by": "dkimpy"})
    return found


def _within(domain: str, parent: str) -> bool:
    return bool(domain) and (domain == parent or domain.endswith("." + parent))


def lane_for(address: str, dkim_results: list[dict[str, str]]) -> tuple[str, str]:
    """(ReporterKind or "", why): a configured domain earns its lane only with an aligned DKIM pass."""
    from_domain = address.rpartition("@")[2].lower().strip(".")
    configured = next(((d, k) for d, k in configured_domains().items() if _within(from_domain, d)), None)
    if configured is None:
        return "", "sender's domain is not configured for a lane"
    domain, kind = configured
    passed = [r["domain"] for r in dkim_results if r["result"] == "pass"]
    if any(_within(d, domain) and _within(from_domain, d) for d in passed):
        return kind, f"{domain} is configured as {kind} and DKIM passed for it"
    return "", f"{domain} is configured as {kind} but no DKIM signature passed for it: an individual"
