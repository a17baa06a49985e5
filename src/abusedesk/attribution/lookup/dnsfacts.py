"""DNS facts about a host: addresses, CNAME chain and the nameservers of its zone (dnspython).

One `DnsLookup` holds the resolver configuration (system resolv.conf, or explicit nameservers and port
for tests and operators) and hands the same configuration to the safe fetcher as its `Resolver`, so the
page we fetch is the one the DNS answers describe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name
import dns.resolver

from abusedesk.net import DnsPythonResolver

MAX_CNAME_CHAIN = 8


@dataclass
class DnsFacts:
    """What DNS says about one host; ``errors`` lists lookups that failed (never raised)."""

    host: str
    addresses: list[str] = field(default_factory=list)
    cname_chain: list[str] = field(default_factory=list)
    zone: str | None = None
    nameservers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class DnsLookup:
    """A/AAAA/CNAME/NS lookups. ``nameservers=None`` means the system configuration."""

    def __init__(self, nameservers: Sequence[str] | None = None, port: int = 53, lifetime: float = 5.0) -> None:
        self.nameservers = list(nameservers) if nameservers is not None else None
        self.port = port
        self.lifetime = lifetime
        self._resolver = dns.resolver.Resolver(configure=nameservers is None)
        if nameservers is not None:
            self._resolver.nameservers = list(nameservers)
        self._resolver.port = port
        self._resolver.lifetime = lifetime

    @classmethod
    def from_server(cls, server: str | None) -> DnsLookup:
        """``"127.0.0.1:5353"``, ``"[::1]:53"`` or ``"9.9.9.9"``: ask that server; None: the system's."""
        if not server:
            return cls()
        host, port = _split_host_port(server)
        return cls([host], port)

    def fetch_resolver(self) -> DnsPythonResolver:
        """The same configuration as a resolver for `abusedesk.net.fetch`."""
        return DnsPythonResolver(self.nameservers, port=self.port, lifetime=self.lifetime)

    def facts(self, host: str) -> DnsFacts:
        facts = DnsFacts(host)
        facts.cname_chain = self._cname_chain(host, facts.errors)
        for rdtype in ("A", "AAAA"):
            facts.addresses += [rr.address for rr in self._query(host, rdtype, facts.errors)]
        facts.zone, facts.nameservers = self._zone_nameservers(host, facts.errors)
        return facts

    def _cname_chain(self, host: str, errors: list[str]) -> list[str]:
        chain: list[str] = []
        name = host
        for _ in range(MAX_CNAME_CHAIN):
            answer = self._query(name, "CNAME", errors)
            if not answer:
                break
            name = answer[0].target.to_text(omit_final_dot=True).lower()
            chain.append(name)
        return chain

    def _zone_nameservers(self, host: str, errors: list[str]) -> tuple[str | None, list[str]]:
        """Walk up from the host until a name has NS records: that is the zone (and its DNS provider).

        The owner of the NS set is the zone, not the name asked: a CNAME (www -> apex) is followed by the
        resolver and the answer belongs to its target.
        """
        labels = host.rstrip(".").split(".")
        for i in range(len(labels) - 1):
            rrset = self._rrset(".".join(labels[i:]), "NS", errors)
            if rrset is not None:
                names = sorted(rr.target.to_text(omit_final_dot=True).lower() for rr in rrset)
                return rrset.name.to_text(omit_final_dot=True).lower(), names
        return None, []

    def _query(self, name: str, rdtype: str, errors: list[str]) -> list[Any]:
        rrset = self._rrset(name, rdtype, errors)
        return list(rrset) if rrset is not None else []

    def _rrset(self, name: str, rdtype: str, errors: list[str]) -> Any:
        try:
            answer = self._resolver.resolve(dns.name.from_text(name), rdtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return None
        except dns.exception.DNSException as exc:
            errors.append(f"DNS {rdtype} {name}: {type(exc).__name__}")
            return None
        return answer.rrset


def _split_host_port(server: str) -> tuple[str, int]:
    if server.startswith("["):
        host, _, rest = server[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else 53
    if server.count(":") == 1:
        host, port = server.split(":")
        return host, int(port)
    return server, 53
