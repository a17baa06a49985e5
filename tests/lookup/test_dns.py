"""DNS look-ups and the dnspython resolver against the loopback DNS fixture (UDP and TCP)."""

from __future__ import annotations

import dns.message
import dns.query
import pytest

from abusedesk.attribution.lookup import DnsLookup
from abusedesk.net import DnsPythonResolver, FetchPolicy, blocked_address, fetch

from .conftest import ALLOW, Net


def test_facts_for_a_host(net: Net) -> None:
    facts = DnsLookup.from_server(net.dns.address).facts("forum.test")
    assert facts.addresses == ["127.0.0.2"]
    assert (facts.zone, facts.nameservers) == ("forum.test", ["ns1.dnshost.test", "ns2.dnshost.test"])
    assert facts.errors == []


def test_zone_found_by_walking_up(net: Net) -> None:
    facts = DnsLookup.from_server(net.dns.address).facts("www.forum.test")
    assert facts.cname_chain == ["forum.test"]
    assert facts.zone == "forum.test"


def test_nxdomain_is_empty_not_an_error(net: Net) -> None:
    facts = DnsLookup.from_server(net.dns.address).facts("nothing.test")
    assert (facts.addresses, facts.nameservers, facts.errors) == ([], [], [])


def test_dead_server_is_an_error_note() -> None:
    lookup = DnsLookup(["127.0.0.1"], port=9, lifetime=0.2)
    facts = lookup.facts("forum.test")
    assert facts.addresses == []
    assert any(e.startswith("DNS A forum.test") for e in facts.errors)


def test_fixture_answers_over_tcp_too(net: Net) -> None:
    query = dns.message.make_query("forum.test.", "A")
    response = dns.query.tcp(query, net.dns.host, port=net.dns.port, timeout=2)
    assert [rr.address for rr in response.answer[0]] == ["127.0.0.2"]


@pytest.mark.parametrize(
    ("address", "port"),
    [("127.0.0.1:5353", ("127.0.0.1", 5353)), ("[::1]:53", ("::1", 53)), ("9.9.9.9", ("9.9.9.9", 53))],
)
def test_dns_server_option_parsing(address: str, port: tuple[str, int]) -> None:
    lookup = DnsLookup.from_server(address)
    assert (lookup.nameservers, lookup.port) == ([port[0]], port[1])


def test_fetch_through_dnspython_resolver(net: Net) -> None:
    resolver = DnsPythonResolver([net.dns.host], port=net.dns.port)
    result = fetch(
        net.forum.url("/thread/1", "forum.test"), policy=FetchPolicy(allow_networks=ALLOW), resolver=resolver
    )
    assert result.ok, result.reason
    assert result.resolved_ip == "127.0.0.2"
    assert result.body == b"<p>thread</p>"


def test_dns_answer_with_a_private_address_rejects_the_host(net: Net) -> None:
    """SECURITY-TESTS 4 over real DNS: mixed.test has A 127.0.0.2 and A 10.0.0.5."""
    resolver = DnsPythonResolver([net.dns.host], port=net.dns.port)
    before = len(net.forum.requests)
    result = fetch(
        f"http://mixed.test:{net.forum.port}/thread/1",
        policy=FetchPolicy(allow_networks=ALLOW),
        resolver=resolver,
    )
    assert result.reason == blocked_address("private")
    assert len(net.forum.requests) == before


def test_dns_answer_pointing_at_loopback_blocked(net: Net) -> None:
    resolver = DnsPythonResolver([net.dns.host], port=net.dns.port)
    result = fetch("http://rebind.test/", resolver=resolver)
    assert result.reason == blocked_address("loopback")


def test_dnspython_resolver_never_uses_search_domains(net: Net) -> None:
    resolver = DnsPythonResolver([net.dns.host], port=net.dns.port)
    assert resolver.resolve("forum.test") == ["127.0.0.2"]
    assert ("forum.test", "A") in net.dns.resolver.queries
    assert all(not q.startswith("forum.test.") for q, _ in net.dns.resolver.queries)
