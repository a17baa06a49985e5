"""A small offline internet on loopback: DNS, RDAP, an origin-hosted forum and a CDN-proxied site.

- forum.test      A 127.0.0.2, NS ns1/ns2.dnshost.test; served directly by "Example Hosting Ltd"
                  (RDAP for 127.0.0.2), publishes security.txt
- www.forum.test  CNAME forum.test
- proxied.test    A 127.0.0.3, NS *.ns.cloudflare.com; answers with Cloudflare headers; RDAP for
                  127.0.0.3 says Cloudflare; its real origin (127.0.0.2) is only in our own records
- cf.test         A 104.16.1.1 (a real Cloudflare range) - never contacted, only looked up
Nothing outside 127.0.0.0/8 is ever contacted; `tests/lookup/test_whois.py` asserts it with a spy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .fixture_servers import FixtureDns, FixtureHttp, Route, rdap_json, vcard

ALLOW = ("127.0.0.2/32", "127.0.0.3/32")

SECURITY_TXT = b"""# security.txt for forum.test
Contact: mailto:security@forum.test
Contact: https://forum.test/contact
Expires: 2030-01-01T00:00:00Z
Policy: https://forum.test/policy
Preferred-Languages: en, es
"""

RDAP_IP = {
    "127.0.0.2": {
        "objectClassName": "ip network",
        "handle": "NET-EXAMPLE-1",
        "name": "EXAMPLE-HOSTING-NET",
        "entities": [
            {
                "objectClassName": "entity",
                "roles": ["registrant"],
                "vcardArray": vcard("Example Hosting Ltd"),
                "entities": [
                    {
                        "objectClassName": "entity",
                        "roles": ["abuse"],
                        "vcardArray": vcard("Abuse desk", "abuse@hosting.test"),
                    }
                ],
            },
        ],
    },
    "127.0.0.3": {
        "objectClassName": "ip network",
        "handle": "NET-CF-1",
        "name": "CLOUDFLARENET",
        "entities": [
            {"roles": ["registrant"], "vcardArray": vcard("Cloudflare, Inc.")},
            {"roles": ["abuse"], "vcardArray": vcard("Abuse", "abuse@cloudflare.com")},
        ],
    },
    "104.16.1.1": {
        "objectClassName": "ip network",
        "handle": "NET-104-16-0-0-1",
        "name": "CLOUDFLARENET",
        "entities": [{"roles": ["abuse"], "vcardArray": vcard("Abuse", "abuse@cloudflare.com")}],
    },
}


def _domain(name: str, registrar: str, abuse: str) -> dict:
    return {
        "objectClassName": "domain",
        "ldhName": name,
        "nameservers": [{"ldhName": f"ns1.{name}"}],
        "entities": [
            {
                "roles": ["registrar"],
                "vcardArray": vcard(registrar),
                "entities": [{"roles": ["abuse"], "vcardArray": vcard("Abuse", abuse)}],
            }
        ],
    }


RDAP_DOMAIN = {
    "forum.test": _domain("forum.test", "Example Registrar, Inc.", "abuse@registrar.test"),
    "proxied.test": _domain("proxied.test", "Other Registrar SL", "abuse@other-registrar.test"),
    "cf.test": _domain("cf.test", "Example Registrar, Inc.", "abuse@registrar.test"),
}


@dataclass
class Net:
    dns: FixtureDns
    rdap: FixtureHttp
    forum: FixtureHttp
    proxied: FixtureHttp

    @property
    def rdap_servers(self) -> dict[str, str]:
        return {"ip": self.rdap.url("/"), "domain": self.rdap.url("/")}


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Overrides the root conftest's Django cache reset: these tests never touch Django."""


@pytest.fixture(autouse=True)
def attribution_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty attribution data directory: look-ups read the shipped snapshot, never a refreshed copy
    left in a developer's data directory."""
    path = tmp_path_factory.mktemp("attribution")
    monkeypatch.setenv("ABUSEDESK_ATTRIBUTION_DATA_DIR", str(path))
    return path


@pytest.fixture(scope="module")
def net() -> Iterator[Net]:
    rdap_routes = {f"/ip/{ip}": rdap_json(d) for ip, d in RDAP_IP.items()}
    rdap_routes |= {f"/domain/{name}": rdap_json(d) for name, d in RDAP_DOMAIN.items()}
    rdap = FixtureHttp(rdap_routes)
    forum = FixtureHttp(
        {
            "/thread/1": Route(200, b"<p>thread</p>", {"Content-Type": "text/html"}),
            "/.well-known/security.txt": Route(200, SECURITY_TXT, {"Content-Type": "text/plain; charset=utf-8"}),
        },
        headers={"Server": "nginx"},
    )
    proxied = FixtureHttp(
        {"/t/1": Route(200, b"<p>proxied</p>", {"Content-Type": "text/html"})},
        host="127.0.0.3",
        headers={"Server": "cloudflare", "CF-RAY": "8f1e2d3c4b5a6978-LHR", "CF-Cache-Status": "DYNAMIC"},
    )
    dns = FixtureDns(
        [
            "forum.test. 300 IN A 127.0.0.2",
            "forum.test. 300 IN NS ns1.dnshost.test.",
            "forum.test. 300 IN NS ns2.dnshost.test.",
            "www.forum.test. 300 IN CNAME forum.test.",
            "proxied.test. 300 IN A 127.0.0.3",
            "proxied.test. 300 IN NS ada.ns.cloudflare.com.",
            "proxied.test. 300 IN NS bob.ns.cloudflare.com.",
            "cf.test. 300 IN A 104.16.1.1",
            "cf.test. 300 IN NS ada.ns.cloudflare.com.",
            "rebind.test. 300 IN A 127.0.0.1",
            "mixed.test. 300 IN A 127.0.0.2",
            "mixed.test. 300 IN A 10.0.0.5",
        ]
    )
    yield Net(dns, rdap, forum, proxied)
    for server in (dns, rdap, forum, proxied):
        server.close()
