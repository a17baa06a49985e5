"""Reading reports and cases with staff tokens; the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db


def _get(client: Client, path: str, token: str | None = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(path, **headers)


def test_reading_needs_a_staff_token(client: Client, post_report: Any, flagger_token: str) -> None:
    report_id = post_report().json()["id"]
    assert _get(client, f"/api/v1/reports/{report_id}").status_code == 401
    assert _get(client, f"/api/v1/reports/{report_id}", flagger_token).status_code == 403
    assert _get(client, "/api/v1/cases", "adk_bogus").status_code == 401


def test_report_detail_never_contains_reporter_identity(client: Client, post_report: Any, staff_token: str) -> None:
    body = report_body(reporter={"name": "Canary Name", "email": "canary@x.test", "kind": "individual"})
    report_id = post_report(body).json()["id"]
    response = _get(client, f"/api/v1/reports/{report_id}", staff_token)
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == report_id and data["reporter_kind"] == "individual"
    assert "Canary" not in response.content.decode() and "canary@" not in response.content.decode()


def test_unknown_or_malformed_ids_are_404(client: Client, staff_token: str) -> None:
    assert _get(client, "/api/v1/reports/00000000-0000-0000-0000-000000000000", staff_token).status_code == 404
    assert _get(client, "/api/v1/reports/not-a-uuid", staff_token).status_code == 404
    assert _get(client, "/api/v1/cases/999999", staff_token).status_code == 404


def test_list_filters_and_pages(client: Client, post_report: Any, staff_token: str) -> None:
    for category in ("threat", "doxxing", "threat"):
        post_report(report_body(category=category), REMOTE_ADDR="192.0.2.50")
    threats = _get(client, "/api/v1/reports?category=threat", staff_token).json()
    assert len(threats["items"]) == 2
    first = _get(client, "/api/v1/reports?limit=2", staff_token).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = _get(client, f"/api/v1/reports?limit=2&cursor={first['next_cursor']}", staff_token).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    ids = {i["id"] for i in first["items"]} | {i["id"] for i in rest["items"]}
    assert len(ids) == 3
    assert _get(client, "/api/v1/reports?limit=0", staff_token).status_code == 400
    assert _get(client, "/api/v1/reports?cursor=%%%", staff_token).status_code == 400


def test_cases_are_listed_by_urgency(client: Client, customers: Any, post_report: Any, run_jobs: Any,
                                     staff_token: str) -> None:
    post_report(report_body(urls=["https://shop.test/x"], category="spam",
                            explanation="Bulk e-mail advertising cheap watches links to this shop."))
    post_report(report_body(urls=["https://forum.test/t"], category="threat"))
    run_jobs()
    cases = _get(client, "/api/v1/cases", staff_token).json()["items"]
    assert [c["severity"] for c in cases] == ["S1", "S3"]
    one = _get(client, f"/api/v1/cases/{cases[0]['id']}", staff_token).json()
    assert one["property"] == "forum.test" and one["reports"] == 1


def test_openapi_document_lists_the_endpoints(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/reports", "/api/v1/reports/{report_id}", "/api/v1/cases", "/api/v1/cases/{case_id}"} <= set(
        doc["paths"])
    body = doc["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ReportIn"}
    request_schema = doc["components"]["schemas"]["ReportIn"]
    assert {"urls", "category", "explanation", "reporter", "good_faith"} <= set(request_schema["required"])
    assert request_schema["additionalProperties"] is False
