"""In real Chromium: the second analyst sends a decision back with a reason, the first sees it and decides
again, and the second rejects that one. Nothing is enforced."""

from __future__ import annotations

from typing import Any

import pytest

from abusedesk.cases.models import Case, Decision
from abusedesk.jobs.worker import run_pending_jobs

from .conftest import PageWatch
from .test_browser_paths import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
POLICY = "Threats to life and credible threats of violence (threats-to-life v1)"


def _decide(tab: Any, reasoning: str) -> None:
    tab.select_option("#id_outcome", "terminate_service")
    tab.select_option("#id_policy", label=POLICY)
    tab.fill("#id_reasoning", reasoning)
    tab.click("#decide-submit")
    tab.wait_for_selector(".decision-status")


def test_send_back_then_reject(live_server: Any, browser: Any, staff: Any, customers: Any,
                               post_report: Any) -> None:
    from abusedesk.testing.factories import report_body

    post_report(report_body())
    run_pending_jobs()
    case = Case.objects.get()
    ana = _login(browser, live_server.url, "ana")
    watch = PageWatch(ana)
    ana.goto(f"{live_server.url}/console/cases/{case.pk}/")
    _decide(ana, "A credible threat.")
    assert ana.query_selector("button.reject") is None  # the requester cannot answer their own decision

    cho = _login(browser, live_server.url, "cho")
    cho_watch = PageWatch(cho)
    cho.goto(f"{live_server.url}/console/cases/{case.pk}/")
    cho.fill(".return-decision textarea", "Quote the threatening post in the facts.")
    cho.click("button.send-back")
    cho.wait_for_selector(".msg-success")
    assert "Sent back for changes" in cho.inner_text(".decision-status")

    ana.goto(f"{live_server.url}/console/cases/{case.pk}/")
    assert "Quote the threatening post in the facts." in ana.inner_text(".returned-reason")
    _decide(ana, "A credible threat: 'we know where you live' under her address.")

    cho.goto(f"{live_server.url}/console/cases/{case.pk}/")
    cho.click("button.reject")  # no reason: the browser refuses to send the form
    assert Decision.objects.filter(status="awaiting_approval").count() == 1
    cho.fill(f"#decision-{Decision.objects.get(status='awaiting_approval').pk} .return-decision textarea",
             "Not credible: it is a film quote.")
    cho.click("button.reject")
    cho.wait_for_selector(".msg-success")
    assert sorted(Decision.objects.values_list("status", flat=True)) == ["rejected", "sent_back"]
    assert not Decision.objects.filter(approvals__isnull=False).exists()
    watch.assert_clean()
    cho_watch.assert_clean()
