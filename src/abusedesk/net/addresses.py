"""Which IP addresses the fetcher may connect to.

An explicit deny table, checked in order, then ``ipaddress``'s ``is_global`` as a final net. The table is
the real rule: ``is_global`` has gaps that differ between CPython releases (3.11.7 calls ``192.0.0.8``,
``3fff::1`` and ``::ffff:8.8.8.8`` global), so every range we refuse is named here and tested.

Policy (SECURITY-TESTS 1-4):
- a host is fetched only if **every** address it resolves to is allowed ("one bad apple" rejects the
  whole host, as Sentry's ``safe_create_connection`` does): otherwise an attacker's DNS could mix a
  public address with 10.0.0.5 and win whenever the client falls back to the second address;
- NAT64 (64:ff9b::/96) is allowed only when the IPv4 address it embeds is allowed, because IPv6-only
  networks with DNS64 reach every public site that way;
- IPv4-mapped, IPv4-compatible, 6to4, Teredo and local-use NAT64 are refused outright: no public web
  server needs them and each can smuggle an internal IPv4 address;
- documentation / TEST-NET / benchmarking ranges are refused: they never hold a real public server, so
  an answer in them is a misconfiguration or an attack;
- ``allow_networks`` (operator-supplied, empty by default) is checked first and wins: it exists only so
  tests and the offline scenario runner can reach a server they started on loopback.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from abusedesk.net.errors import FetchBlocked, RefusalReason

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata and host-agent endpoints: checked first so the reason says "metadata". Some sit in
# public space (Azure's wireserver 168.63.129.16) and would pass is_global.
METADATA = (
    "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle IMDS
    "169.254.170.2/32",  # AWS ECS task metadata
    "169.254.169.123/32",  # AWS time sync
    "168.63.129.16/32",  # Azure wireserver / host agent (public address space)
    "100.100.100.200/32",  # Alibaba Cloud metadata
    "fd00:ec2::254/128",  # AWS IMDS over IPv6
    "fd00:ec2::23/128",  # AWS DNS over IPv6
    "fd20:ce::254/128",  # GCP metadata over IPv6
)

# (network, reason) in the order checked; the first match names the reason.
_DENY_TABLE_TEXT: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/32", "unspecified"),
    ("0.0.0.0/8", "this_network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "cgnat"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link_local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "ietf_protocol"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "6to4_relay"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::ffff:0:0/96", "ipv4_mapped"),
    ("::/96", "ipv4_compatible"),
    ("64:ff9b:1::/48", "nat64_local"),
    ("100::/64", "discard"),
    ("2001::/32", "teredo"),
    ("2001::/23", "ietf_protocol"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation"),
    ("2002::/16", "6to4"),
    ("5f00::/16", "srv6"),
    ("fc00::/7", "unique_local"),
    ("fe80::/10", "link_local"),
    ("fec0::/10", "site_local"),
    ("ff00::/8", "multicast"),
)
DENY_TABLE: tuple[tuple[Network, str], ...] = tuple(
    (ipaddress.ip_network(net), reason) for net, reason in _DENY_TABLE_TEXT
)
_METADATA_NETS = tuple(ipaddress.ip_network(n) for n in METADATA)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Parse ``allow_networks`` entries; a malformed entry is a configuration error, raised loudly."""
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def classify(address: IPAddress) -> str | None:
    """Return why ``address`` must not be contacted, or None if it is an ordinary public address."""
    if any(address in net for net in _METADATA_NETS):
        return "metadata"
    if isinstance(address, ipaddress.IPv6Address) and address in _NAT64:
        embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        inner = classify(embedded)
        return f"nat64_{inner}" if inner else None
    for net, reason in DENY_TABLE:
        if address.version == net.version and address in net:
            return reason
    if isinstance(address, ipaddress.IPv6Address) and address not in _GLOBAL_UNICAST_V6:
        return "reserved"
    if not address.is_global:
        return "not_global"
    return None


def check_addresses(answers: Sequence[str], allow: Sequence[Network] = ()) -> list[IPAddress]:
    """Validate every resolved address; raise `FetchBlocked` if any one is forbidden.

    Returns the parsed addresses in resolver order. Addresses with a zone (``fe80::1%eth0``) or that
    do not parse are refused: a resolver has no business returning them.
    """
    if not answers:
        raise FetchBlocked(RefusalReason.DNS_FAILURE, "no addresses")
    parsed = [_parse_answer(a) for a in answers]
    for address in parsed:
        if any(address.version == net.version and address in net for net in allow):
            continue
        reason = classify(address)
        if reason:
            raise FetchBlocked(RefusalReason.BLOCKED_ADDRESS, str(address), range_name=reason)
    return list(dict.fromkeys(parsed))


def _parse_answer(answer: str) -> IPAddress:
    if not isinstance(answer, str) or "%" in answer:
        raise _invalid("resolver returned a scoped or non-text address")
    try:
        return ipaddress.ip_address(answer)
    except ValueError:
        raise _invalid("resolver returned a malformed address") from None


def _invalid(detail: str) -> FetchBlocked:
    return FetchBlocked(RefusalReason.BLOCKED_ADDRESS, detail, range_name="invalid")
