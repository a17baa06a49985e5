"""Forwards to the real host when we only proxy, with the reporter's identity only as they chose — and a
canary reporter whose tokens must appear nowhere they did not allow (messages, payloads, API, logs)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from abusedesk.attribution.importer import ImportError_, import_records
from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Notice
from abusedesk.enforcement.outbound import redact_reporter
from abusedesk.testing.factories import report_body
from abusedesk.testing.forum import Forum, thread_page
from abusedesk.testing.peers import SmtpSink, WebhookReceiver

pytestmark = pytest.mark.django_db
CANARY = {"name": "Zelda Qwxcanary", "email": "qwx-canary-77@reporters.test", "phone": "+44 28 9099 7777"}
CANARY_TOKENS = ("Zelda", "Qwxcanary", "qwx-canary-77", "9099 7777", "90997777")


@pytest.fixture
def forum() -> Iterator[Forum]:
    server = Forum({"/threads/123": thread_page("Thread", [("anon", "She lives at 83 Harrow Lane, Leeds LS6 2QT."),
                                                          ("anon2", "Someone should visit her.")])},
                   host="127.0.0.2")
    yield server
    server.close()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def proxied(settings: Any, webhook: WebhookReceiver, policies: Any) -> Any:
    settings.EVIDENCE_STATIC_HOSTS = {"forum.test": "127.0.0.2", "hooks.hosting.test": "127.0.0.1"}
    settings.EVIDENCE_ALLOW_NETWORKS = ["127.0.0.1/32", "127.0.0.2/32"]
    settings.WEBHOOK_SIGNING_SECRET = "test-secret"
    import_records([{"id": "forum-op", "name": "Forum Operator LLC", "properties": [{
        "domain": "forum.test", "services": ["proxy"],
        "origin": {"ip": "192.0.2.10", "provider": "Example Hosting", "abuse_email": "abuse@hosting.test",
                   "webhook_url": f"http://hooks.hosting.test:{webhook.port}/abuse"}}]}])
    return settings


def _report(post_report: Any, forum: Forum, share_host: str) -> str:
    body = report_body(
        urls=[f"http://forum.test:{forum.port}/threads/123"], category="doxxing",
        explanation=f"I am {CANARY['name']} ({CANARY['email']}, {CANARY['phone']}). They posted her street.",
        reporter={**CANARY, "kind": "individual"},
        share_identity={"host": share_host, "site_owner": "none", "law_enforcement": "send"})
    response = post_report(body)
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def _host_messages() -> list[Any]:
    return [m for m in mail.outbox if "abuse@hosting.test" in m.to]


def _assert_no_canary(text: str, where: str) -> None:
    for token in CANARY_TOKENS:
        assert token not in text, f"{token!r} leaked into {where}"


def test_forward_carries_evidence_and_no_trace_of_a_reporter_who_chose_none(
        proxied: Any, forum: Forum, webhook: WebhookReceiver, post_report: Any, run_jobs: Any, client: Client,
        staff_token: str, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    report_id = _report(post_report, forum, "none")
    run_jobs()
    [message] = _host_messages()
    text = message.subject + message.body + str(message.extra_headers)
    _assert_no_canary(text, "the e-mail forward")
    assert "192.0.2.10" in message.body
    capture_hash = Notice.objects.get(channel="email", kind="host_forward").report.evidence.get().body_sha256
    assert capture_hash and capture_hash in message.body
    [call] = webhook.calls
    _assert_no_canary(call["body"].decode(), "the webhook forward")
    assert "reporter" not in call["json"]["forward"] and "notice_text" not in call["json"]["forward"]
    # every other outbound path and the logs
    for notice in Notice.objects.exclude(recipient_role="reporter"):
        _assert_no_canary(notice.subject + notice.body + notice.to_address, f"notice {notice.kind}")
    _assert_no_canary(json.dumps(list(AuditEvent.objects.values("payload"))), "the audit trail")
    api = client.get(f"/api/v1/reports/{report_id}", HTTP_AUTHORIZATION=f"Bearer {staff_token}")
    _assert_no_canary(api.content.decode(), "the staff API")
    _assert_no_canary(caplog.text, "the logs")


def test_anonymous_forward_keeps_the_words_and_redacts_the_reporter(proxied: Any, forum: Forum, post_report: Any,
                                                                    run_jobs: Any) -> None:
    _report(post_report, forum, "anonymous")
    run_jobs()
    [message] = _host_messages()
    assert "They posted her street." in message.body
    assert "remain anonymous" in message.body
    _assert_no_canary(message.body, "the anonymous forward")


def test_send_discloses_the_reporter_to_the_host(proxied: Any, forum: Forum, post_report: Any,
                                                 run_jobs: Any) -> None:
    _report(post_report, forum, "send")
    run_jobs()
    [message] = _host_messages()
    assert "Zelda Qwxcanary <qwx-canary-77@reporters.test>" in message.body


def test_webhook_is_signed_and_sent_once(proxied: Any, forum: Forum, webhook: WebhookReceiver, post_report: Any,
                                         run_jobs: Any) -> None:
    from abusedesk.enforcement.forwarding import forward_report

    report_id = _report(post_report, forum, "none")
    run_jobs()
    forward_report.call(report_id)  # a retried job
    run_jobs()
    [call] = webhook.calls
    headers = {k.lower(): v for k, v in call["headers"].items()}
    timestamp, mac = (part.split("=", 1)[1] for part in headers["x-abusedesk-signature"].split(","))
    expected = hmac.new(b"test-secret", timestamp.encode() + b"." + call["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert headers["x-abusedesk-delivery"] == str(Notice.objects.get(channel="webhook").pk)
    assert len(_host_messages()) == 1


def test_webhook_to_a_private_address_is_refused_when_saved(settings: Any, db: Any) -> None:
    settings.EVIDENCE_STATIC_HOSTS = {}
    with pytest.raises(ImportError_, match=r"origin\.webhook_url may not be contacted"):
        import_records([{"id": "x", "name": "X", "properties": [{"domain": "x.test", "services": ["proxy"],
                                                                 "origin": {"webhook_url": "http://10.0.0.1/"}}]}])


def test_webhook_re_pointed_to_loopback_is_refused_when_sent(proxied: Any, forum: Forum, webhook: WebhookReceiver,
                                                             post_report: Any, run_jobs: Any) -> None:
    # The receiver's name leads to a loopback address the policy no longer allows (re-pointed after saving).
    proxied.EVIDENCE_ALLOW_NETWORKS = ["127.0.0.2/32"]
    _report(post_report, forum, "none")
    run_jobs()
    assert webhook.calls == []
    notice = Notice.objects.get(channel="webhook")
    assert notice.status == "pending" and notice.last_error.startswith("blocked")
    assert len(_host_messages()) == 1  # the e-mail channel still delivers


def test_redaction_finds_the_reporter_in_any_spacing() -> None:
    text = "Call me (Zelda) on +44 (28) 9099-7777 or qwx-canary-77@reporters.test. Zelda Qwxcanary."
    out = redact_reporter(text, name=CANARY["name"], email=CANARY["email"], phone=CANARY["phone"])
    _assert_no_canary(out, "redacted text")


def test_real_smtp_delivery_is_at_most_once(settings: Any, proxied: Any, forum: Forum, post_report: Any,
                                            run_jobs: Any) -> None:
    sink = SmtpSink()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        _report(post_report, forum, "none")
        run_jobs()
        forwards = [m for m in sink.messages if "abuse@hosting.test" in m["to"]]
        assert len(forwards) == 1
        assert "Message-ID: <notice-" in forwards[0]["data"]
        _assert_no_canary(forwards[0]["data"], "the SMTP forward")
        # a worker that died mid-send leaves `sending`; the re-run never sends a second copy
        from abusedesk.enforcement.notices import deliver_notice

        notice = Notice.objects.filter(kind="receipt").first()
        assert notice is not None
        Notice.objects.filter(pk=notice.pk).update(status="sending")
        before = len(sink.messages)
        assert deliver_notice.call(str(notice.pk)) == "uncertain"
        assert len(sink.messages) == before
        assert AuditEvent.objects.filter(verb="notice.uncertain").exists()
    finally:
        sink.close()
