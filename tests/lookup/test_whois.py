"""`whois()` end to end against the loopback DNS, RDAP and web fixtures (see conftest.py)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from abusedesk.attribution.lookup import WhoisInputError, whois

from .conftest import ALLOW, Net


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every (address, port) any socket connects to during the test (DNS over TCP included)."""
    seen: list[tuple[str, int]] = []
    original = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        if isinstance(address, tuple):
            seen.append((str(address[0]), int(address[1])))
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield seen
    assert all(host.startswith("127.") for host, _ in seen), f"left loopback: {seen}"


def _whois(net: Net, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return whois(url, dns_server=net.dns.address, rdap_servers=net.rdap_servers, allow_networks=ALLOW, **kwargs)  # type: ignore[arg-type]


def test_directly_hosted_site(net: Net, connects: list[tuple[str, int]]) -> None:
    answer = _whois(net, net.forum.url("/thread/1", "forum.test"))
    assert answer.addresses == ["127.0.0.2"]
    assert answer.cdn is None
    assert answer.origin_host is not None
    assert (answer.origin_host.name, answer.origin_host.abuse_email) == (
        "Example Hosting Ltd",
        "abuse@hosting.test",
    )
    assert answer.registrar is not None
    assert (answer.registrar.name, answer.registrar.abuse_email) == (
        "Example Registrar, Inc.",
        "abuse@registrar.test",
    )
    assert answer.nameservers == ["ns1.dnshost.test", "ns2.dnshost.test"]
    assert answer.dns_provider is not None
    assert answer.dns_provider.name == "dnshost.test"
    assert answer.site_contact is not None
    assert answer.site_contact.abuse_email == "security@forum.test"
    assert answer.security_txt is not None
    assert answer.security_txt["expired"] is False
    roles = [t.role for t in answer.where_to_report]
    assert roles == ["origin_host", "registrar", "site_contact"]
    assert answer.where_to_report[0].contact == "abuse@hosting.test"
    assert "X-ARF" in answer.where_to_report[0].format


def test_cname_chain_recorded(net: Net, connects: list[tuple[str, int]]) -> None:
    answer = _whois(net, net.forum.url("/thread/1", "www.forum.test"), check_security_txt=False)
    assert answer.cname_chain == ["forum.test"]
    assert answer.addresses == ["127.0.0.2"]
    assert answer.origin_host is not None
    assert answer.origin_host.name == "Example Hosting Ltd"


def test_cdn_proxied_site_without_our_records(net: Net, connects: list[tuple[str, int]]) -> None:
    answer = _whois(net, net.proxied.url("/t/1", "proxied.test"), check_security_txt=False)
    assert answer.cdn is not None
    assert answer.cdn.name == "Cloudflare, Inc."
    assert any("cf-ray" in e for e in answer.cdn.evidence)
    assert any("RDAP" in e for e in answer.cdn.evidence)
    assert answer.origin_host is None
    assert "the origin host is hidden behind Cloudflare, Inc." in answer.notes
    assert answer.dns_provider is not None
    assert answer.dns_provider.name == "Cloudflare, Inc."
    first = answer.where_to_report[0]
    assert (first.role, first.contact) == ("cdn", "https://abuse.cloudflare.com/")
    assert [t.role for t in answer.where_to_report] == ["cdn", "registrar"]  # DNS provider == CDN contact


def test_own_customer_origin_names_the_real_host(net: Net, connects: list[tuple[str, int]]) -> None:
    asked: list[str] = []

    def own_origin(host: str) -> dict[str, str] | None:
        asked.append(host)
        return {"origin": "127.0.0.2", "customer": "cust-42"} if host == "proxied.test" else None

    answer = _whois(net, net.proxied.url("/t/1", "proxied.test"), own_origin=own_origin, check_security_txt=False)
    assert asked == ["proxied.test"]
    assert answer.origin_host is not None
    assert (answer.origin_host.name, answer.origin_host.abuse_email) == (
        "Example Hosting Ltd",
        "abuse@hosting.test",
    )
    assert any("in our records" in e for e in answer.origin_host.evidence)
    assert [t.role for t in answer.where_to_report][:2] == ["origin_host", "cdn"]
    assert not any("hidden" in n for n in answer.notes)


def test_own_origin_record_in_the_attribution_shape(net: Net) -> None:
    """The shape `abusedesk.attribution.resolve.origin_for_host` returns: ip/provider/abuse_email/customer."""

    def own_origin(host: str) -> dict[str, str]:
        return {"ip": "127.0.0.2", "provider": "Origin Co", "abuse_email": "", "customer": "Secret Customer"}

    answer = _whois(net, net.proxied.url("/t/1", "proxied.test"), own_origin=own_origin, check_security_txt=False)
    assert answer.origin_host is not None
    assert (answer.origin_host.name, answer.origin_host.abuse_email) == ("Origin Co", "abuse@hosting.test")
    assert "Secret Customer" not in answer.to_json()


def test_own_origin_hook_failure_is_a_note(net: Net) -> None:
    def broken(host: str) -> dict[str, str]:
        raise RuntimeError("database down")

    answer = _whois(net, net.proxied.url("/t/1", "proxied.test"), own_origin=broken, check_security_txt=False)
    assert "own_origin lookup failed: RuntimeError" in answer.notes
    assert answer.cdn is not None


def test_real_cdn_range_detected_without_contacting_it(net: Net, connects: list[tuple[str, int]]) -> None:
    answer = _whois(net, "https://cf.test/page", probe_site=False, check_security_txt=False)
    assert answer.addresses == ["104.16.1.1"]
    assert answer.cdn is not None
    assert answer.cdn.name == "Cloudflare, Inc."
    assert "104.16.1.1 is in Cloudflare, Inc.'s published range 104.16.0.0/13" in answer.cdn.evidence
    assert "104.16.1.1" not in {host for host, _ in connects}


def test_blocked_site_is_a_note_not_a_crash(net: Net, connects: list[tuple[str, int]]) -> None:
    answer = _whois(net, "http://rebind.test/")
    assert "could not fetch the page: blocked_address:loopback" in answer.notes
    assert ("127.0.0.1", 80) not in connects


def test_unreachable_rdap_is_a_note(net: Net, connects: list[tuple[str, int]]) -> None:
    answer = whois(
        net.forum.url("/thread/1", "forum.test"),
        dns_server=net.dns.address,
        rdap_servers={"ip": "http://127.0.0.2:9/", "domain": "http://127.0.0.2:9/"},
        allow_networks=ALLOW,
        check_security_txt=False,
    )
    assert answer.origin_host is None
    assert any(n.startswith("RDAP ip 127.0.0.2 at http://127.0.0.2:9/ip/127.0.0.2") for n in answer.notes)


def test_nxdomain(net: Net) -> None:
    answer = _whois(net, "http://nothing-here.test/", check_security_txt=False)
    assert answer.addresses == []
    assert "nothing-here.test has no A/AAAA records" in answer.notes


def test_offline_says_the_dns_lookup_failed_not_that_there_are_no_records() -> None:
    from abusedesk.attribution.lookup.dnsfacts import DnsLookup

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as closed:  # a DNS server that never answers
        closed.bind(("127.0.0.1", 0))
        dns = DnsLookup(["127.0.0.1"], port=closed.getsockname()[1], lifetime=0.5)
        answer = whois("http://forum.test/", dns=dns, probe_site=False, check_security_txt=False,
                       rdap_servers={}, allow_networks=ALLOW)
    assert answer.addresses == []
    assert "DNS lookup failed for forum.test: its addresses are unknown (offline, or no DNS server answered)" in (
        answer.notes)
    assert not any("has no A/AAAA records" in n for n in answer.notes)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://u:p@forum.test/", "javascript:x"])
def test_bad_url_raises_input_error(url: str) -> None:
    with pytest.raises(WhoisInputError):
        whois(url)


def test_json_form(net: Net) -> None:
    answer = _whois(net, net.forum.url("/thread/1", "forum.test"))
    data = json.loads(answer.to_json())
    assert set(data) >= {"cdn", "origin_host", "dns_provider", "registrar", "where_to_report"}
    assert data["origin_host"]["abuse_email"] == "abuse@hosting.test"
    assert set(data["origin_host"]) == {"name", "abuse_email", "abuse_url", "evidence"}
    assert data["where_to_report"][0]["contact"] == "abuse@hosting.test"
    text = answer.to_text()
    assert "Where to report:" in text
    assert "abuse@hosting.test" in text
