"""Strict parsing of the URLs we are asked to fetch.

Why our own parser: SSRF bugs live in the gap between the parser that validates a URL and the one that
connects (Orange Tsai, "A New Era of SSRF", 2017). Here the same `ParsedUrl` is validated, resolved,
connected to and recorded, and anything on which common parsers disagree (backslashes, userinfo,
control characters, whitespace, percent-encoded hosts, odd ports) is refused instead of interpreted.

Numeric hosts are read the way browsers read them (WHATWG URL "IPv4 parser"), so ``http://0x7f.1/``,
``http://2130706433/`` and ``http://017700000001/`` become 127.0.0.1 and are then refused by the
address check, never sent to DNS as names.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import idna

from abusedesk.net.errors import FetchBlocked, RefusalReason

MAX_URL_CHARS = 8192
ALLOWED_SCHEMES = {"http": 80, "https": 443}

# Explicit ports: 80, 443 and 1024-65535 minus these. Below 1024 only 80/443, so SMTP (25), SSH (22),
# etc. are never reachable. The list is WHATWG Fetch's "bad ports" at or above 1024 (protocols a
# crafted HTTP request can abuse: SIP, IRC, NFS, X11, ...) plus databases, caches, queues and admin
# APIs that speak non-HTTP or unauthenticated protocols.
DENIED_PORTS = frozenset(
    {
        1080,
        1433,
        1434,
        1521,
        1719,
        1720,
        1723,
        2049,
        2375,
        2376,
        2379,
        2380,
        3306,
        3389,
        3659,
        4045,
        4190,
        4369,
        5060,
        5061,
        5432,
        5672,
        5900,
        5984,
        6000,
        6379,
        6443,
        6566,
        6665,
        6666,
        6667,
        6668,
        6669,
        6679,
        6697,
        9042,
        9092,
        10080,
        10250,
        10255,
        11211,
        15672,
        25672,
        27017,
        27018,
        28017,
        50070,
    }
)

# Names refused before any DNS query: they name this machine or a local network by definition
# (RFC 6761 localhost, RFC 6762 .local, RFC 8375 home.arpa, ICANN's .internal). Defence in depth only:
# the address check after resolution is the real gate.
_LOCAL_NAMES = ("localhost",)
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan")

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_ASCII_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_NUMERIC_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")
# Characters sent percent-encoded in the request target (non-ASCII is always encoded).
_ENCODE_IN_TARGET = frozenset('"<>`{}|^')


@dataclass(frozen=True)
class ParsedUrl:
    """A URL that passed the syntax and port rules. ``host_ascii`` is what we resolve, connect to,
    send as Host/SNI and record; ``ip`` is set when the host is an IP literal (no DNS then)."""

    scheme: str
    host_ascii: str
    host_unicode: str
    port: int
    target: str
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None

    @property
    def default_port(self) -> bool:
        return self.port == ALLOWED_SCHEMES[self.scheme]

    @property
    def host_header(self) -> str:
        host = f"[{self.host_ascii}]" if ":" in self.host_ascii else self.host_ascii
        return host if self.default_port else f"{host}:{self.port}"

    @property
    def canonical(self) -> str:
        """The URL as we actually request it (A-label host, encoded target, no fragment)."""
        return f"{self.scheme}://{self.host_header}{self.target}"


def parse_url(url: object) -> ParsedUrl:
    """Parse and police ``url``; raise `FetchBlocked` naming the first rule it breaks."""
    text = _check_characters(url)
    scheme, rest = _split_scheme(text)
    if not rest.startswith("//"):
        raise FetchBlocked(RefusalReason.INVALID_URL, "expected '//' after the scheme")
    authority, target = _split_authority(rest[2:])
    if "@" in authority:
        raise FetchBlocked(RefusalReason.USERINFO_IN_URL, "user:password@ is never sent")
    raw_host, port = _split_port(authority, ALLOWED_SCHEMES[scheme])
    _check_port(port, ALLOWED_SCHEMES[scheme])
    host_ascii, host_unicode, ip = parse_host(raw_host)
    return ParsedUrl(scheme, host_ascii, host_unicode, port, _encode_target(target), ip)


def join_location(base: ParsedUrl, location: str) -> ParsedUrl:
    """Resolve a redirect's Location against the page that sent it, then police it like any URL.

    Relative (``/x``, ``x``) and scheme-relative (``//host/x``) forms are joined first; the joined URL
    is then parsed strictly, so ``//169.254.169.254/`` ends up at the address check like any other.
    """
    _check_characters(location)  # before urljoin, which would quietly drop some of them
    if _SCHEME.match(location):
        return parse_url(location)
    return parse_url(urljoin(base.canonical, location))


def parse_host(raw: str) -> tuple[str, str, ipaddress.IPv4Address | ipaddress.IPv6Address | None]:
    """Return (A-label host, U-label host, IP or None) for the host part of a URL."""
    if not raw:
        raise FetchBlocked(RefusalReason.INVALID_HOST, "empty host")
    if raw.startswith("["):
        ip6 = _parse_ipv6_literal(raw)
        return str(ip6), str(ip6), ip6
    if "%" in raw or ":" in raw:
        raise FetchBlocked(RefusalReason.INVALID_HOST, "percent-encoding or ':' in host")
    name = raw[:-1] if raw.endswith(".") else raw  # one trailing dot = the same fully qualified name
    ip4 = _whatwg_ipv4(name)
    if ip4 is not None:
        return str(ip4), str(ip4), ip4
    host_ascii, host_unicode = _to_labels(name)
    _check_name(host_ascii)
    return host_ascii, host_unicode, None


def _check_characters(url: object) -> str:
    if not isinstance(url, str):
        raise FetchBlocked(RefusalReason.INVALID_URL, "URL must be a string")
    if len(url) > MAX_URL_CHARS:
        raise FetchBlocked(RefusalReason.URL_TOO_LONG, f"more than {MAX_URL_CHARS} characters")
    if any(ord(ch) <= 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in url):
        raise FetchBlocked(RefusalReason.CONTROL_CHAR_IN_URL, "space, TAB, CR, LF, NUL or other control character")
    if any(ch in url for ch in "\u2028\u2029\ufeff\u200b"):
        raise FetchBlocked(RefusalReason.CONTROL_CHAR_IN_URL, "invisible separator character")
    if "\\" in url:
        raise FetchBlocked(RefusalReason.BACKSLASH_IN_URL, "parsers disagree on backslashes")
    return url


def _split_scheme(text: str) -> tuple[str, str]:
    match = _SCHEME.match(text)
    if not match:
        raise FetchBlocked(RefusalReason.INVALID_URL, "no scheme")
    scheme = match.group(1).lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchBlocked(RefusalReason.SCHEME_NOT_ALLOWED, f"scheme {scheme!r}; only http and https")
    return scheme, text[match.end() :]


def _split_authority(rest: str) -> tuple[str, str]:
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    tail = tail.split("#", 1)[0]
    if not tail.startswith("/"):
        tail = "/" + tail
    return authority, tail


def _split_port(authority: str, default: int) -> tuple[str, int]:
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            raise FetchBlocked(RefusalReason.INVALID_HOST, "unclosed '[' in host")
        host, after = authority[: close + 1], authority[close + 1 :]
        if after and not after.startswith(":"):
            raise FetchBlocked(RefusalReason.INVALID_HOST, "junk after IPv6 literal")
        port_text = after[1:] if after else None
    else:
        host, sep, port_text = authority.rpartition(":")
        if not sep:
            host, port_text = authority, None
    if port_text is None:
        return host, default
    if not port_text.isascii() or not port_text.isdigit() or len(port_text) > 5:
        raise FetchBlocked(RefusalReason.INVALID_PORT, "port must be 1-65535 in decimal digits")
    return host, int(port_text)


def _check_port(port: int, default: int) -> None:
    if port == default or port in (80, 443):
        return
    if not 1024 <= port <= 65535 or port in DENIED_PORTS:
        raise FetchBlocked(RefusalReason.PORT_NOT_ALLOWED, f"port {port}")


def _parse_ipv6_literal(raw: str) -> ipaddress.IPv6Address:
    inner = raw[1:-1] if raw.endswith("]") else ""
    if "%" in inner:
        raise FetchBlocked(RefusalReason.INVALID_HOST, "IPv6 zone identifiers are not allowed")
    try:
        return ipaddress.IPv6Address(inner)
    except ValueError:
        raise FetchBlocked(RefusalReason.INVALID_HOST, "malformed IPv6 literal") from None


def _whatwg_ipv4(name: str) -> ipaddress.IPv4Address | None:
    """WHATWG "ends in a number" + IPv4 parser: decimal, 0x-hex and 0-octal parts, 1 to 4 of them."""
    parts = name.split(".")
    if not parts or not _NUMERIC_PART.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_NUMERIC_PART.match(p) for p in parts):
        raise FetchBlocked(RefusalReason.INVALID_HOST, "numeric host that is not a valid IPv4 address")
    numbers = [_whatwg_number(p) for p in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise FetchBlocked(RefusalReason.INVALID_HOST, "IPv4 part out of range")
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n * 256 ** (3 - i)
    return ipaddress.IPv4Address(value)


def _whatwg_number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        if any(c in "89" for c in part):
            raise FetchBlocked(RefusalReason.INVALID_HOST, "bad octal part in numeric host")
        return int(part, 8)
    return int(part)


def _to_labels(name: str) -> tuple[str, str]:
    """A-label and U-label forms. ASCII labels are kept as-is (lower-cased; '_' tolerated as DNS does);
    anything else goes through IDNA 2008 with UTS #46 mapping, so homographs are stored as punycode."""
    if not name or len(name) > 253:
        raise FetchBlocked(RefusalReason.INVALID_HOST, "empty or over-long host name")
    try:
        if name.isascii():
            host_ascii = name.lower()
            labels = host_ascii.split(".")
            if not all(_ASCII_LABEL.match(label) for label in labels):
                raise FetchBlocked(RefusalReason.INVALID_HOST, "host name label has invalid characters")
            host_unicode = ".".join(idna.decode(label) if label.startswith("xn--") else label for label in labels)
        else:
            host_ascii = idna.encode(name, uts46=True, transitional=False).decode("ascii")
            host_unicode = idna.decode(host_ascii)
    except (idna.IDNAError, UnicodeError, ValueError):
        raise FetchBlocked(RefusalReason.INVALID_HOST, "host name is not valid IDNA") from None
    if is_numeric_host(host_ascii):
        raise FetchBlocked(RefusalReason.INVALID_HOST, "IDNA mapping produced a numeric host")
    return host_ascii, host_unicode


def is_numeric_host(name: str) -> bool:
    """Whether a URL parser (WHATWG, browsers, this fetcher) takes ``name`` for an IPv4 address - `1.0x1`,
    `0x7f.1`, `2130706433` - or refuses it as a malformed one (`1.2.3.4.5`, `a.09`). Such a host is never a
    name: whoever validates it must treat it as the address it is."""
    try:
        return _whatwg_ipv4(name) is not None
    except FetchBlocked:
        return True


def _check_name(host_ascii: str) -> None:
    if host_ascii in _LOCAL_NAMES or host_ascii.endswith(_LOCAL_SUFFIXES):
        raise FetchBlocked(RefusalReason.LOCAL_NAME, host_ascii)
    if "." not in host_ascii:
        detail = "resolver search domains could expand it to an internal name"
        raise FetchBlocked(RefusalReason.SINGLE_LABEL_HOST, detail)


def _encode_target(target: str) -> str:
    out = []
    for ch in target:
        if ch.isascii() and ch not in _ENCODE_IN_TARGET:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)
