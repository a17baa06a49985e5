"""The fetch policy and resolver the settings ask for: one place, used by evidence capture, watch re-fetches
and every webhook, so all of the desk's outbound requests obey the same allow-list, proxy and DNS server."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from abusedesk import __version__
from abusedesk.net.policy import FetchPolicy
from abusedesk.net.resolvers import DnsPythonResolver, Resolver, StaticResolver, SystemResolver

_OVERRIDE: dict[str, Any] = {}


@contextmanager
def override(*, resolver: Resolver | None = None, allow_networks: tuple[str, ...] = ()) -> Iterator[None]:
    """For the offline scenario runner and tests: a resolver and loopback networks for local servers."""
    previous = dict(_OVERRIDE)
    _OVERRIDE.update(resolver=resolver, allow_networks=allow_networks)
    try:
        yield
    finally:
        _OVERRIDE.clear()
        _OVERRIDE.update(previous)


def outbound_resolver() -> Resolver:
    """The override's resolver, else EVIDENCE_STATIC_HOSTS, else EVIDENCE_DNS_SERVER, else the system's."""
    if _OVERRIDE.get("resolver") is not None:
        resolver: Resolver = _OVERRIDE["resolver"]
        return resolver
    if settings.EVIDENCE_STATIC_HOSTS is not None:
        return StaticResolver(settings.EVIDENCE_STATIC_HOSTS)
    if settings.EVIDENCE_DNS_SERVER:
        host, _, port = settings.EVIDENCE_DNS_SERVER.rpartition(":")
        return DnsPythonResolver(nameservers=[host or port], port=int(port) if host else 53)
    return SystemResolver()


def outbound_policy() -> FetchPolicy:
    """Caps, allow-list and proxy from the EVIDENCE_* settings (plus the override's networks)."""
    allow = tuple(_OVERRIDE.get("allow_networks") or ()) + tuple(settings.EVIDENCE_ALLOW_NETWORKS)
    for network in allow:
        ipaddress.ip_network(network, strict=False)  # fail loudly on a typo rather than fetch anything
    return FetchPolicy(
        max_bytes=settings.EVIDENCE_MAX_BYTES,
        deadline_s=settings.EVIDENCE_DEADLINE_SECONDS,
        allow_networks=allow,
        proxy=settings.EVIDENCE_PROXY or None,
        user_agent=f"abusedesk-evidence/{__version__}",
    )
