"""security.txt (RFC 9116): the site's own published contact, fetched through the safe fetcher.

The file is hostile input like any page: it is size-capped by the fetcher, parsed line by line, and only
the fields the abuse desk shows are kept. A PGP cleartext signature is unwrapped but not verified (we
have no key to verify it against); ``signed`` only says that one was present.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from abusedesk.net import FetchPolicy, Resolver, fetch
from abusedesk.net.urls import ParsedUrl

MAX_SECURITY_TXT_BYTES = 64 * 1024
LIST_FIELDS = ("contact", "encryption", "acknowledgments", "canonical", "policy", "hiring")


@dataclass
class SecurityTxt:
    source: str
    contact: list[str] = field(default_factory=list)
    policy: list[str] = field(default_factory=list)
    encryption: list[str] = field(default_factory=list)
    acknowledgments: list[str] = field(default_factory=list)
    canonical: list[str] = field(default_factory=list)
    hiring: list[str] = field(default_factory=list)
    preferred_languages: list[str] = field(default_factory=list)
    expires: str | None = None
    expired: bool | None = None
    signed: bool = False
    insecure_transport: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def emails(self) -> list[str]:
        return [c.removeprefix("mailto:") for c in self.contact if c.lower().startswith("mailto:")]

    @property
    def urls(self) -> list[str]:
        return [c for c in self.contact if c.lower().startswith("https://")]


def parse_security_txt(text: str, source: str = "", *, now: datetime.datetime | None = None) -> SecurityTxt:
    """Parse RFC 9116 fields; unknown fields are ignored, malformed lines noted in ``problems``."""
    result = SecurityTxt(source)
    body, result.signed = _unwrap_signature(text)
    for number, raw in enumerate(body.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if not sep or not value.strip():
            result.problems.append(f"line {number}: not 'Field: value'")
            continue
        _set_field(result, name.strip().lower(), value.strip())
    if not result.contact:
        result.problems.append("no Contact field (required)")
    _check_expiry(result, now or datetime.datetime.now(datetime.UTC))
    return result


def _set_field(result: SecurityTxt, name: str, value: str) -> None:
    if name in LIST_FIELDS:
        getattr(result, name).append(value)
    elif name == "preferred-languages":
        result.preferred_languages = [v.strip() for v in value.split(",") if v.strip()]
    elif name == "expires":
        if result.expires is not None:
            result.problems.append("Expires given more than once")
        result.expires = value


def _check_expiry(result: SecurityTxt, now: datetime.datetime) -> None:
    if result.expires is None:
        result.problems.append("no Expires field (required)")
        return
    try:
        when = datetime.datetime.fromisoformat(result.expires.replace("Z", "+00:00"))
    except ValueError:
        result.problems.append("Expires is not an RFC 3339 date-time")
        return
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    result.expired = when < now


def _unwrap_signature(text: str) -> tuple[str, bool]:
    """Body of a PGP cleartext-signed message (RFC 4880 section 7), or the text unchanged."""
    head = "-----BEGIN PGP SIGNED MESSAGE-----"
    if head not in text:
        return text, False
    after = text.split(head, 1)[1]
    _hash_headers, _, rest = after.partition("\n\n")
    body = rest.split("-----BEGIN PGP SIGNATURE-----", 1)[0]
    lines = [line[2:] if line.startswith("- ") else line for line in body.splitlines()]  # dash-escaping
    return "\n".join(lines), True


def fetch_security_txt(
    site: ParsedUrl, *, policy: FetchPolicy | None = None, resolver: Resolver | None = None
) -> SecurityTxt | None:
    """Try https://host/.well-known/security.txt, then the URL's own origin; None if neither serves one.

    RFC 9116 requires HTTPS; a file found only over plain HTTP is kept but flagged ``insecure_transport``.
    """
    policy = policy or FetchPolicy(max_bytes=MAX_SECURITY_TXT_BYTES, deadline_s=10.0)
    for url in _candidates(site):
        result = fetch(url, policy=policy, resolver=resolver)
        if not (result.ok and result.status == 200 and _looks_like_text(result.content_type)):
            continue
        parsed = parse_security_txt(result.body.decode("utf-8", errors="replace"), result.final_url or url)
        parsed.insecure_transport = not (result.final_url or url).startswith("https://")
        if parsed.contact:
            return parsed
    return None


def _candidates(site: ParsedUrl) -> list[str]:
    host = f"[{site.host_ascii}]" if ":" in site.host_ascii else site.host_ascii
    urls = [f"https://{host}/.well-known/security.txt"]
    own = f"{site.scheme}://{site.host_header}/.well-known/security.txt"
    return urls if own in urls else [*urls, own]


def _looks_like_text(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in ("text/plain", "")
