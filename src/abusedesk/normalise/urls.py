"""Reported URLs: validated and normalised at the border.

A reported URL must be http(s), carry no credentials, no control characters or backslashes (parser
differentials), and a host that is a valid IDN (stored as A-label and U-label) or an IP literal.
Fetching applies stricter rules of its own (net/); a URL can be worth reporting without being
safe to fetch.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit, urlunsplit

import idna

from abusedesk.net.urls import is_numeric_host

MAX_URL_CHARS = 2048
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")
_HOST_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")


class UrlError(ValueError):
    """The URL is not acceptable; `str(exc)` says why in words a reporter understands."""


@dataclass(frozen=True)
class NormalisedUrl:
    url: str
    host: str  # A-label or IP literal (no brackets)
    host_unicode: str
    ip: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def normalise_url(raw: str) -> NormalisedUrl:
    if not isinstance(raw, str):
        raise UrlError("must be a string")
    text = raw.strip()
    if not text:
        raise UrlError("is empty")
    if len(text) > MAX_URL_CHARS:
        raise UrlError(f"is longer than {MAX_URL_CHARS} characters")
    if _FORBIDDEN.search(text):
        raise UrlError("contains spaces, control characters or backslashes")
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket, "https://[::1/"
        raise UrlError("has a malformed host (check the square brackets)") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise UrlError("must start with http:// or https://")
    if "@" in parts.netloc:
        raise UrlError("must not contain a user name or password")
    try:
        port = parts.port
    except ValueError:
        raise UrlError("has an invalid port") from None
    host, host_unicode, ip = _normalise_host(parts.hostname or "")
    netloc = f"[{host}]" if ip and ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    url = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return NormalisedUrl(url=url, host=host, host_unicode=host_unicode, ip=ip)


def _normalise_host(host: str) -> tuple[str, str, str | None]:
    if not host:
        raise UrlError("has no host name")
    host = host.rstrip(".")
    try:
        address = ipaddress.ip_address(host)
        return str(address), str(address), str(address)
    except ValueError:
        pass
    # Validate what will be connected to: the fetcher (like browsers) reads `1.0x1` as the address 1.0.0.1.
    if is_numeric_host(host):
        raise UrlError("has a host that looks like an IP address written in an unusual form")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii").lower()
        unicode_host = idna.decode(ascii_host)
    except idna.IDNAError:
        raise UrlError("has a host name that is not a valid internationalised domain name") from None
    if is_numeric_host(ascii_host):  # e.g. full-width digits that map to one
        raise UrlError("has a host that looks like an IP address written in an unusual form")
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise UrlError("has an invalid host name")
    return ascii_host, unicode_host, None


def host_candidates(host: str) -> list[str]:
    """The host and each parent domain: a.b.example.test -> [a.b.example.test, b.example.test, example.test]."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]
