"""`whois(url)`: who serves this URL (CDN, origin host, DNS provider, registrar) and whom to tell.

Facts come from DNS, RDAP, the site's response headers and security.txt, and - for sites we proxy
ourselves - from our own origin configuration (``own_origin``). Every lookup that fails becomes a note;
the answer is as complete as the network allows and never raises for an unreachable service.

Reporting order (``where_to_report``), and why:
1. the origin host, when known: it can remove the content;
2. the CDN / proxy: it cannot remove content it does not host, but can forward to the host or say who
   it is (a CDN-fronted site hides its host, so the CDN is first when the host is unknown);
3. the registrar: can suspend the domain, usually only for serious or illegal abuse;
4. the DNS provider, when it is not already listed as the CDN;
5. the site's own security.txt contact - last, flagged: it reaches the people being reported.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from abusedesk.attribution.lookup.answer import EMAIL_FORMAT, FORM_FORMAT, Party, ReportTo, WhoisAnswer
from abusedesk.attribution.lookup.cdn import CdnTable, Match, generic_proxy_evidence, shipped_table
from abusedesk.attribution.lookup.dnsfacts import DnsFacts, DnsLookup
from abusedesk.attribution.lookup.rdap import RdapClient, RdapError, RdapRecord
from abusedesk.attribution.lookup.securitytxt import SecurityTxt, fetch_security_txt
from abusedesk.net import FetchBlocked, FetchPolicy, Resolver, fetch, parse_url
from abusedesk.net.urls import ParsedUrl

OwnOrigin = Callable[[str], Mapping[str, Any] | None]
PROBE_MAX_BYTES = 256 * 1024


class WhoisInputError(ValueError):
    """The URL cannot be looked up (the reason is the fetcher's machine-readable one)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot look up this URL: {reason}")
        self.reason = reason


def whois(
    url: str,
    *,
    own_origin: OwnOrigin | None = None,
    dns: DnsLookup | None = None,
    dns_server: str | None = None,
    rdap_servers: Mapping[str, str] | None = None,
    allow_networks: Sequence[str] = (),
    cdn_table: CdnTable | None = None,
    probe_site: bool = True,
    check_security_txt: bool = True,
    policy: FetchPolicy | None = None,
) -> WhoisAnswer:
    """Look up ``url``.

    ``own_origin(host)`` returns our origin record for a customer we proxy, or None. Accepted keys:
    ``origin`` or ``ip`` (the real host, an IP or a name), ``name`` or ``provider`` (who runs it),
    ``abuse_email``, ``abuse_url``; anything else (e.g. ``customer``) is ignored and never copied into
    the answer. The answer then names the origin host: pass ``own_origin`` only for internal callers,
    not for a public look-up page.
    """
    try:
        site = parse_url(url)
    except FetchBlocked as exc:
        raise WhoisInputError(exc.reason) from None
    dns = dns or DnsLookup.from_server(dns_server)
    policy = policy or FetchPolicy(allow_networks=tuple(allow_networks), max_bytes=PROBE_MAX_BYTES, deadline_s=15.0)
    ctx = _Context(
        site,
        dns,
        policy,
        RdapClient(servers=rdap_servers, policy=policy, resolver=dns.fetch_resolver()),
        cdn_table or shipped_table(),
    )
    return ctx.run(url, own_origin, probe_site=probe_site, check_security_txt=check_security_txt)


class _Context:
    def __init__(self, site: ParsedUrl, dns: DnsLookup, policy: FetchPolicy, rdap: RdapClient, table: CdnTable) -> None:
        self.site, self.dns, self.policy, self.rdap, self.table = site, dns, policy, rdap, table
        self.resolver: Resolver = dns.fetch_resolver()

    def run(self, url: str, own_origin: OwnOrigin | None, *, probe_site: bool, check_security_txt: bool) -> WhoisAnswer:
        answer = WhoisAnswer(url=url, host=self.site.host_ascii, host_unicode=self.site.host_unicode)
        facts = self._dns_facts(answer)
        headers = self._probe(answer) if probe_site else {}
        answer.cdn = self._cdn(facts, headers)
        self._network_owner(answer, facts)
        if own_origin is not None:
            self._own_origin(answer, own_origin)
        answer.dns_provider = self._dns_provider(facts)
        answer.registrar = self._registrar(answer)
        if check_security_txt:
            self._security_txt(answer)
        answer.where_to_report = where_to_report(answer)
        return answer

    def _dns_facts(self, answer: WhoisAnswer) -> DnsFacts:
        if self.site.ip is not None:
            facts = DnsFacts(self.site.host_ascii, addresses=[str(self.site.ip)])
        else:
            facts = self.dns.facts(self.site.host_ascii)
        answer.addresses, answer.cname_chain = facts.addresses, facts.cname_chain
        answer.nameservers = facts.nameservers
        answer.notes += facts.errors
        if not facts.addresses:
            answer.notes.append(self._no_addresses(facts))
        return facts

    def _no_addresses(self, facts: DnsFacts) -> str:
        """An empty answer is a fact about the host; a lookup that failed (offline, no resolver) is not."""
        host = self.site.host_ascii
        if any(e.startswith(("DNS A ", "DNS AAAA ")) for e in facts.errors):
            return f"DNS lookup failed for {host}: its addresses are unknown (offline, or no DNS server answered)"
        return f"{host} has no A/AAAA records"

    def _probe(self, answer: WhoisAnswer) -> dict[str, str]:
        """Response headers of the page itself (through the safe fetcher), for proxy signatures."""
        result = fetch(self.site.canonical, policy=self.policy, resolver=self.resolver)
        if result.status is None:
            answer.notes.append(f"could not fetch the page: {result.reason}")
        return result.headers

    def _cdn(self, facts: DnsFacts, headers: Mapping[str, str]) -> Party | None:
        matches: list[Match] = [m for m in (self.table.match_ip(a) for a in facts.addresses) if m]
        cname = self.table.match_cname(facts.cname_chain)
        matches += [cname] if cname else []
        matches += self.table.match_headers(headers)
        if not matches:
            generic = generic_proxy_evidence(headers)
            return Party("unidentified proxy or cache", evidence=generic) if generic else None
        best = max(
            {m.provider.key for m in matches},
            key=lambda key: sum(len(m.evidence) for m in matches if m.provider.key == key),
        )
        provider = next(m.provider for m in matches if m.provider.key == best)
        evidence = [e for m in matches if m.provider.key == best for e in m.evidence]
        return Party(provider.name, provider.abuse_email, provider.abuse_url, evidence)

    def _network_owner(self, answer: WhoisAnswer, facts: DnsFacts) -> None:
        """RDAP for the first address: the CDN's network when proxied, otherwise the hosting network."""
        if not facts.addresses:
            return
        record = self._rdap_ip(answer, facts.addresses[0])
        if record is None:
            return
        evidence = f"RDAP {record.source}: network {record.name or '?'} ({record.handle or '?'})"
        if answer.cdn is not None:
            answer.cdn.evidence.append(evidence)
            answer.cdn.abuse_email = _first(record.abuse.emails) or answer.cdn.abuse_email
            answer.notes.append(f"the origin host is hidden behind {answer.cdn.name}")
            return
        answer.origin_host = Party(
            record.owner or record.name or record.handle or "unknown network",
            _first(record.abuse.emails),
            None,
            [f"{facts.host} resolves to {facts.addresses[0]}", evidence],
        )

    def _own_origin(self, answer: WhoisAnswer, own_origin: OwnOrigin) -> None:
        """For our own proxied customers the configured origin names the real host."""
        try:
            record = own_origin(self.site.host_ascii)
        except Exception as exc:  # the hook is the caller's code (a DB query); its failure is a note
            answer.notes.append(f"own_origin lookup failed: {type(exc).__name__}")
            return
        if not record:
            return
        origin = str(record.get("origin") or record.get("ip") or "")
        name = record.get("name") or record.get("provider")
        party = Party(
            str(name or origin or "our customer's origin"),
            record.get("abuse_email") or None,
            record.get("abuse_url") or None,
            [f"origin configured for {self.site.host_ascii} in our records: {origin}"],
        )
        if _is_ip(origin):
            rdap = self._rdap_ip(answer, origin)
            if rdap is not None:
                party.name = str(name or rdap.owner or rdap.name or origin)
                party.abuse_email = party.abuse_email or _first(rdap.abuse.emails)
                party.evidence.append(f"RDAP {rdap.source}: network {rdap.name or '?'}")
        answer.origin_host = party
        answer.notes = [n for n in answer.notes if not n.startswith("the origin host is hidden")]

    def _dns_provider(self, facts: DnsFacts) -> Party | None:
        if not facts.nameservers:
            return None
        match = self.table.match_nameservers(facts.nameservers)
        evidence = [f"zone {facts.zone} served by {', '.join(facts.nameservers)}"]
        if match is not None:
            p = match.provider
            return Party(p.name, p.abuse_email, p.abuse_url, evidence + match.evidence)
        return Party(registrable_domain(facts.nameservers[0]), evidence=evidence)

    def _registrar(self, answer: WhoisAnswer) -> Party | None:
        if self.site.ip is not None:
            return None
        domain = registrable_domain(self.site.host_ascii)
        try:
            record = self.rdap.domain(domain)
        except RdapError as exc:
            answer.notes.append(str(exc))
            return None
        if not answer.nameservers and record.nameservers:
            answer.nameservers = record.nameservers
        if record.registrar is None:
            answer.notes.append(f"RDAP for {domain} names no registrar")
            return None
        abuse = record.registrar_abuse.emails if record.registrar_abuse else []
        return Party(
            record.registrar.name or "unnamed registrar",
            _first(abuse),
            None,
            [f"RDAP {record.source}: registrar of {domain}"],
        )

    def _security_txt(self, answer: WhoisAnswer) -> None:
        found: SecurityTxt | None = fetch_security_txt(self.site, resolver=self.resolver, policy=self.policy)
        if found is None:
            return
        answer.security_txt = dict(vars(found).items())
        evidence = [f"security.txt at {found.source}"]
        if found.expired:
            evidence.append("security.txt has expired")
        if found.insecure_transport:
            evidence.append("security.txt served over plain HTTP (RFC 9116 requires HTTPS)")
        # RFC 9116 lists contacts in order of preference: keep only the channel listed first.
        first_is_email = found.contact[0].lower().startswith("mailto:")
        answer.site_contact = Party(
            self.site.host_unicode,
            _first(found.emails) if first_is_email else None,
            None if first_is_email else _first(found.urls),
            evidence,
        )

    def _rdap_ip(self, answer: WhoisAnswer, address: str) -> RdapRecord | None:
        try:
            return self.rdap.ip(address)
        except RdapError as exc:
            answer.notes.append(str(exc))
            return None


def where_to_report(answer: WhoisAnswer) -> list[ReportTo]:
    """Order the contacts as the module docstring explains; parties without a contact are skipped."""
    plan: list[tuple[str, Party | None, str]] = [
        ("origin_host", answer.origin_host, "hosts the content and can remove it"),
        ("cdn", answer.cdn, "proxies the site; can forward your report to the host or tell you who it is"),
        ("registrar", answer.registrar, "can suspend the domain name (usually for serious or illegal abuse)"),
        ("dns_provider", answer.dns_provider, "answers DNS for the domain; can stop resolving it"),
        (
            "site_contact",
            answer.site_contact,
            "the site's own contact (security.txt): your report reaches the people you are reporting",
        ),
    ]
    if answer.origin_host is None and answer.cdn is not None:
        plan.insert(0, plan.pop(1))
    seen: set[str] = set()
    targets = []
    for role, party, why in plan:
        target = _target(role, party, why)
        if target is not None and (role != "dns_provider" or target.contact not in seen):
            targets.append(target)
            seen.add(target.contact)
    return targets


def _target(role: str, party: Party | None, why: str) -> ReportTo | None:
    if party is None:
        return None
    if party.abuse_url:
        return ReportTo(role, party.name, party.abuse_url, FORM_FORMAT, why)
    if party.abuse_email:
        return ReportTo(role, party.name, party.abuse_email, EMAIL_FORMAT, why)
    return None


def registrable_domain(host: str) -> str:
    """The domain a registrar sells (public suffix list via `tld`); last two labels if unknown."""
    host = host.rstrip(".").lower()
    try:
        from tld import get_fld

        fld = get_fld(host, fix_protocol=True, fail_silently=True)
    except Exception:  # tld missing or its data unreadable: fall back to the naive rule
        fld = None
    return str(fld) if fld else ".".join(host.split(".")[-2:])


def _first(values: Sequence[str]) -> str | None:
    return values[0] if values else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
