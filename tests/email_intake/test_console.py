"""The case page of an e-mail report: sender, authentication, fields, attachments listed, the original message as
escaped text, and replies in the thread; never markup from the message, never a fetch."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abusedesk.testing.factories import PASSWORD

from .conftest import fixture_bytes, simple

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script><img src=http://pixel.example/x.gif onerror=alert(2)>"


def _page(client: Client, case_id: int) -> str:
    assert client.post("/console/login/", {"username": "ana", "password": PASSWORD}).status_code == 302
    response = client.get(f"/console/cases/{case_id}/")
    assert response.status_code == 200
    return str(response.content.decode())


def _hostile_mail() -> bytes:
    attachment = base64.encodebytes(b"<html><script>alert(3)</script></html>").decode()
    return (f"From: Ana <ana@example.net>\r\nTo: abuse@desk.example\r\nSubject: phishing {XSS}\r\n"
            "Message-ID: <c1@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            f"--b\r\nContent-Type: text/plain\r\n\r\nFake bank at http://shop.test/login {XSS}\r\n"
            "--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"page<b>.html\"\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b--\r\n").encode()


def test_the_case_page_shows_the_message_escaped_and_its_attachments_listed(
        client: Client, staff: Any, customers: Any, ingest: Any, run_jobs: Any, mail_settings: Any) -> None:
    message = ingest(_hostile_mail())
    run_jobs()
    body = _page(client, message.report.case_id)
    assert "Ana &lt;ana@example.net&gt;" in body
    assert "no trusted relay's results" in body and "Lane: individual" in body
    assert "page&lt;b&gt;.html · text/html" in body and "Listed only" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert" not in body and "<img" not in body and "<b>" not in body
    assert message.raw_sha256 in body


def test_arf_fields_and_a_reply_show_on_the_case_page(client: Client, staff: Any, customers: Any, ingest: Any,
                                                      run_jobs: Any) -> None:
    message = ingest(fixture_bytes("arf_abuse.eml"))
    reply = ingest(simple(sender="fbl@mailbox-provider.example", message_id="<fbl-reply@mailbox-provider.example>",
                          body="One more detail.",
                          extra="In-Reply-To: <fbl-20260303-0001@mailbox-provider.example>\r\n"))
    assert reply.result["action"] == "attached"
    run_jobs()
    body = _page(client, message.report.case_id)
    assert "Feedback-Type</th><td>abuse" in body and "Reported-URI</th><td>http://shop.test/deals/today" in body
    assert "Filed this report" in body and "Reply to this report" in body and "One more detail." in body


def test_mail_adds_a_fixed_number_of_queries(client: Client, staff: Any, customers: Any, ingest: Any,
                                             run_jobs: Any) -> None:
    from django.db import connection

    first = ingest(simple(message_id="<q0@example.net>", body="Phishing: http://shop.test/q0"))
    run_jobs()
    case_id = first.report.case_id
    _page(client, case_id)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/console/cases/{case_id}/")
    for i in range(1, 4):
        ingest(simple(sender=f"P{i} <p{i}@example.net>", message_id=f"<q{i}@example.net>",
                      body=f"Phishing: http://shop.test/q{i}"))
    run_jobs()
    with CaptureQueriesContext(connection) as four:
        client.get(f"/console/cases/{case_id}/")
    mail_queries = [q for q in four.captured_queries if "intake_inboundmessage" in q["sql"]
                    and '"reviewed_at" IS NULL' not in q["sql"]]  # not the header's mailbox count
    assert len(mail_queries) == 1
    assert len(four.captured_queries) - len(one.captured_queries) < 12  # other stages' per-report reads, not ours
