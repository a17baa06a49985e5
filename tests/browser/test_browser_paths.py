"""The human paths in real Chromium: a reporter's form (English and Arabic) and two analysts from the queue
to an approved termination. Attacker text in the report must never run, and the pages make no CSP errors."""

from __future__ import annotations

from typing import Any

import pytest

from abusedesk.cases.models import Case, Decision
from abusedesk.intake.models import Report
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.testing.factories import PASSWORD

from .conftest import PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script><svg onload=alert(3)>'


def _fill_report(page: Any, explanation: str) -> None:
    page.fill("#id_urls", "https://forum.test/threads/123")
    page.select_option("#id_category", "threat")
    page.fill("#id_explanation", explanation)
    page.fill("#id_reporter_name", "Rita Reporter")
    page.fill("#id_reporter_email", "rita@advocates.test")
    page.check("input[name=share_site_owner][value=none]")
    page.check("input[name=share_law_enforcement][value=send]")
    page.check("#id_good_faith")
    page.click("#submit-report")


def test_reporter_submits_the_form_in_english(live_server: Any, page: Any, customers: Any) -> None:
    tab, watch = page
    tab.goto(f"{live_server.url}/en/report/")
    _fill_report(tab, f"They posted her street. {XSS}")
    tab.wait_for_selector("#receipt")
    report = Report.objects.get()
    assert tab.inner_text("#report-id") == str(report.pk)
    assert report.channel == "web" and report.share_law_enforcement == "send"
    watch.assert_clean()


def test_form_errors_are_shown_and_nothing_is_stored(live_server: Any, page: Any) -> None:
    tab, watch = page
    tab.goto(f"{live_server.url}/en/report/")
    tab.fill("#id_urls", "file:///etc/passwd")
    tab.fill("#id_explanation", "x")
    tab.fill("#id_reporter_email", "rita@advocates.test")
    tab.check("#id_good_faith")
    tab.click("#submit-report")
    tab.wait_for_selector("#form-errors")
    assert "must start with http" in tab.content()
    assert not Report.objects.exists()
    watch.assert_clean()


def test_arabic_form_is_right_to_left(live_server: Any, page: Any) -> None:
    tab, watch = page
    tab.goto(f"{live_server.url}/ar/report/")
    assert tab.get_attribute("html", "dir") == "rtl"
    assert tab.get_attribute("html", "lang") == "ar"
    assert "الإبلاغ عن إساءة" in tab.inner_text("h1")
    direction = tab.evaluate("getComputedStyle(document.querySelector('main')).direction")
    assert direction == "rtl"
    watch.assert_clean()


def _login(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(f"{base}/console/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_selector("#queue")
    return tab


def test_two_analysts_from_queue_to_termination(live_server: Any, browser: Any, staff: Any, customers: Any,
                                                post_report: Any) -> None:
    from abusedesk.testing.factories import report_body

    post_report(report_body(explanation=f"Address and threat together. {XSS}"))
    run_pending_jobs()
    case = Case.objects.get()
    ana = _login(browser, live_server.url, "ana")
    watch = PageWatch(ana)
    ana.click(f"text={case.ref}")
    ana.wait_for_selector("#decision-form")
    assert "Address and threat together." in ana.inner_text(".explanation")
    ana.select_option("#id_outcome", "terminate_service")
    ana.select_option("#id_policy", label="Threats to life and credible threats of violence (threats-to-life v1)")
    ana.fill("#id_reasoning", "A credible threat against an identified person at her address.")
    ana.click("#decide-submit")
    ana.wait_for_selector(".decision-status")
    assert "Awaiting approval" in ana.inner_text(".decision-status")
    assert ana.query_selector("button.approve") is None  # the requester gets no approve button
    watch.assert_clean()

    cho = _login(browser, live_server.url, "cho")
    cho_watch = PageWatch(cho)
    cho.goto(f"{live_server.url}/console/cases/{case.pk}/")
    cho.click("button.approve")
    cho.wait_for_selector(".msg-success")
    assert "Effective" in cho.inner_text(".decision-status")
    cho_watch.assert_clean()
    decision = Decision.objects.get()
    assert decision.status == "effective" and decision.decided_by.username == "ana"
    assert [a.approver.username for a in decision.approvals.all()] == ["cho"]


def test_opening_evidence_makes_no_request_to_the_attacker(live_server: Any, browser: Any, staff: Any,
                                                           customers: Any, post_report: Any, settings: Any) -> None:
    """SECURITY-TESTS 20/21: evidence HTML with remote images, CSS imports and fonts; the reviewer's browser
    contacts nobody, runs nothing."""
    from abusedesk.testing.factories import report_body
    from abusedesk.testing.forum import Forum, thread_page

    attacker = Forum({"/pixel.png": "x", "/evil.css": "x", "/font.woff": "x"}, host="127.0.0.3")
    base = f"http://127.0.0.3:{attacker.port}"
    page_html = thread_page("Thread", [("anon", f'She lives at 83 Harrow Lane, Leeds LS6 2QT. {XSS}'),
                                       ("anon2", f'<img src="{base}/pixel.png"> visit her')],
                            extra=f'<link rel="stylesheet" href="{base}/evil.css">'
                                  f'<style>@import url("{base}/evil.css");'
                                  f'@font-face {{font-family:x; src:url("{base}/font.woff")}}</style>')
    forum = Forum({"/t/1": page_html}, host="127.0.0.2")
    settings.EVIDENCE_STATIC_HOSTS = {"forum.test": "127.0.0.2"}
    settings.EVIDENCE_ALLOW_NETWORKS = ["127.0.0.2/32"]
    try:
        post_report(report_body(urls=[f"http://forum.test:{forum.port}/t/1"]))
        run_pending_jobs()
        tab = _login(browser, live_server.url, "ana")
        watch = PageWatch(tab)
        tab.goto(f"{live_server.url}/console/cases/{Case.objects.get().pk}/")
        tab.wait_for_selector(".evidence-text")
        assert "83 Harrow Lane" in tab.inner_text(".evidence-text")
        tab.wait_for_timeout(500)
        watch.assert_clean()
        assert attacker.requests == []
    finally:
        attacker.close()
        forum.close()
