"""RDAP, security.txt and CDN-table parsing: real-shaped samples and a negative case for each way
the input can be wrong. No network."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abusedesk.attribution.lookup import parse_record, parse_security_txt, registrable_domain, shipped_table
from abusedesk.attribution.lookup.bootstrap import services
from abusedesk.attribution.lookup.rdap import Bootstrap, shipped_bootstrap, vcard_contact

from .fixture_servers import vcard

ARIN_STYLE = {
    "objectClassName": "ip network",
    "handle": "NET-104-16-0-0-1",
    "name": "CLOUDFLARENET",
    "entities": [
        {
            "roles": ["registrant"],
            "vcardArray": vcard("Cloudflare, Inc."),
            "entities": [
                {"roles": ["abuse"], "vcardArray": vcard("Abuse", "abuse@cloudflare.com")},
                {"roles": ["technical"], "vcardArray": vcard("NOC", "noc@cloudflare.com")},
            ],
        }
    ],
}

ICANN_DOMAIN = {
    "objectClassName": "domain",
    "ldhName": "EXAMPLE.COM",
    "nameservers": [{"ldhName": "A.IANA-SERVERS.NET"}, {"ldhName": "B.IANA-SERVERS.NET"}],
    "entities": [
        {
            "roles": ["registrar"],
            "vcardArray": vcard("RESERVED-Internet Assigned Numbers Authority"),
            "entities": [
                {
                    "roles": ["abuse"],
                    "vcardArray": [
                        "vcard",
                        [
                            ["version", {}, "text", "4.0"],
                            ["fn", {}, "text", ""],
                            ["tel", {"type": "voice"}, "uri", "tel:+1.3103015800"],
                            ["email", {}, "text", "abuse@registrar.example"],
                        ],
                    ],
                }
            ],
        },
        {"roles": ["registrant"], "vcardArray": vcard("REDACTED FOR PRIVACY")},
    ],
}


def test_ip_network_record() -> None:
    record = parse_record("ip", "104.16.1.1", "https://rdap.arin.net/registry/ip/104.16.1.1", ARIN_STYLE)
    assert (record.name, record.handle, record.owner) == (
        "CLOUDFLARENET",
        "NET-104-16-0-0-1",
        "Cloudflare, Inc.",
    )
    assert record.abuse.emails == ["abuse@cloudflare.com"]


def test_domain_record_registrar_abuse_is_nested() -> None:
    record = parse_record("domain", "example.com", "src", ICANN_DOMAIN)
    assert record.registrar is not None
    assert record.registrar.name == "RESERVED-Internet Assigned Numbers Authority"
    assert record.registrar_abuse is not None
    assert record.registrar_abuse.emails == ["abuse@registrar.example"]
    assert record.registrar_abuse.phones == ["+1.3103015800"]
    assert record.abuse.emails == []
    assert record.nameservers == ["a.iana-servers.net", "b.iana-servers.net"]


@pytest.mark.parametrize(
    "junk",
    [
        {},
        {"entities": "nope"},
        {"entities": [None, 1, "x", {"roles": "abuse"}]},
        {"entities": [{"roles": ["abuse"], "vcardArray": ["vcard", "not a list"]}]},
        {"entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", 5]]]}]},
        {"name": 7, "handle": ["x"], "nameservers": [1, {"ldhName": None}]},
    ],
)
def test_malformed_rdap_never_raises(junk: dict) -> None:
    record = parse_record("ip", "1.2.3.4", "src", junk)
    assert record.abuse.emails == []


def test_deeply_nested_entities_are_bounded() -> None:
    entity: dict = {"roles": ["abuse"], "vcardArray": vcard("deep", "deep@x.test")}
    for _ in range(50):
        entity = {"roles": ["technical"], "entities": [entity]}
    record = parse_record("ip", "1.2.3.4", "src", {"entities": [entity]})
    assert record.abuse.emails == []


def test_vcard_contact_ignores_non_strings() -> None:
    contact = vcard_contact(["vcard", [["fn", {}, "text", None], ["email", {}, "text", "no-at-sign"]]])
    assert (contact.name, contact.emails) == (None, [])


def test_bootstrap_longest_prefix_and_fallback() -> None:
    boot = shipped_bootstrap()
    assert boot.for_ip("104.16.1.1") == "https://rdap.arin.net/registry/"
    assert boot.for_ip("105.1.1.1") == "https://rdap.afrinic.net/rdap/"
    assert boot.for_ip("188.114.96.1") == "https://rdap.db.ripe.net/"
    assert boot.for_ip("2606:4700::1") == "https://rdap.arin.net/registry/"
    assert boot.for_ip("11.0.0.1") == "https://rdap.arin.net/registry/"  # legacy space ARIN administers
    assert boot.for_ip("10.0.0.1") == "https://rdap.org/"  # private: in no registry
    assert boot.for_domain("forum.example.com") == "https://rdap.verisign.com/com/v1/"
    assert boot.for_domain("x.CO.UK.") == "https://rdap.nominet.uk/uk/"
    assert boot.for_domain("site.unknowntld") == "https://rdap.org/"
    assert boot.for_asn(13335) == "https://rdap.arin.net/registry/"
    assert boot.for_asn("AS3333") == "https://rdap.db.ripe.net/"
    assert boot.for_asn(4_200_000_000) == "https://rdap.org/"  # private-use ASN


def test_shipped_bootstrap_is_the_full_iana_registries() -> None:
    boot = shipped_bootstrap()
    assert len(boot.tlds) > 1000
    assert len(boot.networks) > 200
    assert all(boot.publication.values()), boot.publication


def _doc(*services: list) -> dict:
    return {"version": "1.0", "publication": "2026-01-01T00:00:00Z", "services": list(services)}


def test_custom_bootstrap() -> None:
    boot = Bootstrap(
        ipv4=_doc([["10.0.0.0/8"], ["http://a/", "https://a/"]], [["10.1.0.0/16"], ["http://b/"]]),
        dns=_doc([["uk"], ["https://uk/"]], [["co.uk"], ["https://co-uk/"]]),
        asn=_doc([["100-199", "300"], ["https://asn/"]]),
        fallback={"ip": "http://f/", "domain": "http://f/"},
    )
    assert (boot.for_ip("10.1.2.3"), boot.for_ip("10.2.0.1")) == ("http://b/", "https://a/")
    assert (boot.for_domain("a.b.co.uk"), boot.for_domain("b.uk"), boot.for_domain("b.com")) == (
        "https://co-uk/",
        "https://uk/",
        "http://f/",
    )
    assert [boot.for_asn(n) for n in (99, 100, 199, 200, 300)] == ["https://rdap.org/"] + ["https://asn/"] * 2 + [
        "https://rdap.org/",
        "https://asn/",
    ]


@pytest.mark.parametrize(
    ("registry", "doc", "problem"),
    [
        ("ipv4", {"services": "x"}, "no 'services' list"),
        ("ipv4", {"services": [["10.0.0.0/8"]]}, "services[0] is not [entries, urls]"),
        ("ipv4", {"services": [[["10.0.0.0/33"], ["https://a/"]]]}, "services[0] entry '10.0.0.0/33'"),
        ("ipv4", {"services": [[["2001:db8::/32"], ["https://a/"]]]}, "wrong address family"),
        ("ipv4", {"services": [[["10.0.0.0/8"], ["ftp://a/"]]]}, "no http(s) URL"),
        ("asn", {"services": [[["200-100"], ["https://a/"]]]}, "range runs backwards"),
        ("dns", {"services": [[["bad label"], ["https://a/"]]]}, "not a DNS label"),
        ("dns", {"services": []}, "no services"),
    ],
)
def test_bootstrap_documents_are_validated(registry: str, doc: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        services(doc, registry)


SIGNED = """-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

