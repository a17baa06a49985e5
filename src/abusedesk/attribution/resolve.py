"""URL -> property -> customer and services.

Matching order for a host name: an exact `hostname` property, then the longest `domain` property that
equals the host or is a parent of it. IP literals match the narrowest `ip_range` that contains them.
"""

from __future__ import annotations

import builtins
import ipaddress
from dataclasses import dataclass, field

from abusedesk.attribution.models import Customer, Property, PropertyKind, Service
from abusedesk.normalise.urls import host_candidates


@dataclass
class Match:
    url: str
    property: Property
    customer: Customer
    services: list[Service]

    @builtins.property  # the field above shadows the builtin inside this class body
    def hosts_content(self) -> bool:
        return any(s.hosts_content for s in self.services)

    @builtins.property
    def service_kinds(self) -> list[str]:
        return sorted(s.kind for s in self.services)


@dataclass
class Attribution:
    matches: list[Match] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    @property
    def ours(self) -> bool:
        return bool(self.matches)


def match_host(host: str, ip: str | None = None) -> Property | None:
    """An IP literal host matches IP ranges even when the caller did not say it is one: never as a name."""
    if ip:
        return match_ip(ip)
    try:
        return match_ip(str(ipaddress.ip_address(host.strip("[]"))))
    except ValueError:
        pass
    candidates = host_candidates(host)
    props = list(
        Property.objects.select_related("customer").filter(
            kind__in=[PropertyKind.DOMAIN, PropertyKind.HOSTNAME], value__in=candidates
        )
    )
    exact = [p for p in props if p.kind == PropertyKind.HOSTNAME and p.value == host]
    if exact:
        return exact[0]
    domains = [p for p in props if p.kind == PropertyKind.DOMAIN]
    return max(domains, key=lambda p: len(p.value)) if domains else None


def match_ip(ip: str) -> Property | None:
    address = ipaddress.ip_address(ip)
    value = int(address)
    props = Property.objects.select_related("customer").filter(
        kind=PropertyKind.IP_RANGE, ip_version=address.version, ip_start__lte=value, ip_end__gte=value
    )
    return min(props, key=lambda p: int(p.ip_end or 0) - int(p.ip_start or 0), default=None)


def attribute(urls: list[dict[str, str | None]]) -> Attribution:
    result = Attribution()
    for entry in urls:
        prop = match_host(str(entry["host"]), entry.get("ip"))
        if prop is None:
            result.unmatched.append(str(entry["url"]))
            continue
        services = list(prop.services.filter(active=True))
        result.matches.append(Match(url=str(entry["url"]), property=prop, customer=prop.customer, services=services))
    return result


def origin_for_host(host: str) -> dict[str, str] | None:
    """For whois: if we proxy this host, the configured origin (the real host)."""
    prop = match_host(host)
    if prop is None:
        return None
    proxy = prop.services.filter(kind="proxy").exclude(origin_ip=None).first()
    if proxy is None:
        return None
    return {
        "ip": str(proxy.origin_ip),
        "provider": proxy.origin_provider,
        "abuse_email": proxy.origin_abuse_email,
        "customer": prop.customer.name,
    }
