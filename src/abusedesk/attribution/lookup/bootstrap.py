"""Which RDAP server answers for a domain, an IP address or an AS number (RFC 9224 bootstrap).

The four IANA registries (``dns.json``, ``ipv4.json``, ``ipv6.json``, ``asn.json``) ship in ``data/rdap/``
as published, and `abusedesk attribution refresh` replaces them (see `datafiles`). Domains match the
longest suffix of whole labels, addresses the longest prefix, AS numbers the range holding them.
Anything no registry covers (private space, an unknown TLD) goes to the ``https://rdap.org/``
redirector, which applies the same registries on its side.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Mapping
from functools import lru_cache, partial
from typing import Any

from abusedesk.attribution.lookup import datafiles
from abusedesk.attribution.lookup.prefixes import PrefixTable

REGISTRIES = {"dns": "rdap/dns.json", "ipv4": "rdap/ipv4.json", "ipv6": "rdap/ipv6.json", "asn": "rdap/asn.json"}
FALLBACK = {"ip": "https://rdap.org/", "domain": "https://rdap.org/", "autnum": "https://rdap.org/"}


def services(doc: Any, registry: str) -> list[tuple[str, str]]:
    """Validate one IANA bootstrap document and return (entry, server URL) pairs; the error names the
    problem. An entry is a TLD (dns), a CIDR (ipv4/ipv6) or "first-last" (asn); the URL is the first
    https one the registry lists for it (RFC 9224 prefers https)."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("services"), list):
        raise ValueError("not an RDAP bootstrap document (no 'services' list)")
    pairs = []
    for index, service in enumerate(doc["services"]):
        if not (isinstance(service, list) and len(service) >= 2 and all(isinstance(p, list) for p in service[:2])):
            raise ValueError(f"services[{index}] is not [entries, urls]")
        entries, urls = service[0], [u for u in service[1] if isinstance(u, str) and u.startswith("http")]
        if not urls:
            raise ValueError(f"services[{index}] lists no http(s) URL")
        url = next((u for u in urls if u.startswith("https://")), urls[0])
        pairs += [(_entry(registry, entry, index), url) for entry in entries]
    if not pairs:
        raise ValueError("no services")
    return pairs


def _entry(registry: str, entry: Any, index: int) -> str:
    if not isinstance(entry, str) or not entry:
        raise ValueError(f"services[{index}] has an entry that is not a string")
    try:
        if registry in ("ipv4", "ipv6"):
            network = ipaddress.ip_network(entry)
            if network.version != int(registry[-1]):
                raise ValueError("wrong address family")
        elif registry == "asn":
            first, _, last = entry.partition("-")
            if int(first) > int(last or first):
                raise ValueError("range runs backwards")
        elif not all(label.replace("-", "").isalnum() for label in entry.split(".")):
            raise ValueError("not a DNS label")
    except ValueError as exc:
        raise ValueError(f"services[{index}] entry {entry!r}: {exc}") from None
    return entry


def publication(doc: Any) -> str | None:
    value = doc.get("publication") if isinstance(doc, Mapping) else None
    return value if isinstance(value, str) else None


class Bootstrap:
    """Server selection over the IANA registries; each argument is one bootstrap document (or None)."""

    def __init__(
        self,
        *,
        dns: Mapping[str, Any] | None = None,
        ipv4: Mapping[str, Any] | None = None,
        ipv6: Mapping[str, Any] | None = None,
        asn: Mapping[str, Any] | None = None,
        fallback: Mapping[str, str] = FALLBACK,
    ) -> None:
        self.fallback = {**FALLBACK, **fallback}
        self.tlds = {entry.lower(): url for entry, url in services(dns, "dns")} if dns else {}
        self.networks: PrefixTable[str] = PrefixTable()
        for registry, doc in (("ipv4", ipv4), ("ipv6", ipv6)):
            for entry, url in services(doc, registry) if doc else []:
                self.networks.add(ipaddress.ip_network(entry), url)
        ranges = sorted(_asn_range(entry, url) for entry, url in (services(asn, "asn") if asn else []))
        self._asn_starts = [first for first, _, _ in ranges]
        self._asn_ranges = ranges
        docs = {"dns": dns, "ipv4": ipv4, "ipv6": ipv6, "asn": asn}
        self.publication = {registry: publication(doc) for registry, doc in docs.items()}

    def for_ip(self, address: str) -> str:
        hit = self.networks.lookup(address)
        return hit[1] if hit else self.fallback["ip"]

    def for_domain(self, name: str) -> str:
        """The server for the longest registered suffix of whole labels (``co.uk`` before ``uk``)."""
        labels = name.strip().rstrip(".").lower().split(".")
        for start in range(len(labels)):
            url = self.tlds.get(".".join(labels[start:]))
            if url:
                return url
        return self.fallback["domain"]

    def for_asn(self, number: int | str) -> str:
        value = int(str(number).upper().removeprefix("AS"))
        index = bisect.bisect_right(self._asn_starts, value) - 1
        if index >= 0 and value <= self._asn_ranges[index][1]:
            return self._asn_ranges[index][2]
        return self.fallback["autnum"]


def _asn_range(entry: str, url: str) -> tuple[int, int, str]:
    first, _, last = entry.partition("-")
    return int(first), int(last or first), url


def _validated(registry: str, doc: Any) -> Mapping[str, Any]:
    services(doc, registry)  # raises unless doc is a Mapping with valid services
    checked: Mapping[str, Any] = doc
    return checked


def shipped_bootstrap() -> Bootstrap:
    """The bootstrap in use: each registry from the newer of its refreshed copy and the snapshot."""
    return _bootstrap(datafiles.version_key(tuple(REGISTRIES.values())))


@lru_cache(maxsize=2)
def _bootstrap(key: tuple[tuple[str, int], ...]) -> Bootstrap:
    del key  # the cache key: changes when a registry file is refreshed
    docs: dict[str, Mapping[str, Any] | None] = {}
    for registry, name in REGISTRIES.items():
        loaded = datafiles.load(name, partial(_validated, registry))
        docs[registry] = loaded[0] if loaded else None
    return Bootstrap(dns=docs["dns"], ipv4=docs["ipv4"], ipv6=docs["ipv6"], asn=docs["asn"])
