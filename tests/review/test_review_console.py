"""The reviewer console: login, lockout, server-side roles, queue order, escaping, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.testing.factories import PASSWORD, report_body

pytestmark = pytest.mark.django_db
XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'><svg onload=alert(3)>'


def _login(client: Client, username: str) -> Client:
    response = client.post("/console/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def filed(customers: Any, post_report: Any, run_jobs: Any) -> Case:
    post_report(report_body(explanation=f"Look: {XSS}", urls=["https://forum.test/t/1?x=<b>"]))
    post_report(report_body(urls=["https://shop.test/phish"], category="scam"))
    run_jobs()
    return Case.objects.get(property__value="forum.test")


def test_console_requires_login(client: Client) -> None:
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_lockout_after_repeated_failures(client: Client, staff: Any, settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/console/login/", {"username": "ana", "password": "wrong"}, REMOTE_ADDR="198.51.100.1")
    response = client.post("/console/login/", {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert b"locked" in response.content


def test_lockout_ignores_spoofed_forwarded_for(client: Client, staff: Any, settings: Any) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post("/console/login/", {"username": "ana", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    response = client.post("/console/login/", {"username": "ana", "password": PASSWORD})
    assert response.status_code == 429


def test_queue_orders_by_severity_then_age(client: Client, staff: Any, filed: Case) -> None:
    _login(client, "ana")
    body = client.get("/console/").content.decode()
    assert body.index("forum.test") < body.index("shop.test")  # S1 threat before S3 scam


def test_queue_query_count_does_not_grow_with_cases(client: Client, staff: Any, filed: Case,
                                                    post_report: Any, run_jobs: Any) -> None:
    _login(client, "ana")
    with CaptureQueriesContext(connection) as small:
        client.get("/console/")
    from abusedesk.attribution.importer import import_records

    import_records([{"id": f"c{i}", "name": f"C{i}", "properties": [{"domain": f"site{i}.test",
                                                                     "services": ["hosting"]}]} for i in range(5)])
    for i in range(5):
        post_report(report_body(urls=[f"https://site{i}.test/"]), REMOTE_ADDR=f"192.0.2.{i}")
    run_jobs()
    with CaptureQueriesContext(connection) as large:
        client.get("/console/")
    assert len(large) == len(small)


def test_case_page_escapes_attacker_text(client: Client, staff: Any, filed: Case) -> None:
    _login(client, "ana")
    response = client.get(f"/console/cases/{filed.pk}/")
    body = response.content.decode()
    assert "<script>alert(1)" not in body and "<img src=x" not in body and "<svg onload" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_unknown_case_is_404(client: Client, staff: Any) -> None:
    _login(client, "ana")
    assert client.get("/console/cases/987654/").status_code == 404


def test_auditor_reads_but_cannot_decide(client: Client, staff: Any, filed: Case) -> None:
    _login(client, "aud")
    assert client.get(f"/console/cases/{filed.pk}/").status_code == 200
    policy = PolicyClause.objects.get(code="threats-to-life")
    response = client.post(f"/console/cases/{filed.pk}/decide/", {
        "outcome": "warn_customer", "policy": policy.pk, "reasoning": "x"})
    assert response.status_code == 404
    assert not Decision.objects.exists()
    assert client.get("/console/audit/").status_code == 200


def test_analyst_cannot_open_the_audit_page(client: Client, staff: Any) -> None:
    _login(client, "ana")
    assert client.get("/console/audit/").status_code == 404


def test_decision_form_requires_a_policy_and_reasoning(client: Client, staff: Any, filed: Case) -> None:
    _login(client, "ana")
    response = client.post(f"/console/cases/{filed.pk}/decide/", {"outcome": "warn_customer"})
    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert not Decision.objects.exists()


def test_csrf_is_enforced(staff: Any, filed: Case) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["ana"])
    policy = PolicyClause.objects.get(code="threats-to-life")
    response = client.post(f"/console/cases/{filed.pk}/decide/", {
        "outcome": "warn_customer", "policy": policy.pk, "reasoning": "x"})
    assert response.status_code == 403


def test_four_eyes_through_the_console(staff: Any, filed: Case, run_jobs: Any) -> None:
    policy = PolicyClause.objects.get(code="threats-to-life")
    ana, cho = _login(Client(), "ana"), _login(Client(), "cho")
    ana.post(f"/console/cases/{filed.pk}/decide/", {"outcome": "terminate_service", "policy": policy.pk,
                                                     "reasoning": "Threat plus address."})
    decision = Decision.objects.get()
    assert decision.status == "awaiting_approval"
    page = ana.get(f"/console/cases/{filed.pk}/").content.decode()
    assert f"/console/decisions/{decision.pk}/approve/" not in page  # no approve button for the requester
    ana.post(f"/console/decisions/{decision.pk}/approve/")
    assert Decision.objects.get().status == "awaiting_approval"
    cho.post(f"/console/decisions/{decision.pk}/approve/")
    assert Decision.objects.get().status == "effective"
