"""In real Chromium: the case page follows a running site assessment (the runs fragment re-fetched by console.js,
no inline script, no CSP complaint) until it finishes, and the analyst cites the stored assessment in a decision
about the whole site."""

from __future__ import annotations

from typing import Any

import pytest

from abusedesk.assess.run import Progress
from abusedesk.cases.models import Case, Decision
from browser.conftest import PageWatch, browser  # noqa: F401 - the fixture, shared with tests/browser
from browser.test_browser_paths import _login

from .test_decision_citation import assessment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
POLICY = "Threats to life and credible threats of violence (threats-to-life v1)"


def test_the_page_follows_a_run_and_the_analyst_cites_its_assessment(
        live_server: Any, browser: Any, staff: Any, customers: Any, post_report: Any,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from abusedesk.assess.progress import RunRecord
    from abusedesk.jobs.worker import run_pending_jobs
    from abusedesk.review import assessment as runs_view
    from abusedesk.testing.factories import report_body

    monkeypatch.setattr(runs_view, "POLL_SECONDS", 2)
    post_report(report_body())
    run_pending_jobs()
    case = Case.objects.get(property__value="forum.test")
    record = RunRecord(case, engine="local", sources=["forum.warc.gz"], checkpoint=None, clock=lambda: 0.0)
    record.last = float("-inf")
    record.progress(Progress(posts=1000, scored=1000, fraction=0.1, elapsed=10.0))

    tab = _login(browser, live_server.url, "ana")
    watch = PageWatch(tab)
    tab.goto(f"{live_server.url}/console/cases/{case.pk}/")
    assert "1000 posts read" in tab.inner_text("#assessment-runs")
    record.last = float("-inf")
    record.progress(Progress(posts=5000, scored=5000, fraction=0.5, elapsed=50.0))
    tab.locator("#assessment-runs", has_text="5000 posts read").wait_for(timeout=15_000)  # no reload
    evidence = assessment(case)
    record.finished(evidence)
    tab.wait_for_selector("#assessment-runs .run-finished", timeout=15_000)
    assert tab.get_attribute("#assessment-runs", "data-poll") is None  # finished: the polling stopped
    assert not watch.csp, watch.csp
    watch.assert_clean()

    tab.goto(f"{live_server.url}/console/cases/{case.pk}/")
    tab.select_option("#id_outcome", "terminate_service")
    tab.select_option("#id_policy", label=POLICY)
    tab.check("input[name=scope][value=site]")
    tab.select_option("#id_assessment", str(evidence.pk))
    tab.fill("#id_reasoning", "Threats and doxxing are this forum's pattern.")
    tab.click("#decide-submit")
    tab.wait_for_selector(".decision-citation")
    assert evidence.body_sha256 in tab.inner_text(".decision-citation")
    assert Decision.objects.get().cited_assessment_id == evidence.pk
    watch.assert_clean()
