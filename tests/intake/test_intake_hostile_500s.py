"""Unauthenticated requests that used to end in a 500: each now gets a clear 4xx naming the problem."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from abusedesk.intake.models import Report
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db

FORM = {"urls": "https://forum.test/threads/123\n", "category": "doxxing", "explanation": "Her street is posted.",
        "reporter_name": "Rita", "reporter_email": "rita@advocates.test", "reporter_kind": "individual",
        "share_host": "none", "share_site_owner": "none", "share_law_enforcement": "send", "good_faith": "on"}


def _fields(response: Any) -> set[str]:
    return {p["field"] for p in response.json().get("errors", [])}


def test_an_unclosed_ipv6_bracket_is_a_url_problem(post_report: Any) -> None:
    response = post_report(report_body(urls=["https://[::1/"]))
    assert response.status_code == 400, response.content
    assert _fields(response) == {"urls.0"}


@pytest.mark.parametrize("where", ["explanation", "reporter.name", "reporter.email", "urls", "language",
                                   "order.legal_basis", "low-surrogate"])
def test_a_lone_surrogate_anywhere_is_rejected(post_report: Any, flagger_token: str, where: str) -> None:
    body = report_body()
    bad = "x\ud800y"
    if where == "urls":
        body["urls"] = [f"https://forum.test/{bad}"]
    elif where.startswith("reporter."):
        body["reporter"][where.split(".")[1]] = bad
    elif where.startswith("order."):
        body["order"] = {"legal_basis": bad}
    elif where != "low-surrogate":
        body[where] = bad
    raw = json.dumps(body).encode()  # ensure_ascii: the surrogate travels as the escape \ud800
    if where == "low-surrogate":
        raw = raw.replace(b'"Posts say', b'"Posts \\udfff say')
    response = post_report(raw=raw, token=flagger_token if where.startswith("order") else None)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"
    assert Report.objects.count() == 0


@pytest.mark.parametrize("field", ["legal_basis", "issuing_authority", "reference", "statement_of_reasons"])
def test_nul_in_an_order_field_is_rejected(post_report: Any, flagger_token: str, field: str) -> None:
    response = post_report(report_body(order={field: "Art.\x00 9"}), token=flagger_token)
    assert response.status_code == 400, response.content
    assert _fields(response) == {f"order.{field}"}


@pytest.mark.parametrize("cursor", [
    base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|not-a-uuid").decode(),
    base64.urlsafe_b64encode(b"2024-01-01T00:00:00|" + b"1" * 32).decode(),
    base64.urlsafe_b64encode(b"2024-01-01T00:00:00+00:00|\x00").decode(),
    "%%%", "YQ", "", "=" * 8])
def test_a_malformed_cursor_is_a_400(client: Client, staff_token: str, cursor: str) -> None:
    response = client.get("/api/v1/reports", {"cursor": cursor}, HTTP_AUTHORIZATION=f"Bearer {staff_token}")
    if cursor == "":
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    assert _fields(response) == {"cursor"}


def test_a_multipart_post_to_the_form_is_a_415_not_a_500() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/en/report/")
    token = page.cookies["abusedesk_csrftoken"].value
    response = client.post("/en/report/", {**FORM, "csrfmiddlewaretoken": token})  # multipart by default
    assert response.status_code == 415
    assert b"application/x-www-form-urlencoded" in response.content
    assert Report.objects.count() == 0


def test_the_form_still_accepts_a_browser_post_with_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/en/report/").cookies["abusedesk_csrftoken"].value
    response = client.post("/en/report/", urlencode({**FORM, "csrfmiddlewaretoken": token}),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302, response.content
    assert Report.objects.count() == 1


@pytest.mark.parametrize("field", ["explanation", "reporter_name", "urls"])
def test_invalid_utf8_in_the_form_is_replaced_not_a_500(client: Client, field: str) -> None:
    data = urlencode({**FORM, field: "https://forum.test/a\ud800b"}, encoding="utf-8", errors="surrogatepass")
    response = client.post("/en/report/", data, content_type="application/x-www-form-urlencoded")
    assert response.status_code in {302, 400}
