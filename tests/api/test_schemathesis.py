"""Schemathesis against /api/v1/openapi.json, in process (WSGI, no network): no 500, no answer that contradicts
the document. Bounded: a few examples per operation, so the run stays around a minute on a busy 2-core machine."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from abusedesk.attribution.lookup.dnsfacts import DnsFacts, DnsLookup
from abusedesk.net import StaticResolver

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
NOWHERE = {"ip": "http://127.0.0.1:9/", "domain": "http://127.0.0.1:9/"}  # refused by the fetch policy anyway


class _NoDns(DnsLookup):
    """A resolver that knows no names: the look-up answers from what the URL itself says."""

    def facts(self, host: str) -> DnsFacts:
        return DnsFacts(host)

    def fetch_resolver(self) -> Any:
        return StaticResolver({})


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Calls go straight to the WSGI handler, whose request signals would close the test's database connection
    (and its transaction); Django's own test client unhooks them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated URLs must never reach the internet: look-ups get no DNS, no RDAP, no probes, and any socket
    connection outside loopback fails the test."""
    from abusedesk.attribution import lookup

    real_whois = lookup.whois

    def whois(url: str, **kwargs: Any) -> Any:
        return real_whois(url, dns=_NoDns(), rdap_servers=NOWHERE, probe_site=False, check_security_txt=False)

    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not ipaddress.ip_address(host).is_loopback:
            raise AssertionError(f"the API tried to connect to {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(lookup, "whois", whois)
    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(max_examples=40, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
def test_the_api_matches_its_document_and_never_fails(case: Any, staff_token: str, offline: None) -> None:
    # Not checked: that every schema-valid request is accepted. Intake checks more than a JSON schema can say
    # (URLs that parse, e-mail addresses, good_faith true), and refuses the rest with 400 naming the field.
    case.call_and_validate(headers={"Authorization": f"Bearer {staff_token}"},
                           excluded_checks=[schemathesis.checks.positive_data_acceptance])


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(max_examples=10, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
def test_anonymous_callers_get_documented_answers(case: Any, offline: None) -> None:
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])


@pytest.mark.django_db
def test_every_ref_in_the_document_resolves(client: Any) -> None:
    import json
    import re

    doc = client.get("/api/v1/openapi.json").json()
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc)))
    assert refs and refs <= set(doc["components"]["schemas"]), refs - set(doc["components"]["schemas"])


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "query"), [("/api/v1/reports", {"cursor": "x"}), ("/api/v1/reports", {"limit": 0}),
                                             ("/api/v1/cases", {"limit": "many"}), ("/api/v1/cases/99", {}),
                                             ("/api/v1/cases/999999999999999999999", {})])
def test_every_error_body_says_what_is_wrong_in_detail(client: Any, staff_token: str, path: str,
                                                       query: dict[str, Any]) -> None:
    response = client.get(path, query, HTTP_AUTHORIZATION=f"Bearer {staff_token}")
    assert response.status_code in {400, 404}
    body = response.json()
    assert body["error"] and body["detail"], body
