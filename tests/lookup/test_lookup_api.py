"""GET /api/v1/lookup: the public who-serves-it answer, against the loopback DNS/RDAP fixtures."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from .conftest import ALLOW, Net

pytestmark = pytest.mark.django_db


@pytest.fixture
def lookup_settings(settings: Any, net: Net) -> Any:
    settings.LOOKUP_DNS_SERVER = net.dns.address
    settings.LOOKUP_RDAP_SERVERS = net.rdap_servers
    settings.LOOKUP_ALLOW_NETWORKS = list(ALLOW)
    return settings


def test_lookup_names_the_host_and_where_to_report(client: Client, net: Net, lookup_settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    response = client.get("/api/v1/lookup", {"url": net.forum.url("/thread/1", "forum.test")})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["served_by_us"] is False
    assert data["where_to_report"][0]["contact"] == "abuse@hosting.test"


def test_lookup_for_our_proxied_customer_never_reveals_the_origin(client: Client, net: Net, lookup_settings: Any,
                                                                  customers: Any) -> None:
    from abusedesk.attribution.importer import import_records

    import_records([{"id": "px", "name": "Proxied Co", "properties": [{
        "domain": "proxied.test", "services": ["proxy"],
        "origin": {"ip": "127.0.0.2", "provider": "Secret Origin Ltd", "abuse_email": "abuse@secret-origin.test"}}]}])
    response = client.get("/api/v1/lookup", {"url": net.proxied.url("/", "proxied.test")})
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert response.json()["served_by_us"] is True
    assert "Secret Origin" not in body and "secret-origin" not in body


def test_lookup_rejects_bad_urls_with_a_reason(client: Client, lookup_settings: Any) -> None:
    response = client.get("/api/v1/lookup", {"url": "file:///etc/passwd"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "url"


def test_lookup_is_rate_limited(client: Client, lookup_settings: Any) -> None:
    lookup_settings.LOOKUP_RATE = "2/m"
    codes = [client.get("/api/v1/lookup", {"url": "ftp://x.test/"}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


@pytest.mark.parametrize("url", ["http://rebind.test/", "http://mixed.test/", "http://169.254.169.254/latest/",
                                 "http://10.0.0.5/", "http://[fd00:ec2::254]/"])
def test_lookup_never_hands_internal_addresses_to_anonymous_callers(client: Client, lookup_settings: Any,
                                                                    url: str) -> None:
    response = client.get("/api/v1/lookup", {"url": url})
    assert response.status_code == 400, response.content
    body = response.content.decode()
    assert "127.0.0.1" not in body and "10.0.0.5" not in body and "169.254" not in body and "fd00" not in body
    assert response.json()["errors"][0]["field"] == "url"