Contact: mailto:security@example.test
Contact: https://example.test/report
Expires: 2020-01-01T00:00:00.000Z
Encryption: https://example.test/pgp.asc
Preferred-Languages: en, es, ar
Canonical: https://example.test/.well-known/security.txt
- -dash-escaped line is not a field
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCAAdFiEE...
-----END PGP SIGNATURE-----
"""


def test_security_txt_signed_and_expired() -> None:
    parsed = parse_security_txt(SIGNED, "https://example.test/.well-known/security.txt")
    assert parsed.signed
    assert parsed.contact == ["mailto:security@example.test", "https://example.test/report"]
    assert parsed.emails == ["security@example.test"]
    assert parsed.urls == ["https://example.test/report"]
    assert parsed.preferred_languages == ["en", "es", "ar"]
    assert parsed.expired is True
    assert "iQIzBAEBCAAdFiEE..." not in str(parsed)


def test_security_txt_problems_are_listed() -> None:
    parsed = parse_security_txt("Policy: https://x.test/p\nnot a field\nExpires: soon\n")
    assert parsed.contact == []
    assert "no Contact field (required)" in parsed.problems
    assert "Expires is not an RFC 3339 date-time" in parsed.problems
    assert any(p.startswith("line 2") for p in parsed.problems)


def test_security_txt_not_expired() -> None:
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    parsed = parse_security_txt("Contact: mailto:a@b.test\nExpires: 2027-01-01T00:00:00Z\n", now=now)
    assert (parsed.expired, parsed.problems) == (False, [])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500))
def test_security_txt_parser_never_raises(text: str) -> None:
    parse_security_txt(text)


def test_cdn_table_ranges() -> None:
    table = shipped_table()
    for ip, name in [
        ("104.16.1.1", "Cloudflare, Inc."),
        ("2606:4700::6810:1", "Cloudflare, Inc."),
        ("151.101.1.69", "Fastly, Inc."),
        ("13.224.1.1", "Amazon CloudFront (Amazon Web Services)"),
        ("2600:9000:2000::1", "Amazon CloudFront (Amazon Web Services)"),
    ]:
        match = table.match_ip(ip)
        assert match is not None, ip
        assert match.provider.name == name
    assert table.match_ip("192.0.2.1") is None
    assert table.match_ip("23.32.1.1") is None  # Akamai publishes no ranges: recognised by headers/CNAME only


def test_cdn_table_headers_cname_and_nameservers() -> None:
    table = shipped_table()
    keys = {m.provider.key for m in table.match_headers({"x-served-by": "cache-lhr7341-LHR", "via": "1.1 varnish"})}
    assert keys == {"fastly"}
    assert table.match_headers({"server": "nginx"}) == []
    cname = table.match_cname(["www.example.com.edgekey.net", "e1.a.akamaiedge.net"])
    assert cname is not None
    assert cname.provider.key == "akamai"
    ns = table.match_nameservers(["ns-12.awsdns-01.com"])
    assert ns is not None
    assert ns.provider.key == "cloudfront"
    assert table.match_nameservers(["ns1.example.net"]) is None


def test_every_shipped_provider_cites_sources() -> None:
    for provider in shipped_table().providers:
        assert provider.sources, provider.key
        assert provider.networks or provider.ranges_note, provider.key
    with_contact = {p.key for p in shipped_table().providers if p.abuse_email or p.abuse_url}
    assert with_contact == {"cloudflare", "fastly", "akamai", "cloudfront"}  # Google's comes from RDAP


@pytest.mark.parametrize(
    ("host", "domain"),
    [("a.b.example.co.uk", "example.co.uk"), ("forum.test", "forum.test"), ("www.forum.test.", "forum.test")],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain
