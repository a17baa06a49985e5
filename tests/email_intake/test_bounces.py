"""Bounces of our own notices: an RFC 3464 delivery status notification marks the notice it returns as bounced."""

from __future__ import annotations

import logging
from email.message import Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

import pytest
from django.core import mail

from .conftest import simple

pytestmark = pytest.mark.django_db
DIAGNOSTIC = "smtp; 550 5.1.1 <ana@example.net>: Recipient address rejected: User unknown"


def _block(**fields: str) -> Message:
    block = Message()
    for name, value in fields.items():
        block[name.replace("_", "-")] = value
    return block


def dsn(original_id: str, *, action: str = "failed", status: str = "5.1.1", headers_only: bool = False,
        message_id: str = "<dsn-1@mx.example.net>", diagnostic: str = DIAGNOSTIC) -> bytes:
    """A bounce as a mail system writes it: multipart/report; report-type=delivery-status (RFC 3464)."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.net>"
    report["To"] = "abuse-desk@localhost"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = message_id
    report["Auto-Submitted"] = "auto-replied"
    report.attach(MIMEText("This is the mail system. Your message could not be delivered.\n"))
    status_part = Message()
    status_part.set_type("message/delivery-status")
    status_part.set_payload([
        _block(Reporting_MTA="dns; mx.example.net", Arrival_Date="Tue, 1 Dec 2026 09:00:00 +0000"),
        _block(Final_Recipient="rfc822; ana@example.net", Action=action, Status=status,
               Diagnostic_Code=diagnostic)])
    report.attach(status_part)
    returned = Message()
    returned["From"], returned["To"], returned["Subject"] = "abuse-desk@localhost", "ana@example.net", "Receipt"
    returned["Message-ID"] = original_id
    if headers_only:
        report.attach(MIMEText(returned.as_string(), "rfc822-headers"))
    else:
        returned.set_payload("Thank you. We have received your report.\n")
        report.attach(MIMEMessage(returned))
    return report.as_bytes()


@pytest.fixture
def receipt(ingest: Any, customers: Any, run_jobs: Any) -> Any:
    """A receipt the desk sent (a report by e-mail, then the delivery job), as its Notice."""
    from abusedesk.cases.models import Notice

    ingest(simple(message_id="<report-1@example.net>"))
    run_jobs()
    [sent] = [m for m in mail.outbox if m.to == ["ana@example.net"]]
    return Notice.objects.get(message_id=sent.extra_headers["Message-ID"])


def _bounced_events() -> list[Any]:
    from abusedesk.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(verb="notice.bounced"))


def test_a_permanent_failure_marks_the_notice_bounced(ingest: Any, receipt: Any, caplog: Any) -> None:
    assert receipt.message_id.startswith("<notice-") and receipt.status == "sent"
    with caplog.at_level(logging.DEBUG):
        message = ingest(dsn(receipt.message_id), mail_from="")
    receipt.refresh_from_db()
    assert receipt.status == "bounced" and receipt.last_error.startswith("5.1.1 ")
    assert len(receipt.last_error) <= 300
    assert message.status == "processed"
    assert {k: message.result[k] for k in ("action", "notice", "status", "outcome", "changed", "role")} == {
        "action": "bounce", "notice": str(receipt.pk), "status": "5.1.1", "outcome": "failed", "changed": True,
        "role": "reporter"}
    [event] = _bounced_events()
    assert event.object_id == str(receipt.pk)
    assert event.payload == {"notice": str(receipt.pk), "status": "5.1.1", "recipient_role": "reporter",
                             "kind": receipt.kind}
    assert "ana@example.net" not in str(event.payload) and "Recipient address" not in str(event.payload)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ana@example.net" not in logged and "User unknown" not in logged


def test_the_returned_headers_alone_are_enough(ingest: Any, receipt: Any) -> None:
    message = ingest(dsn(receipt.message_id, headers_only=True), mail_from="")
    receipt.refresh_from_db()
    assert receipt.status == "bounced" and message.result["notice"] == str(receipt.pk)


def test_the_bounces_own_references_are_the_fallback(ingest: Any, receipt: Any) -> None:
    raw = dsn("<someone-else@example.org>").replace(
        b"Message-ID: <dsn-1@mx.example.net>", f"Message-ID: <dsn-1@mx.example.net>\nIn-Reply-To: "
                                               f"{receipt.message_id}".encode())
    ingest(raw, mail_from="")
    receipt.refresh_from_db()
    assert receipt.status == "bounced"


def test_a_delayed_dsn_marks_nothing(ingest: Any, receipt: Any) -> None:
    message = ingest(dsn(receipt.message_id, action="delayed", status="4.4.7"), mail_from="")
    receipt.refresh_from_db()
    assert receipt.status == "sent" and not _bounced_events()
    assert message.status == "processed" and message.result["outcome"] == "delayed"
    assert message.result["changed"] is False


@pytest.mark.parametrize("original", [
    "<notice-0b9f8a52-8f1e-4a57-9e41-6a2b7c1d0e55@localhost>",  # our format, no such notice
    "<m1@example.net>",  # another sender's message
])
def test_a_dsn_for_a_message_not_ours_is_ignored(ingest: Any, receipt: Any, original: str) -> None:
    message = ingest(dsn(original), mail_from="")
    receipt.refresh_from_db()
    assert receipt.status == "sent" and not _bounced_events()
    assert message.status == "ignored" and message.result["reason"] == "bounce"


def test_a_forged_domain_matches_nothing(ingest: Any, receipt: Any) -> None:
    forged = receipt.message_id.replace("@localhost>", "@attacker.example>")
    message = ingest(dsn(forged), mail_from="")
    receipt.refresh_from_db()
    assert receipt.status == "sent" and message.result["reason"] == "bounce"


def test_the_same_dsn_twice_changes_nothing_twice(ingest: Any, receipt: Any) -> None:
    raw = dsn(receipt.message_id)
    first = ingest(raw, mail_from="")
    again = ingest(raw, mail_from="")  # the same message delivered twice: a duplicate
    other = ingest(dsn(receipt.message_id, message_id="<dsn-2@mx.example.net>"), mail_from="")  # a second DSN
    assert first.result["changed"] is True and again.status == "duplicate"
    assert other.status == "processed" and other.result["changed"] is False
    assert len(_bounced_events()) == 1


@pytest.mark.parametrize("raw", [
    # a report without its delivery-status part
    b"From: MAILER-DAEMON@mx.example\r\nMessage-ID: <b1@mx.example>\r\nMIME-Version: 1.0\r\nContent-Type: "
    b"multipart/report; report-type=delivery-status; boundary=d\r\n\r\n--d\r\nContent-Type: text/plain\r\n\r\nno"
    b"\r\n--d--\r\n",
    # a delivery-status part with garbage, a missing boundary end, a non-UTF-8 byte
    b"From: MAILER-DAEMON@mx.example\r\nMessage-ID: <b2@mx.example>\r\nMIME-Version: 1.0\r\nContent-Type: "
    b"multipart/report; report-type=delivery-status; boundary=d\r\n\r\n--d\r\nContent-Type: message/delivery-status"
    b"\r\n\r\n\xff\xfe::\r\nStatus: 9.9\r\nAction\r\n\r\n--d\r\nContent-Type: text/rfc822-headers; charset=bogus"
    b"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n",
    # not multipart at all
    b"From: MAILER-DAEMON@mx.example\r\nMessage-ID: <b3@mx.example>\r\nContent-Type: multipart/report; "
    b"report-type=delivery-status\r\n\r\njust text\r\n",
])
def test_a_malformed_dsn_stays_ignored(ingest: Any, raw: bytes) -> None:
    message = ingest(raw, mail_from="")
    assert message.status == "ignored" and message.result["reason"] == "bounce"
    assert not _bounced_events()


def test_reading_a_dsn() -> None:
    from abusedesk.intake.email.bounces import read_dsn
    from abusedesk.intake.email.parse import read

    found = read_dsn(read(dsn("<notice-x@localhost>", status="5.7.1 (refused)")))
    assert found is not None and found.original_ids == ["<notice-x@localhost>"]
    worst = found.worst
    assert worst is not None and (worst.action, worst.status, worst.outcome) == ("failed", "5.7.1", "failed")
    assert len(worst.diagnostic) <= 200


@pytest.mark.parametrize(("diagnostic", "kept"), [
    (DIAGNOSTIC, "smtp; 550 5.1.1 <[address]>: Recipient address rejected: User unknown"),
    ("smtp; 550 mailbox ana.b+x@example.net (rfc822;\"ana.b+x\"@example.net) full", None),
    ("x" * 150 + " 550 " + "a" * 40 + "@" + "b" * 200 + ".example.net unknown", None),  # cut at 200 mid-address
])
def test_the_diagnostic_kept_names_no_address(ingest: Any, receipt: Any, diagnostic: str, kept: str | None) -> None:
    # last_error is a plain column shown on the case page; the recipient's address (a reporter's is stored
    # encrypted) must not be copied into it from the remote server's text.
    ingest(dsn(receipt.message_id, diagnostic=diagnostic), mail_from="")
    receipt.refresh_from_db()
    assert receipt.status == "bounced" and "@" not in receipt.last_error and "example.net" not in receipt.last_error
    assert kept is None or receipt.last_error == f"5.1.1 {kept}"


WHAT_TO_DO = {
    "en": "Correct the origin's abuse address in the customer's data (abusedesk customers import)",
    "es": "Corrija la dirección de abuso del origen en los datos del cliente",
    "ar": "صحّح عنوان الإبلاغ عن الإساءة لدى الخادم الأصلي",
}
SHOWN = {
    "en": ("The host's abuse contact bounced", "A notice to the Customer bounced"),
    "es": ("El contacto de abuso del proveedor rebotó", "Una notificación a:"),
    "ar": ("ارتدّ بريد جهة الإبلاغ عن الإساءة لدى المستضيف", "ارتدّ إشعار مُرسَل إلى"),
}


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_the_case_page_shows_bounced_notices(ingest: Any, receipt: Any, client: Any, staff: Any, run_jobs: Any,
                                             lang: str) -> None:
    from django.db import transaction

    from abusedesk.cases.actions.notices import do_queue_notice
    from abusedesk.cases.models import Notice
    from abusedesk.enforcement.notices import deliver_notice
    from abusedesk.jobs import enqueue

    report = receipt.report
    assert report.case_id is not None
    notices = []
    for role, kind in (("host", "host_forward"), ("customer", "statement_of_reasons")):
        with transaction.atomic():
            notice, _ = do_queue_notice(idempotency_key=f"test-{role}", fields={
                "kind": kind, "case_id": report.case_id, "report": report, "recipient_role": role,
                "language": "en", "to_address": f"{role}@example.org", "subject": "s", "body": "b"},
                about={"kind": kind})
            enqueue(deliver_notice, str(notice.pk))
        run_jobs()
        notices.append(Notice.objects.get(pk=notice.pk))
    for notice in notices:
        ingest(dsn(notice.message_id, message_id=f"<dsn-{notice.pk}@mx.example.net>",
                   diagnostic="smtp; 550 <script>alert(1)</script>"), mail_from="")
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{report.case_id}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    host_words, customer_words = SHOWN[lang]
    assert host_words in page and customer_words in page and "5.1.1" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert WHAT_TO_DO[lang] in page  # the host's bounce says what to do about it


def test_a_bounced_notice_is_never_sent_again(ingest: Any, receipt: Any) -> None:
    from abusedesk.enforcement.notices import deliver_notice, deliver_notices

    ingest(dsn(receipt.message_id), mail_from="")
    receipt.refresh_from_db()
    assert receipt.status == "bounced"
    before = len(mail.outbox)
    deliver_notice.call(str(receipt.pk))  # a retry, or a person re-running the job by hand
    deliver_notices.call([str(receipt.pk)])
    receipt.refresh_from_db()
    assert receipt.status == "bounced" and len(mail.outbox) == before


def test_message_ids_carry_our_domain_when_the_sender_has_a_display_name(settings: Any) -> None:
    import uuid

    from abusedesk.cases.models import Notice
    from abusedesk.enforcement.notices import _message_id
    from abusedesk.intake.email.bounces import our_domain

    settings.DEFAULT_FROM_EMAIL = "Abuse Desk <abuse@Desk.example>"
    notice = Notice(pk=uuid.uuid4())
    assert _message_id(notice) == f"<notice-{notice.pk}@desk.example>" and our_domain() == "desk.example"
