"""In real Chromium: an analyst selects every report of a 50-report campaign with "select all", closes them with a
reason and sees what happened to each (50 `report.closed` events, one per report); on the queue, selects all cases
of the page and closes them, one of them refused because another analyst holds it, said on its own line."""

from __future__ import annotations

import re
from typing import Any

import pytest

from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case
from abusedesk.common.severity import SEVERITY_RANK
from abusedesk.intake.models import Report
from abusedesk.review import claims
from abusedesk.testing.factories import PASSWORD, report_body

from .conftest import PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser: Any, base: str, username: str) -> Any:
    """The live stream is left out (another test's subject; on SQLite its long request would hold the test server's
    one in-memory database)."""
    context = browser.new_context()
    context.route(re.compile(r".*/console/live/.*"), lambda route: route.abort())
    tab = context.new_page()
    tab.goto(f"{base}/console/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_selector("#queue")
    tab.wait_for_load_state("load")  # the deferred scripts (keys.js, bulk.js) have run: a busy machine is slower
    return tab


def test_select_all_reports_of_a_campaign_and_close_them(live_server: Any, browser: Any, staff: Any,
                                                         customers: Any, post_report: Any, run_jobs: Any,
                                                         settings: Any) -> None:
    settings.INTAKE_RATE_ANONYMOUS = "100000/m"
    settings.EVIDENCE_CAPTURE = False
    for i in range(50):
        response = post_report(report_body(
            urls=["https://shop.test/item/7"], category="spam", explanation=f"Same copy of the shop ({i}).",
            reporter={"name": f"Reader {i}", "email": f"reader{i}@mail.test", "kind": "individual"}))
        assert response.status_code == 201, response.content
    run_jobs()
    case = Case.objects.get()
    assert case.reports.count() == 50

    tab = _login(browser, live_server.url, "ana")
    watch = PageWatch(tab)
    tab.goto(f"{live_server.url}/console/cases/{case.pk}/")
    tab.wait_for_selector("#bulk-all-reports", state="visible")  # the script shows the "all" box
    tab.check("#bulk-all-reports")
    assert tab.locator("input.bulk-pick:checked").count() == 50
    tab.wait_for_function("document.querySelector('#bulk-reports [data-bulk-count]').textContent.includes('50')")
    tab.select_option("#bulk-report-action", "close")
    tab.fill("#bulk-report-reason", "spam wave: copies of the same listing")
    tab.check("#bulk-close-case")
    tab.click("#bulk-reports-apply")
    tab.wait_for_selector("#bulk-results", timeout=30000)
    assert "51 items: 51 done, 0 refused." in tab.inner_text("#bulk-summary")
    assert tab.locator("#bulk-results tr.bulk-done").count() == 51
    watch.assert_clean()

    closed = AuditEvent.objects.filter(verb="report.closed")
    assert closed.count() == 50
    assert set(closed.values_list("object_id", flat=True)) == {str(pk) for pk in
                                                                Report.objects.values_list("pk", flat=True)}
    assert Case.objects.get(pk=case.pk).status == "closed"


def test_select_all_cases_on_the_queue_and_close_with_a_reason(live_server: Any, browser: Any, staff: Any) -> None:
    cases = [Case.objects.create(title=f"wave {i}", severity="S3", severity_rank=SEVERITY_RANK["S3"],
                                 group_key=f"property:wave-{i}") for i in range(6)]
    claims.claim(cases[2], staff["cho"])

    tab = _login(browser, live_server.url, "ana")
    watch = PageWatch(tab)
    tab.click("#bulk-select-all")  # with script: ticks the boxes in place
    assert tab.locator("input.bulk-pick:checked").count() == 6
    assert tab.locator("#queue th input.bulk-all").is_checked()
    tab.uncheck(f"#bulk-pick-case-{cases[5].pk}")
    tab.fill("#bulk-reason", "spam wave")
    tab.click("#bulk-apply")
    tab.wait_for_selector("#bulk-results", timeout=30000)
    assert "5 items: 4 done, 1 refused." in tab.inner_text("#bulk-summary")
    refused = tab.inner_text(f'#bulk-results tr[data-item="{cases[2].pk}"]')
    assert "Refused" in refused and "cho is working on this case" in refused
    watch.assert_clean()

    closed = set(AuditEvent.objects.filter(verb="case.closed").values_list("object_id", flat=True))
    assert closed == {str(cases[i].pk) for i in (0, 1, 3, 4)}
    assert Case.objects.get(pk=cases[5].pk).status == "open"


def test_without_script_select_all_is_a_link_that_ticks_every_box(live_server: Any, browser: Any,
                                                                  staff: Any) -> None:
    for i in range(3):
        Case.objects.create(title=f"wave {i}", severity="S3", severity_rank=SEVERITY_RANK["S3"],
                            group_key=f"property:plain-{i}")
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/console/login/")
    tab.fill("#id_username", "ana")
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_selector("#queue")
    tab.click("#bulk-select-all")
    tab.wait_for_selector("#bulk-clear")
    assert tab.locator("input.bulk-pick:checked").count() == 3
    tab.fill("#bulk-reason", "duplicates")
    tab.click("#bulk-apply")
    tab.wait_for_selector("#bulk-results")
    assert "3 items: 3 done, 0 refused." in tab.inner_text("#bulk-summary")
    context.close()


def test_x_ticks_the_focused_queue_row_for_a_bulk_action(live_server: Any, browser: Any, staff: Any) -> None:
    for i in range(3):
        Case.objects.create(title=f"wave {i}", severity="S3", severity_rank=SEVERITY_RANK["S3"],
                            group_key=f"property:keys-{i}")
    tab = _login(browser, live_server.url, "ana")
    watch = PageWatch(tab)
    order = tab.eval_on_selector_all("#queue tbody tr[data-case-id]", "rows => rows.map(r => r.dataset.caseId)")
    tab.keyboard.press("x")  # no row has the focus yet: nothing is ticked, and the page says so
    assert tab.locator("input.bulk-pick:checked").count() == 0
    assert tab.inner_text("#keys-status").strip()
    tab.keyboard.press("j")
    tab.keyboard.press("x")
    assert tab.is_checked(f"#bulk-pick-case-{order[0]}")
    tab.keyboard.press("j")
    tab.keyboard.press("x")
    assert tab.locator("input.bulk-pick:checked").count() == 2
    tab.keyboard.press("k")
    tab.keyboard.press("x")  # again on the first row: unticked
    assert not tab.is_checked(f"#bulk-pick-case-{order[0]}")
    assert tab.is_checked(f"#bulk-pick-case-{order[1]}")
    tab.fill("#bulk-reason", "duplicates")  # typing "x" in a field ticks nothing
    tab.keyboard.press("x")
    assert tab.locator("input.bulk-pick:checked").count() == 1
    watch.assert_clean()
