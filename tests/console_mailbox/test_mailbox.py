"""The console's mailbox: the e-mail that filed no report is listed, shown escaped, filed as a report or dismissed,
by the roles that may, with the audit trail keeping ids only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abusedesk.audit.models import AuditEvent
from abusedesk.intake.models import InboundMessage, Report

from .conftest import mail

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _body(response: Any) -> str:
    return str(response.content.decode())


def _file(client: Client, message: Any, **data: str) -> Any:
    return client.post(f"/console/mailbox/{message.pk}/file/",
                       {"urls": "https://forum.test/threads/9", "category": "threat", "language": "", **data})


def test_the_list_shows_what_filed_nothing_and_nothing_else(as_user: Callable[[str], Client], store: Any,
                                                            failed: Any) -> None:
    ignored = store(mail(subject="They know where I live"))
    filed = store(mail(message_id="<f@example.net>", subject="Phishing",
                       body="This page steals bank passwords: http://login.shop.test/x"))
    stuck = store(mail(message_id="<s@example.net>"), read=False, minutes_ago=60)
    fresh = store(mail(message_id="<n@example.net>"), read=False)
    assert (ignored.status, ignored.result["reason"], filed.status) == ("ignored", "not_a_report", "processed")
    body = _body(as_user("ana").get("/console/mailbox/"))
    for shown in (ignored, failed, stuck):
        assert f'id="message-{shown.pk}"' in body
    for hidden in (filed, fresh):
        assert f'id="message-{hidden.pk}"' not in body
    assert "They know where I live" in body and "Ana Example &lt;ana@example.net&gt;" in body
    assert "sender@example.net" in body  # an unread message: the envelope sender
    assert "threatening me" not in body  # never a body in the list
    assert "no usable URL or IP address" in body and "not_a_report" in body
    for status, n in (("ignored", 1), ("failed", 1), ("received", 1)):
        assert f'<span class="count" data-status="{status}">{n}</span>' in body
    only_failed = _body(as_user("ana").get("/console/mailbox/", {"status": "failed"}))
    assert f"message-{failed.pk}" in only_failed and f"message-{ignored.pk}" not in only_failed
    by_reason = _body(as_user("ana").get("/console/mailbox/", {"reason": "not_a_report"}))
    assert f"message-{ignored.pk}" in by_reason and f"message-{stuck.pk}" not in by_reason
    assert as_user("ana").get("/console/mailbox/", {"status": "processed"}).status_code == 400


def test_the_navigation_counts_what_waits_for_a_look(as_user: Callable[[str], Client], store: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    auditor = as_user("aud")
    assert 'id="nav-mailbox">Mailbox</a>' in _body(auditor.get("/console/"))  # nothing waits: no number
    store(mail())
    store(mail(message_id="<stuck@example.net>"), read=False, minutes_ago=60)
    with CaptureQueriesContext(connection) as queries:
        body = _body(auditor.get("/console/"))
    assert 'id="nav-mailbox"' in body and '<span class="badge">2<span class="visually-hidden">' in body
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "inbound" in q["sql"]]
    monkeypatch.setattr("abusedesk.review.mailbox.BADGE_CAP", 1)
    assert '<span class="badge">1+<span' in _body(auditor.get("/console/"))


def test_the_list_reads_a_fixed_number_of_queries(as_user: Callable[[str], Client], store: Any) -> None:
    client = as_user("ana")
    store(mail())
    with CaptureQueriesContext(connection) as one:
        assert client.get("/console/mailbox/").status_code == 200
    for i in range(6):
        store(mail(message_id=f"<many{i}@example.net>", sender=f"P{i} <p{i}@example.net>"))
    with CaptureQueriesContext(connection) as seven:
        assert client.get("/console/mailbox/").status_code == 200
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_who_may_see_and_act(client: Client, staff: dict[str, Any], as_user: Callable[[str], Client],
                             store: Any) -> None:
    message = store(mail())
    pages = ["/console/mailbox/", f"/console/mailbox/{message.pk}/"]
    actions = [f"/console/mailbox/{message.pk}/file/", f"/console/mailbox/{message.pk}/dismiss/"]
    for path in pages:
        response = client.get(path)  # a stranger: to the login page
        assert response.status_code == 302 and "/console/login/" in response["Location"]
    for path in actions:
        response = client.post(path)
        assert response.status_code == 302 and "/console/login/" in response["Location"]
    staff["cho"].is_active = False
    staff["cho"].save()
    client.force_login(staff["cho"])  # no longer staff: logged out
    assert client.get(pages[0]).status_code == 302
    auditor = as_user("aud")  # reads, never acts
    assert all(auditor.get(path).status_code == 200 for path in pages)
    assert 'id="mailbox-file-form"' not in _body(auditor.get(pages[1]))
    assert _file(auditor, message).status_code == 404
    assert auditor.post(actions[1]).status_code == 404
    assert as_user("ana").get(actions[0]).status_code == 405
    assert as_user("ana").get("/console/mailbox/00000000-0000-0000-0000-000000000000/").status_code == 404
    message.refresh_from_db()
    assert (message.status, message.reviewed_at, Report.objects.count()) == ("ignored", None, 0)


def test_the_detail_page_escapes_the_message(as_user: Callable[[str], Client], store: Any) -> None:
    message = store(mail(subject=f"help {XSS}", body=f"They follow me. {XSS}", sender="Eve <eve@example.net>"))
    assert message.status == "ignored"
    for path in ("/console/mailbox/", f"/console/mailbox/{message.pk}/"):
        body = _body(as_user("ana").get(path))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
        assert "<script>alert" not in body and "<img src=x" not in body
    body = _body(as_user("ana").get(f"/console/mailbox/{message.pk}/"))
    assert "They follow me." in body and "Eve &lt;eve@example.net&gt;" in body and message.raw_sha256 in body
    assert "Lane: individual" in body and "<code>urls</code>: must list at least one URL" in body


def test_filing_names_the_field_that_is_wrong(as_user: Callable[[str], Client], store: Any) -> None:
    message = store(mail())
    response = _file(as_user("ana"), message, urls="https://forum.test/ok\nnot a url", language="engl")
    body = _body(response)
    assert response.status_code == 400
    assert "URL 2 (not a url):" in body and "must be an ISO 639-1 code" in body
    response = _file(as_user("ana"), message, category="")
    assert response.status_code == 400 and "This field is required." in _body(response)
    message.refresh_from_db()
    assert (message.status, message.report_id, Report.objects.count()) == ("ignored", None, 0)


def test_filing_makes_an_email_report_and_links_the_message(as_user: Callable[[str], Client], store: Any,
                                                            staff: dict[str, Any]) -> None:
    message = store(mail())
    ana = as_user("ana")
    response = _file(ana, message, urls="https://forum.test/threads/9\nhttps://forum.test/u/x")
    assert response.status_code == 302 and response["Location"] == f"/console/mailbox/{message.pk}/"
    report = Report.objects.select_related("reporter").get()
    message.refresh_from_db()
    assert (report.channel, report.category, report.language) == ("email", "threat", "en")
    assert [u["url"] for u in report.urls] == ["https://forum.test/threads/9", "https://forum.test/u/x"]
    assert report.reporter.email == "ana@example.net" and "threatening me at home" in report.explanation
    assert (report.share_host, report.share_site_owner, report.share_law_enforcement) == ("none",) * 3
    assert report.good_faith is False and bytes(report.submission.raw) == bytes(message.raw)
    assert (message.status, message.report_id, message.reviewed_by) == ("processed", report.pk, staff["ana"])
    assert message.result == {"action": "filed", "by": "analyst", "user": staff["ana"].pk,
                              "report": str(report.pk), "was": "ignored", "reason": "not_a_report"}
    event = AuditEvent.objects.get(verb="mail.filed")
    assert (event.actor, event.object_type, event.object_id) == ("user:ana", "inbound_message", str(message.pk))
    assert event.payload == {"report": str(report.pk), "category": "threat", "was": "ignored",
                             "reason": "not_a_report"}
    assert AuditEvent.objects.filter(verb="report.received", object_id=str(report.pk)).exists()
    page = _body(ana.get(response["Location"]))
    assert "Filed as a report" in page and str(report.pk) in page and 'id="mailbox-file-form"' not in page
    assert f"message-{message.pk}" not in _body(ana.get("/console/mailbox/"))


def test_filing_twice_is_refused(as_user: Callable[[str], Client], store: Any) -> None:
    message = store(mail())
    assert _file(as_user("ana"), message).status_code == 302
    cho = as_user("cho")
    response = _file(cho, message, urls="https://other.test/x")
    assert response.status_code == 302
    assert "already filed or joined a report" in _body(cho.get(response["Location"]))
    assert Report.objects.count() == 1 and AuditEvent.objects.filter(verb="mail.filed").count() == 1
    assert as_user("cho").post(f"/console/mailbox/{message.pk}/dismiss/").status_code == 302
    assert InboundMessage.objects.get(pk=message.pk).reviewed_by.username == "ana"  # type: ignore[union-attr]


def test_a_message_the_reader_filed_is_refused(as_user: Callable[[str], Client], store: Any) -> None:
    filed = store(mail(body="Phishing: http://login.shop.test/x"))
    assert filed.status == "processed"
    _file(as_user("ana"), filed)
    assert Report.objects.count() == 1 and not AuditEvent.objects.filter(verb="mail.filed").exists()


def test_a_message_without_a_sender_or_unreadable_is_not_filed(as_user: Callable[[str], Client], store: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    nobody = store(b"Subject: threats\r\n\r\nThey are threatening me.\r\n")
    assert nobody.result["reason"] == "no_sender"
    ana = as_user("ana")
    response = _file(ana, nobody)
    assert response.status_code == 400
    assert "reporter.email (from the message): is not a valid e-mail address" in _body(response)

    def unreadable(*args: Any) -> Any:
        raise ValueError("a message no reader foresaw")

    monkeypatch.setattr("abusedesk.review.mailbox_filing.read_message", unreadable)
    message = store(mail(message_id="<u@example.net>"))
    response = _file(ana, message)
    assert "names no sender to file for" in _body(ana.get(response["Location"]))
    assert Report.objects.count() == 0 and not AuditEvent.objects.filter(verb="mail.filed").exists()


def test_dismiss_hides_the_message(as_user: Callable[[str], Client], store: Any, failed: Any) -> None:
    ignored = store(mail())
    client = as_user("ana")
    response = client.post(f"/console/mailbox/{ignored.pk}/dismiss/")
    assert response.status_code == 302 and response["Location"] == "/console/mailbox/"
    body = _body(client.get("/console/mailbox/"))
    assert f"message-{ignored.pk}" not in body and f"message-{failed.pk}" in body
    assert '<span class="badge">1<span' in body  # the navigation's count
    shown = _body(client.get("/console/mailbox/", {"reviewed": "on"}))
    assert f"message-{ignored.pk}" in shown and "dismissed by ana" in shown
    ignored.refresh_from_db()
    assert ignored.status == "ignored" and ignored.reviewed_by.username == "ana"
    event = AuditEvent.objects.get(verb="mail.dismissed")
    assert (event.actor, event.object_id, event.payload) == (
        "user:ana", str(ignored.pk), {"status": "ignored", "reason": "not_a_report"})
    again = client.post(f"/console/mailbox/{ignored.pk}/dismiss/")
    assert "already dismissed" in _body(client.get(again["Location"]))
    assert AuditEvent.objects.filter(verb="mail.dismissed").count() == 1


def test_the_mailbox_speaks_the_console_languages(as_user: Callable[[str], Client], store: Any) -> None:
    message = store(mail())
    client = as_user("ana")
    for lang, words in (("es", ("Buzón", "Ignorado", "Presentar como denuncia")),
                        ("ar", ("صندوق البريد", "تم تجاهلها", "تقديمها كبلاغ"))):
        client.cookies["django_language"] = lang
        body = _body(client.get("/console/mailbox/")) + _body(client.get(f"/console/mailbox/{message.pk}/"))
        assert all(w in body for w in words), lang
        assert f'<html lang="{lang}"' in body


def test_filing_takes_defanged_urls_written_plainly(as_user: Callable[[str], Client], store: Any) -> None:
    message = store(mail())
    ana = as_user("ana")
    response = _file(ana, message, urls="hxxps://forum[.]test/threads/9\nforum[dot]test/u/x\nhttps://forum.test/a")
    assert response.status_code == 302
    report = Report.objects.get()
    assert [u["url"] for u in report.urls] == ["https://forum.test/threads/9", "http://forum.test/u/x",
                                              "https://forum.test/a"]


def test_a_line_that_is_not_one_url_is_named_as_typed(as_user: Callable[[str], Client], store: Any) -> None:
    message = store(mail())
    page = _body(_file(as_user("ana"), message, urls="https://forum.test/a https://forum.test/b"))
    assert "URL 1 (https://forum.test/a https://forum.test/b)" in page
    assert not Report.objects.exists()
