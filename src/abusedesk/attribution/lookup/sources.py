"""The published sources `abusedesk attribution refresh` downloads, and how each answer is checked.

Each `Source` names the URLs its publisher serves, the data file it becomes (relative to the data
directory, see `datafiles`) and a builder that turns the downloaded bodies into that file or raises
`ValueError` naming what is wrong. IANA registries are written byte for byte as published; provider
range lists are normalised into one shape: ``provider``, ``source``, ``selection``, ``published`` (the
date inside the publisher's file, when it has one), ``fetched`` and ``prefixes``.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from abusedesk.attribution.lookup.bootstrap import REGISTRIES, services
from abusedesk.attribution.lookup.prefixes import Network

IANA_RDAP = "https://data.iana.org/rdap/"


@dataclass(frozen=True)
class Built:
    content: bytes
    published: str | None
    summary: str


@dataclass(frozen=True)
class Source:
    name: str
    target: str
    urls: tuple[str, ...]
    build: Callable[[Sequence[bytes], datetime], Built]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON ({exc})") from None


def _iana(registry: str) -> Callable[[Sequence[bytes], datetime], Built]:
    def build(bodies: Sequence[bytes], fetched: datetime) -> Built:
        del fetched  # IANA's own publication date is what counts
        doc = _json(bodies[0])
        count = len(services(doc, registry))
        published = doc.get("publication")
        if not isinstance(published, str):
            raise ValueError("no 'publication' date")
        _check_date(published, "publication")
        return Built(bodies[0], published, f"{count} entries, published {published}")

    return build


def _ranges(
    key: str, urls: Sequence[str], selection: str, published: str | None, fetched: datetime, prefixes: Iterable[str]
) -> Built:
    networks = sorted({_network(p) for p in prefixes}, key=lambda n: (n.version, n))
    if not networks:
        raise ValueError("no prefixes")
    doc = {
        "provider": key,
        "source": list(urls),
        "selection": selection,
        "published": published,
        "fetched": fetched.isoformat(timespec="seconds"),
        "obtained_via": "abusedesk attribution refresh",
        "prefixes": [str(n) for n in networks],
    }
    date = f", published {published}" if published else ""
    return Built(json.dumps(doc, indent=1).encode() + b"\n", published, f"{len(networks)} prefixes{date}")


def _network(prefix: Any) -> Network:
    try:
        return ipaddress.ip_network(str(prefix).strip())
    except ValueError as exc:
        raise ValueError(f"{prefix!r} is not a CIDR ({exc})") from None


def _check_date(value: str, field: str) -> None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field} {value!r} is not an ISO 8601 date") from None


CLOUDFLARE = ("https://www.cloudflare.com/ips-v4", "https://www.cloudflare.com/ips-v6")


def _cloudflare(bodies: Sequence[bytes], fetched: datetime) -> Built:
    prefixes = []
    for url, body, version in zip(CLOUDFLARE, bodies, (4, 6), strict=True):
        lines = [line.strip() for line in body.decode("utf-8", "replace").splitlines() if line.strip()]
        if any(_network(line).version != version for line in lines):
            raise ValueError(f"{url} lists an address that is not IPv{version}")
        prefixes += lines
    return _ranges("cloudflare", CLOUDFLARE, "every listed prefix", None, fetched, prefixes)


FASTLY = ("https://api.fastly.com/public-ip-list",)


def _fastly(bodies: Sequence[bytes], fetched: datetime) -> Built:
    doc = _json(bodies[0])
    if not isinstance(doc, dict) or not isinstance(doc.get("addresses"), list):
        raise ValueError("no 'addresses' list")
    prefixes = [*doc["addresses"], *_list(doc.get("ipv6_addresses"))]
    return _ranges("fastly", FASTLY, "addresses and ipv6_addresses", None, fetched, prefixes)


AWS = ("https://ip-ranges.amazonaws.com/ip-ranges.json",)


def _cloudfront(bodies: Sequence[bytes], fetched: datetime) -> Built:
    doc = _json(bodies[0])
    if not isinstance(doc, dict) or not isinstance(doc.get("prefixes"), list):
        raise ValueError("no 'prefixes' list")
    try:  # AWS writes createDate as YYYY-MM-DD-hh-mm-ss (UTC)
        created = datetime.strptime(str(doc.get("createDate")), "%Y-%m-%d-%H-%M-%S").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"createDate {doc.get('createDate')!r} is not YYYY-MM-DD-hh-mm-ss") from None
    v4 = _cloudfront_prefixes(doc["prefixes"], "ip_prefix")
    v6 = _cloudfront_prefixes(doc.get("ipv6_prefixes"), "ipv6_prefix")
    selection = "prefixes and ipv6_prefixes whose service is CLOUDFRONT"
    return _ranges("cloudfront", AWS, selection, created.isoformat(), fetched, [*v4, *v6])


def _cloudfront_prefixes(entries: Any, field: str) -> list[Any]:
    return [e.get(field) for e in _list(entries) if isinstance(e, dict) and e.get("service") == "CLOUDFRONT"]


GOOGLE = ("https://www.gstatic.com/ipranges/goog.json", "https://www.gstatic.com/ipranges/cloud.json")


def _google(bodies: Sequence[bytes], fetched: datetime) -> Built:
    goog, cloud = (_google_prefixes(_json(body), url) for body, url in zip(bodies, GOOGLE, strict=True))
    created = _json(bodies[0]).get("creationTime")
    _check_date(str(created), "creationTime")
    selection = "goog.json less cloud.json: Google's own front ends, not Google Cloud customers' addresses"
    return _ranges("google", GOOGLE, selection, str(created), fetched, map(str, subtract(goog, cloud)))


def _google_prefixes(doc: Any, url: str) -> list[Network]:
    if not isinstance(doc, dict) or not isinstance(doc.get("prefixes"), list):
        raise ValueError(f"{url}: no 'prefixes' list")
    found = [p.get("ipv4Prefix") or p.get("ipv6Prefix") for p in doc["prefixes"] if isinstance(p, dict)]
    return [_network(p) for p in found if p]


def subtract(networks: Iterable[Network], minus: Iterable[Network]) -> list[Network]:
    """The address space of `networks` less that of `minus`, as the fewest CIDRs."""
    removed = list(minus)
    kept: list[Network] = []
    for network in networks:
        pieces = [network]
        for hole in (h for h in removed if h.version == network.version and h.overlaps(network)):
            pieces = [rest for piece in pieces for rest in _without(piece, hole)]
        kept += pieces
    v4 = ipaddress.collapse_addresses(n for n in kept if isinstance(n, ipaddress.IPv4Network))
    v6 = ipaddress.collapse_addresses(n for n in kept if isinstance(n, ipaddress.IPv6Network))
    return [*v4, *v6]


def _without(piece: Network, hole: Network) -> list[Network]:
    if not piece.overlaps(hole):
        return [piece]
    if hole.prefixlen <= piece.prefixlen:  # the hole covers the whole piece
        return []
    return list(piece.address_exclude(hole))  # type: ignore[arg-type]  # same version, checked above


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


SOURCES = {
    source.name: source
    for source in (
        *(Source(f"rdap-{r}", f"rdap/{r}.json", (f"{IANA_RDAP}{r}.json",), _iana(r)) for r in REGISTRIES),
        Source("cloudflare", "cdn/cloudflare.json", CLOUDFLARE, _cloudflare),
        Source("fastly", "cdn/fastly.json", FASTLY, _fastly),
        Source("cloudfront", "cdn/cloudfront.json", AWS, _cloudfront),
        Source("google", "cdn/google.json", GOOGLE, _google),
    )
}
