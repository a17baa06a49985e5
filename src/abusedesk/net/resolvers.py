"""Name resolution behind a one-method interface, so tests and scenarios decide what a name means.

The fetcher calls ``resolve(host)`` exactly once per request hop and connects only to what that call
returned (DNS pinning), so a resolver that answers differently on the next query (DNS rebinding) gains
nothing. ``host`` is always the validated A-label name without a trailing dot; resolvers that talk to DNS
make it absolute themselves so resolv.conf search domains are never appended.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Resolver(Protocol):
    """Anything with ``resolve(host) -> list of IP strings``. Raise or return [] when the name fails."""

    def resolve(self, host: str) -> list[str]: ...


class SystemResolver:
    """The operating system's resolver (getaddrinfo), which honours /etc/hosts.

    getaddrinfo cannot be given a timeout; the host's resolver configuration (``options timeout``)
    bounds it. Use `DnsPythonResolver` where a hard per-query lifetime matters.
    """

    def resolve(self, host: str) -> list[str]:
        infos = socket.getaddrinfo(host + ".", None, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


class StaticResolver:
    """A fixed name -> addresses table, for tests and the offline scenario runner. Unknown names fail."""

    def __init__(self, mapping: Mapping[str, str | Sequence[str]]) -> None:
        self._mapping = {
            name.lower().rstrip("."): [value] if isinstance(value, str) else list(value)
            for name, value in mapping.items()
        }

    def resolve(self, host: str) -> list[str]:
        return list(self._mapping.get(host.lower().rstrip("."), []))


class DnsPythonResolver:
    """A and AAAA lookups through dnspython against configured nameservers (and port, for tests)."""

    def __init__(self, nameservers: Sequence[str] | None = None, port: int = 53, lifetime: float = 5.0) -> None:
        import dns.resolver

        self._resolver = dns.resolver.Resolver(configure=nameservers is None)
        if nameservers is not None:
            self._resolver.nameservers = list(nameservers)
        self._resolver.port = port
        self._resolver.lifetime = lifetime

    def resolve(self, host: str) -> list[str]:
        import dns.exception
        import dns.resolver

        addresses: list[str] = []
        for rdtype in ("A", "AAAA"):
            try:
                answer = self._resolver.resolve(host + ".", rdtype, search=False)
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException:
                if rdtype == "AAAA" and addresses:
                    continue
                raise
            addresses.extend(rr.address for rr in answer)
        return list(dict.fromkeys(addresses))
