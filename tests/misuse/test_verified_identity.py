"""Issue 11: misuse (DSA Art. 23) is counted per verified identity — an API token, or an e-mail whose mailbox
confirmed the notice from its receipt — so junk filed under someone else's address suspends nobody; and receipts
to unverified addresses carry no attacker-chosen links (no relay for spam or phishing)."""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

import pytest
from django.core import mail, signing
from django.test import Client

from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.intake.confirm import SALT
from abusedesk.intake.models import Report, Reporter
from abusedesk.misuse.models import MisuseStep
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db
ADVOCATE = {"name": "Ada Advocate", "email": "ada@advocates.test", "kind": "individual"}
CONFIRM = re.compile(r"/[a-z]{2}/report/confirm/[^/\s]+/")
STATUS = re.compile(r"/[a-z]{2}/report/status/[^/\s]+/")


@pytest.fixture
def thresholds(settings: Any) -> Any:
    settings.MISUSE_WARN_AFTER, settings.MISUSE_SUSPEND_AFTER = 2, 3
    return settings


def _file(post_report: Any, run_jobs: Any, n: int, **extra: Any) -> list[Report]:
    for i in range(n):
        body = report_body(reporter=ADVOCATE, explanation=f"Junk number {i}")
        assert post_report(body, REMOTE_ADDR=f"192.0.2.{i}", **extra).status_code == 201
    run_jobs()
    return list(Report.objects.order_by("received_at"))


def _receipt(report: Report) -> Any:
    [message] = [m for m in mail.outbox if str(report.pk) in m.subject and "received" in m.subject]
    return message


def _confirm(report: Report) -> None:
    link = CONFIRM.search(_receipt(report).body)
    assert link, _receipt(report).body
    client = Client()
    page = client.get(link.group(0))
    assert page.status_code == 200 and 'id="confirm-button"' in page.content.decode()
    assert Report.objects.get(pk=report.pk).reporter_confirmed_at is None  # following the link confirms nothing
    assert 'id="confirmed"' in client.post(link.group(0), {"confirm": "yes"}).content.decode()


def _mark_all(reports: list[Report], user: Any) -> None:
    for report in reports:
        actions.do_mark_unfounded(report, acting_user=user, reason="junk")


def test_junk_under_someone_elses_address_suspends_nobody(customers: Any, staff: Any, post_report: Any,
                                                          run_jobs: Any, thresholds: Any) -> None:
    _mark_all(_file(post_report, run_jobs, 3), staff["ana"])
    assert not MisuseStep.objects.exists()
    assert post_report(report_body(reporter=ADVOCATE), REMOTE_ADDR="192.0.2.50").status_code == 201


def test_notices_the_mailbox_confirmed_count(customers: Any, staff: Any, post_report: Any, run_jobs: Any,
                                             thresholds: Any, caplog: Any) -> None:
    reports = _file(post_report, run_jobs, 3)
    for report in reports:
        _confirm(report)
    assert Reporter.objects.get().email_confirmed_at is not None
    assert AuditEvent.objects.filter(verb="report.confirmed").count() == 3
    assert "ada@advocates.test" not in caplog.text
    _mark_all(reports, staff["ana"])
    assert MisuseStep.objects.filter(kind="suspension").exists()
    refused = post_report(report_body(reporter=ADVOCATE), REMOTE_ADDR="192.0.2.50")
    assert refused.status_code == 403 and refused.json()["error"] == "reporter_suspended"


def test_confirming_one_notice_does_not_confirm_the_others(customers: Any, staff: Any, post_report: Any,
                                                           run_jobs: Any, thresholds: Any) -> None:
    reports = _file(post_report, run_jobs, 3)
    _confirm(reports[0])
    _mark_all(reports, staff["ana"])
    assert not MisuseStep.objects.exists()  # one confirmed unfounded notice: under the warning threshold


def test_a_tokens_notices_count_for_the_token(customers: Any, staff: Any, post_report: Any, run_jobs: Any,
                                              thresholds: Any, flagger_token: str) -> None:
    _mark_all(_file(post_report, run_jobs, 3, token=flagger_token), staff["ana"])
    step = MisuseStep.objects.get(kind="suspension")
    assert step.token is not None and step.email_index == ""
    assert post_report(report_body(), token=flagger_token).status_code == 403
    assert post_report(report_body(reporter=ADVOCATE), REMOTE_ADDR="192.0.2.60").status_code == 201


def test_confirmation_links_are_signed_and_expire(customers: Any, post_report: Any, run_jobs: Any,
                                                  settings: Any) -> None:
    [report] = _file(post_report, run_jobs, 1)
    link = CONFIRM.search(_receipt(report).body).group(0)
    client = Client()
    assert client.post(link[:-3] + "xx/", {"confirm": "yes"}).status_code == 404
    assert client.post(link.replace(str(report.pk)[:8], "00000000"), {"confirm": "yes"}).status_code == 404
    with mock.patch("django.core.signing.time.time", return_value=1_000_000_000):
        old = signing.TimestampSigner(salt=SALT).sign(str(report.pk))
    assert client.post(f"/en/report/confirm/{old}/", {"confirm": "yes"}).status_code == 404
    assert Report.objects.get().reporter_confirmed_at is None


def test_receipts_to_unverified_addresses_carry_no_attacker_links(customers: Any, post_report: Any,
                                                                  run_jobs: Any, flagger_token: str) -> None:
    post_report(report_body(reporter=ADVOCATE, urls=["https://forum.test/threads/1?go=https://phish.test/login"],
                            explanation="Visit https://phish.test/login now"))
    post_report(report_body(reporter=ADVOCATE, urls=["https://phish.test/login"]), REMOTE_ADDR="192.0.2.7")
    run_jobs()
    notices = [m for m in mail.outbox if m.to == ["ada@advocates.test"]]
    assert len(notices) == 2  # the receipt, and the answer that the second site is not ours
    for message in notices:
        assert "phish" not in message.body and "forum.test" not in message.body and "lookup" not in message.body
        assert STATUS.search(message.body)
    receipt = next(m for m in notices if "received" in m.subject)
    assert CONFIRM.search(receipt.body) and str(Report.objects.earliest("received_at").pk) in receipt.body
    mail.outbox.clear()
    post_report(report_body(urls=["https://forum.test/threads/2"]), token=flagger_token)
    run_jobs()
    [vouched] = mail.outbox
    assert "https://forum.test/threads/2" in vouched.body and not CONFIRM.search(vouched.body)


def test_the_receipt_speaks_the_reporters_language(customers: Any, post_report: Any, run_jobs: Any) -> None:
    post_report(report_body(reporter=ADVOCATE, language="es"))
    run_jobs()
    [receipt] = mail.outbox
    assert "Si usted envió esta denuncia, confírmela: http" in receipt.body and "/es/report/confirm/" in receipt.body
