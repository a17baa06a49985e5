"""Is this address, header set, CNAME or nameserver a known CDN / proxy / DNS provider?

The table is data, not code. ``data/cdn/providers.json`` lists each provider's name, published abuse
channel, response-header signatures, CNAME suffixes and nameserver patterns; ``data/cdn/<key>.json``
holds the address ranges the provider publishes, with their source and date (``data/cdn/SOURCES.md``).
`abusedesk attribution refresh` replaces the range files (see `datafiles`). A match is *evidence*, each
with the fact that produced it, never a verdict.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from abusedesk.attribution.lookup import datafiles
from abusedesk.attribution.lookup.prefixes import PrefixTable

# Headers that show some proxy or cache sits in front, whoever runs it.
GENERIC_PROXY_HEADERS = ("via", "x-cache", "x-forwarded-for", "x-proxy-cache", "x-served-by")


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    abuse_email: str | None
    abuse_url: str | None
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    headers: Mapping[str, tuple[str, ...]]
    cname_suffixes: tuple[str, ...]
    ns_patterns: tuple[re.Pattern[str], ...]
    sources: tuple[str, ...] = ()
    ranges_note: str | None = None


@dataclass
class Match:
    provider: Provider
    evidence: list[str] = field(default_factory=list)


class CdnTable:
    def __init__(self, providers: Sequence[Provider]) -> None:
        self.providers = list(providers)
        self._ranges: PrefixTable[Provider] = PrefixTable(
            (network, provider) for provider in self.providers for network in provider.networks
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], ranges: Mapping[str, Sequence[str]] | None = None) -> CdnTable:
        """``data`` is ``providers.json``; ``ranges`` maps a provider key to its prefixes."""
        ranges = ranges or {}
        return cls([_provider(key, spec, ranges.get(key, ())) for key, spec in data["providers"].items()])

    def match_ip(self, address: str) -> Match | None:
        hit = self._ranges.lookup(address)
        if hit is None:
            return None
        network, provider = hit
        return Match(provider, [f"{address} is in {provider.name}'s published range {network}"])

    def match_headers(self, headers: Mapping[str, str]) -> list[Match]:
        matches = []
        for provider in self.providers:
            evidence = [
                f"response header {name}: {headers[name][:80]}"
                for name, needles in provider.headers.items()
                if name in headers and any(n in headers[name].lower() for n in needles)
            ]
            if evidence:
                matches.append(Match(provider, evidence))
        return matches

    def match_cname(self, chain: Sequence[str]) -> Match | None:
        for target in chain:
            for provider in self.providers:
                if any(target == s or target.endswith("." + s) for s in provider.cname_suffixes):
                    return Match(provider, [f"CNAME to {target}"])
        return None

    def match_nameservers(self, nameservers: Sequence[str]) -> Match | None:
        for provider in self.providers:
            hits = [ns for ns in nameservers if any(p.search(ns) for p in provider.ns_patterns)]
            if hits:
                return Match(provider, [f"nameservers {', '.join(hits)}"])
        return None


def generic_proxy_evidence(headers: Mapping[str, str]) -> list[str]:
    return [f"response header {name}: {headers[name][:80]}" for name in GENERIC_PROXY_HEADERS if name in headers]


# Signatures and contacts ship with the code; only the range files are refreshed.
PROVIDERS = "cdn/providers.json"


def shipped_table() -> CdnTable:
    """The table in use: each provider's ranges from the newer of its refreshed copy and the snapshot."""
    spec = datafiles.read_json(datafiles.shipped_path(PROVIDERS))
    files = tuple(f"cdn/{p['ranges']}" for p in spec["providers"].values() if p.get("ranges"))
    return _table(datafiles.version_key(files))


@lru_cache(maxsize=2)
def _table(key: tuple[tuple[str, int], ...]) -> CdnTable:
    del key  # the cache key: changes when a ranges file is refreshed
    spec = datafiles.read_json(datafiles.shipped_path(PROVIDERS))
    ranges: dict[str, list[str]] = {}
    for name, provider in spec["providers"].items():
        found = datafiles.load(f"cdn/{provider['ranges']}", range_prefixes) if provider.get("ranges") else None
        ranges[name] = found[0] if found else []
    return CdnTable.from_dict(spec, ranges)


def range_prefixes(doc: Any) -> list[str]:
    """The prefixes of one ranges file, each checked; the error names the entry that is wrong."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("prefixes"), list) or not doc["prefixes"]:
        raise ValueError("not a ranges file (no 'prefixes' list)")
    for index, prefix in enumerate(doc["prefixes"]):
        try:
            ipaddress.ip_network(prefix)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"prefixes[{index}]: {exc}") from None
    return [str(p) for p in doc["prefixes"]]


def _provider(key: str, spec: Mapping[str, Any], prefixes: Sequence[str]) -> Provider:
    return Provider(
        key=key,
        name=spec["name"],
        abuse_email=spec.get("abuse_email"),
        abuse_url=spec.get("abuse_url"),
        networks=tuple(ipaddress.ip_network(n) for n in prefixes),
        headers={k.lower(): tuple(v.lower() for v in vals) for k, vals in spec.get("headers", {}).items()},
        cname_suffixes=tuple(s.lower() for s in spec.get("cname_suffixes", [])),
        ns_patterns=tuple(re.compile(p) for p in spec.get("ns_patterns", [])),
        sources=tuple(spec.get("sources", [])),
        ranges_note=spec.get("ranges_note"),
    )
