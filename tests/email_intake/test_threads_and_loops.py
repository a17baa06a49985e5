"""Threads (a reply is attached to its report), and receipts without loops (robots get none, people a few)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from .conftest import fixture_bytes, simple


def receipts_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [address]]


@pytest.mark.django_db
def test_a_reply_to_the_receipt_is_attached_and_states_sharing(ingest: Any, customers: Any, run_jobs: Any) -> None:
    from abusedesk.audit.models import AuditEvent
    from abusedesk.intake.models import Report

    first = ingest(fixture_bytes("es_defanged.eml"))
    run_jobs()
    [receipt] = receipts_to("lucia.fernandez@correo.example")
    reply = simple(sender="Lucía <lucia.fernandez@correo.example>", subject="Re: " + receipt.subject,
                   body="Otra más: hxxps://banco-seguro[.]shop[.]test/paso2\r\nCompartir mi identidad: sí\r\n\r\n"
                        "> Gracias. Hemos recibido su denuncia",
                   extra=f"In-Reply-To: {receipt.extra_headers['Message-ID']}\r\n", message_id="<r1@correo.example>")
    answer = ingest(reply)
    assert answer.status == "processed" and answer.result["action"] == "attached"
    assert answer.report_id == first.report_id and Report.objects.count() == 1
    report = Report.objects.get()
    assert (report.share_host, report.share_site_owner, report.share_law_enforcement) == ("send",) * 3
    event = AuditEvent.objects.filter(verb="report.reply_received").get()
    assert event.object_id == str(report.pk) and event.payload["sharing"]["host"] == "send"


@pytest.mark.django_db
def test_the_receipt_answers_the_reporters_email_in_its_thread(ingest: Any, customers: Any, run_jobs: Any) -> None:
    ingest(simple(message_id="<thread-start@example.net>"))
    run_jobs()
    [receipt] = receipts_to("ana@example.net")
    assert receipt.extra_headers["In-Reply-To"] == "<thread-start@example.net>"
    assert receipt.extra_headers["References"] == "<thread-start@example.net>"
    assert receipt.extra_headers["Message-ID"].startswith("<notice-")


@pytest.mark.django_db
def test_a_reporter_writing_again_in_their_own_thread_is_attached(ingest: Any) -> None:
    first = ingest(simple(message_id="<own1@example.net>"))
    again = ingest(simple(message_id="<own2@example.net>", body="And this one: http://login.shop.test/b",
                          extra="References: <unknown@x.example> <own1@example.net>\r\n"))
    assert again.result["action"] == "attached" and again.report_id == first.report_id


@pytest.mark.django_db
def test_a_reply_from_another_address_is_filed_on_its_own(ingest: Any) -> None:
    first = ingest(simple(message_id="<a1@example.net>"))
    other = ingest(simple(sender="Mallory <mallory@example.org>", message_id="<m2@example.org>",
                          extra="In-Reply-To: <a1@example.net>\r\n"))
    assert other.result["action"] == "filed" and other.report_id != first.report_id
    assert other.result["thread"] == "answers a report of another address: filed on its own"


ROBOTS = [
    ("auto_reply", "Auto-Submitted: auto-replied\r\n", "ana@example.net"),
    ("auto_reply", "X-Autoreply: yes\r\n", "ana@example.net"),
    ("list", "List-Id: <abuse-talk.lists.example>\r\n", "ana@example.net"),
    ("list", "Precedence: list\r\n", "ana@example.net"),
    ("bulk", "Precedence: bulk\r\n", "ana@example.net"),
    ("bounce", "Return-Path: <>\r\n", "ana@example.net"),
    ("bounce", "", ""),  # null envelope sender
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "extra", "mail_from"), ROBOTS)
def test_free_text_from_robots_files_nothing(ingest: Any, kind: str, extra: str, mail_from: str) -> None:
    message = ingest(simple(extra=extra, message_id=f"<robot-{kind}-{len(extra)}@example.net>"), mail_from=mail_from)
    assert message.status == "ignored" and message.result["reason"] == kind and message.report is None


@pytest.mark.django_db
def test_a_delivery_status_report_is_a_bounce(ingest: Any) -> None:
    raw = (b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: abuse@desk.example\r\nSubject: Undelivered"
           b"\r\nMessage-ID: <dsn1@mx.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; "
           b"report-type=delivery-status; boundary=d\r\n\r\n--d\r\nContent-Type: text/plain\r\n\r\nCould not deliver "
           b"http://login.shop.test/a\r\n--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
           b"mx.example\r\n\r\nFinal-Recipient: rfc822; x@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
           b"--d--\r\n")
    message = ingest(raw, mail_from="")
    assert message.status == "ignored" and message.result["reason"] == "bounce"


@pytest.mark.django_db
def test_noreply_and_automated_senders_are_filed_without_any_notice(ingest: Any, customers: Any,
                                                                     run_jobs: Any) -> None:
    noreply = ingest(simple(sender="Alerts <no-reply@scanner.example>", message_id="<nr@scanner.example>"))
    assert noreply.status == "processed" and noreply.report.reporter_notices_held == "noreply"
    arf = fixture_bytes("arf_abuse.eml").replace(b"MIME-Version", b"Auto-Submitted: auto-generated\r\nMIME-Version")
    automated = ingest(arf)
    assert automated.result["action"] == "filed" and automated.result["receipt"] is False
    run_jobs()
    assert not receipts_to("no-reply@scanner.example") and not receipts_to("fbl@mailbox-provider.example")
    assert not noreply.report.reporter_notice_allowed("reporter_outcome")


@pytest.mark.django_db
def test_an_arf_report_is_filed_whatever_robot_headers_it_carries(ingest: Any) -> None:
    arf = fixture_bytes("arf_abuse.eml").replace(b"MIME-Version", b"Precedence: bulk\r\nMIME-Version")
    message = ingest(arf)
    assert message.result["action"] == "filed" and message.report.reporter_notices_held == "bulk"


@pytest.mark.django_db
def test_receipts_are_rate_limited_per_sender(ingest: Any, customers: Any, run_jobs: Any, settings: Any) -> None:
    settings.MAIL_RECEIPT_RATE = "2/h"
    messages = [ingest(simple(message_id=f"<rate{i}@example.net>", body=f"Phishing: http://login.shop.test/{i}"))
                for i in range(3)]
    assert [m.result["receipt"] for m in messages] == [True, True, False]
    held = messages[2].report
    assert held.reporter_notices_held == "rate_limited"
    assert held.reporter_notice_allowed("reporter_outcome") and not held.reporter_notice_allowed("receipt")
    run_jobs()
    assert len(receipts_to("ana@example.net")) == 2
    other = ingest(simple(sender="Bo <bo@example.net>", message_id="<bo@example.net>"))
    assert other.result["receipt"] is True  # the limit is per sender


def test_a_malformed_rate_names_the_setting(settings: Any) -> None:
    from abusedesk.intake.email.receipts import parse_rate

    with pytest.raises(ValueError, match="ABUSEDESK_MAIL_RECEIPT_RATE"):
        parse_rate("lots")
