"""Longest-prefix match over IPv4 and IPv6 networks, for the RDAP bootstrap and the CDN ranges.

Each network is stored under its prefix length as an integer key, so a look-up masks the address once
per distinct prefix length (a few dozen at most) instead of testing every network in turn.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Generic, TypeVar

V = TypeVar("V")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class PrefixTable(Generic[V]):
    """Maps networks to values; `lookup(address)` returns the most specific network holding it."""

    def __init__(self, items: Iterable[tuple[Network, V]] = ()) -> None:
        self._by_length: dict[tuple[int, int], dict[int, tuple[Network, V]]] = {}
        self._lengths: dict[int, list[int]] = {4: [], 6: []}
        for network, value in items:
            self.add(network, value)

    def add(self, network: Network, value: V) -> None:
        """Add one network; the first value given for a network is kept."""
        key = (network.version, network.prefixlen)
        if key not in self._by_length:
            self._by_length[key] = {}
            self._lengths[network.version] = sorted([*self._lengths[network.version], network.prefixlen], reverse=True)
        self._by_length[key].setdefault(int(network.network_address), (network, value))

    def lookup(self, address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> tuple[Network, V] | None:
        ip = ipaddress.ip_address(address)
        bits = ip.max_prefixlen
        for length in self._lengths[ip.version]:
            masked = int(ip) >> (bits - length) << (bits - length)
            hit = self._by_length[(ip.version, length)].get(masked)
            if hit is not None:
                return hit
        return None

    def __len__(self) -> int:
        return sum(len(networks) for networks in self._by_length.values())
