"""RDAP (RFC 9083) for an IP network or a domain: who owns it and where its abuse desk is.

Server selection follows the IANA bootstrap registries (RFC 9224): the full registries ship in
``data/rdap/`` and `abusedesk attribution refresh` updates them (`bootstrap`); ``servers`` overrides them
(tests point it at a loopback fixture server). Every request goes through the SSRF-safe fetcher: an
RDAP answer can redirect, and a redirect is untrusted input like any other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from abusedesk.attribution.lookup.bootstrap import Bootstrap, shipped_bootstrap
from abusedesk.net import FetchPolicy, Resolver, fetch

__all__ = ["Bootstrap", "RdapClient", "RdapContact", "RdapError", "RdapRecord", "parse_record", "shipped_bootstrap"]

MAX_RDAP_BYTES = 2 * 1024 * 1024
MAX_ENTITY_DEPTH = 6


@dataclass
class RdapContact:
    name: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


@dataclass
class RdapRecord:
    """The parts of an RDAP answer the abuse desk uses. ``source`` is the URL that answered."""

    kind: str
    query: str
    source: str
    name: str | None = None
    handle: str | None = None
    owner: str | None = None
    abuse: RdapContact = field(default_factory=RdapContact)
    registrar: RdapContact | None = None
    registrar_abuse: RdapContact | None = None
    nameservers: list[str] = field(default_factory=list)


class RdapClient:
    """Looks up IPs, domains and AS numbers. ``servers={"ip": url, "domain": url, "autnum": url}``
    overrides the bootstrap."""

    def __init__(
        self,
        *,
        servers: Mapping[str, str] | None = None,
        policy: FetchPolicy | None = None,
        resolver: Resolver | None = None,
        bootstrap: Bootstrap | None = None,
    ) -> None:
        self.servers = dict(servers or {})
        self.policy = policy or FetchPolicy(max_bytes=MAX_RDAP_BYTES, deadline_s=15.0)
        self.resolver = resolver
        self.bootstrap = bootstrap or shipped_bootstrap()

    def ip(self, address: str) -> RdapRecord:
        base = self.servers.get("ip") or self.bootstrap.for_ip(address)
        return self._lookup("ip", address, base)

    def domain(self, name: str) -> RdapRecord:
        base = self.servers.get("domain") or self.bootstrap.for_domain(name)
        return self._lookup("domain", name, base)

    def autnum(self, number: int | str) -> RdapRecord:
        query = str(number).upper().removeprefix("AS")
        base = self.servers.get("autnum") or self.bootstrap.for_asn(query)
        return self._lookup("autnum", query, base)

    def _lookup(self, kind: str, query: str, base: str) -> RdapRecord:
        url = f"{base.rstrip('/')}/{kind}/{query}"
        result = fetch(url, policy=self.policy, resolver=self.resolver)
        if not result.ok or result.status != 200:
            raise RdapError(f"RDAP {kind} {query} at {url}: {result.reason or f'HTTP {result.status}'}")
        try:
            data = json.loads(result.body)
        except (ValueError, RecursionError):
            raise RdapError(f"RDAP {kind} {query} at {url}: not JSON") from None
        if not isinstance(data, dict):
            raise RdapError(f"RDAP {kind} {query} at {url}: not a JSON object")
        return parse_record(kind, query, result.final_url or url, data)


class RdapError(Exception):
    """An RDAP lookup that gave no usable answer; the message names the query and the reason."""


def parse_record(kind: str, query: str, source: str, data: Mapping[str, Any]) -> RdapRecord:
    """Turn one RDAP object (ip network or domain) into an `RdapRecord`. Tolerates missing parts."""
    record = RdapRecord(
        kind,
        query,
        source,
        name=_text(data.get("name") or data.get("ldhName")),
        handle=_text(data.get("handle")),
    )
    for roles, contact, parents in _entities(data.get("entities")):
        if "registrar" in roles and record.registrar is None:
            record.registrar = contact
        if "abuse" in roles and "registrar" in parents:  # ICANN profile: registrar abuse is nested
            record.registrar_abuse = record.registrar_abuse or RdapContact()
            _merge(record.registrar_abuse, contact)
        elif "abuse" in roles:
            _merge(record.abuse, contact)
        if "registrant" in roles and record.owner is None:
            record.owner = contact.name
    record.nameservers = [
        str(ns.get("ldhName", "")).lower() for ns in _list(data.get("nameservers")) if isinstance(ns, dict)
    ]
    return record


def _entities(
    raw: Any, parents: frozenset[str] = frozenset(), depth: int = 0
) -> Iterator[tuple[set[str], RdapContact, frozenset[str]]]:
    """Every entity, depth-first, with its roles and the roles of the entities above it."""
    if depth > MAX_ENTITY_DEPTH:
        return
    for entity in _list(raw):
        if not isinstance(entity, dict):
            continue
        roles = {str(r).lower() for r in _list(entity.get("roles"))}
        yield roles, vcard_contact(entity.get("vcardArray")), parents
        yield from _entities(entity.get("entities"), parents | roles, depth + 1)


def vcard_contact(vcard: Any) -> RdapContact:
    """jCard (RFC 7095): ``["vcard", [[name, params, type, value], ...]]`` -> fn, emails, phones."""
    contact = RdapContact()
    props = vcard[1] if isinstance(vcard, list) and len(vcard) > 1 and isinstance(vcard[1], list) else []
    for prop in props:
        if not isinstance(prop, list) or len(prop) < 4:
            continue
        key, value = str(prop[0]).lower(), prop[3]
        if key == "fn" and isinstance(value, str) and value.strip():
            contact.name = value.strip()
        elif key == "email" and isinstance(value, str) and "@" in value:
            contact.emails.append(value.strip())
        elif key == "tel" and isinstance(value, str):
            contact.phones.append(value.removeprefix("tel:").strip())
    return contact


def _merge(into: RdapContact, other: RdapContact) -> None:
    into.name = into.name or other.name
    into.emails += [e for e in other.emails if e not in into.emails]
    into.phones += [p for p in other.phones if p not in into.phones]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
