"""Is this address, header set, CNAME or nameserver a known CDN / proxy / DNS provider?

The table (``data/cdn_ranges.json``) is data, not code: each provider lists its published ranges with
the page they come from, response-header signatures, CNAME suffixes, nameserver patterns and its
published abuse channel. A match is *evidence*, each with the fact that produced it, never a verdict.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

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


@dataclass
class Match:
    provider: Provider
    evidence: list[str] = field(default_factory=list)


class CdnTable:
    def __init__(self, providers: Sequence[Provider]) -> None:
        self.providers = list(providers)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CdnTable:
        return cls([_provider(key, spec) for key, spec in data["providers"].items()])

    def match_ip(self, address: str) -> Match | None:
        ip = ipaddress.ip_address(address)
        for provider in self.providers:
            for network in provider.networks:
                if ip.version == network.version and ip in network:
                    return Match(provider, [f"{address} is in {provider.name}'s published range {network}"])
        return None

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


@lru_cache(maxsize=1)
def shipped_table() -> CdnTable:
    text = resources.files("abusedesk.attribution.lookup").joinpath("data/cdn_ranges.json").read_text()
    return CdnTable.from_dict(json.loads(text))


def _provider(key: str, spec: Mapping[str, Any]) -> Provider:
    return Provider(
        key=key,
        name=spec["name"],
        abuse_email=spec.get("abuse_email"),
        abuse_url=spec.get("abuse_url"),
        networks=tuple(ipaddress.ip_network(n) for n in spec.get("ranges", [])),
        headers={k.lower(): tuple(v.lower() for v in vals) for k, vals in spec.get("headers", {}).items()},
        cname_suffixes=tuple(s.lower() for s in spec.get("cname_suffixes", [])),
        ns_patterns=tuple(re.compile(p) for p in spec.get("ns_patterns", [])),
        sources=tuple(spec.get("sources", [])),
    )
