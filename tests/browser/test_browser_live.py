"""Live console and keyboard triage in real Chromium: what one analyst (or the pipeline) changes shows in another
analyst's open queue and case page without a reload; the shortcuts, the help dialog and its focus handling.
Waits poll with generous timeouts; nothing here asserts how fast an update arrives."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from abusedesk.cases import actions
from abusedesk.cases.models import Case, PolicyClause
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.review import live
from abusedesk.review.models import Claim
from abusedesk.testing.factories import PASSWORD, report_body

from .conftest import PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 30_000  # ms: generous, the stream polls the database every fraction of a second here


@pytest.fixture(autouse=True)
def _quick_streams(monkeypatch: Any) -> None:
    """Short streams, so none outlives its test in the live server's threads; they reconnect meanwhile."""
    monkeypatch.setattr(live, "STREAM_SECONDS", 4.0)
    monkeypatch.setattr(live, "POLL_SECONDS", 0.3)
    monkeypatch.setattr(live, "REDIS_WAKE_SECONDS", 1.0)
    monkeypatch.setattr(live, "RETRY_MS", 300)


@pytest.fixture
def tabs(browser: Any, live_server: Any) -> Iterator[list[Any]]:
    """Browser contexts, closed at the end; then the live server's streams notice and end, before the test's
    database goes away under them."""
    contexts: list[Any] = []
    yield contexts
    for context in contexts:
        context.close()
    deadline = time.monotonic() + 30
    while live.open_streams() and time.monotonic() < deadline:
        time.sleep(0.1)


def _login(browser: Any, tabs: list[Any], base: str, username: str) -> tuple[Any, PageWatch]:
    context = browser.new_context()
    tabs.append(context)
    tab = context.new_page()
    watch = PageWatch(tab)
    tab.goto(f"{base}/console/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_selector("#queue")
    return tab, watch


def _file_case(post_report: Any, url: str = "https://forum.test/threads/123") -> Case:
    post_report(report_body(urls=[url]))
    run_pending_jobs()
    return Case.objects.order_by("-pk").first()  # type: ignore[return-value]


def _mark(tab: Any) -> None:
    tab.evaluate("window.__notReloaded = true")


def _not_reloaded(tab: Any) -> bool:
    return bool(tab.evaluate("window.__notReloaded === true"))


def test_changes_in_one_browser_show_in_the_others_queue(live_server: Any, browser: Any, tabs: list[Any],
                                                          staff: Any, customers: Any, post_report: Any) -> None:
    case = _file_case(post_report)
    cho, cho_watch = _login(browser, tabs, live_server.url, "cho")
    ana, _ = _login(browser, tabs, live_server.url, "ana")
    _mark(cho)
    row = f'#queue tr[data-case-id="{case.pk}"]'

    box = cho.query_selector(f"{row} input[type=checkbox]")  # a bulk selection, when the queue offers one
    if box is not None:
        box.check()

    # ana claims the case in her browser; cho's queue shows who has it
    ana.goto(f"{live_server.url}/console/cases/{case.pk}/")
    ana.click("#claim-submit")
    ana.wait_for_selector(".msg-success")
    expect(cho.locator(f"{row} .claim-cell")).to_contain_text("ana", timeout=WAIT)
    if box is not None:  # the refreshed row keeps the tick
        assert cho.is_checked(f"{row} input[type=checkbox]")

    # the pipeline raises it to S0: the row's badge changes and the S0 banner appears
    actions.do_raise_severity(Case.objects.get(pk=case.pk), "S0", "threat and address")
    expect(cho.locator(f"{row} .badge")).to_have_text("S0", timeout=WAIT)
    expect(cho.locator("#s0-banners .page-banner")).to_have_count(1, timeout=WAIT)

    # a new case is filed: a bar offers to show it, and the rows already shown stay where they are
    other = _file_case(post_report, "https://shop.test/listing/9")
    expect(cho.locator("#live-text")).to_contain_text("1", timeout=WAIT)
    assert cho.query_selector(f'#queue tr[data-case-id="{other.pk}"]') is None
    assert _not_reloaded(cho)
    cho.click("#live-action")
    cho.wait_for_selector(f'#queue tr[data-case-id="{other.pk}"]', timeout=WAIT)
    cho_watch.assert_clean()
    assert not cho_watch.csp


def test_a_claim_shows_on_the_other_analysts_case_page(live_server: Any, browser: Any, tabs: list[Any],
                                                        staff: Any, customers: Any, post_report: Any) -> None:
    case = _file_case(post_report)
    cho, cho_watch = _login(browser, tabs, live_server.url, "cho")
    cho.goto(f"{live_server.url}/console/cases/{case.pk}/")
    assert "ana" not in cho.inner_text("#claim-panel")
    _mark(cho)
    ana, _ = _login(browser, tabs, live_server.url, "ana")
    ana.goto(f"{live_server.url}/console/cases/{case.pk}/")
    ana.click("#claim-submit")
    expect(cho.locator("#claim-panel")).to_contain_text("ana", timeout=WAIT)
    expect(cho.locator("#live-text")).to_contain_text("ana", timeout=WAIT)
    actions.do_set_severity(Case.objects.get(pk=case.pk), "S3", "Checked: a quote.", acting_user=staff["ben"])
    expect(cho.locator("h1 .badge")).to_have_text("S3", timeout=WAIT)
    expect(cho.locator("#live-action")).to_be_visible(timeout=WAIT)  # offers a reload for the rest
    assert _not_reloaded(cho)
    cho_watch.assert_clean()
    assert not cho_watch.csp


def test_help_dialog_opens_traps_focus_and_closes(live_server: Any, browser: Any, tabs: list[Any],
                                                   staff: Any, customers: Any, post_report: Any) -> None:
    _file_case(post_report)
    tab, watch = _login(browser, tabs, live_server.url, "aud")
    tab.keyboard.press("?")
    dialog = tab.locator("#keys-help")
    dialog.wait_for(state="visible")
    assert dialog.get_attribute("role") == "dialog" and dialog.get_attribute("aria-modal") == "true"
    assert tab.evaluate("document.getElementById('keys-help').open")
    inside = "document.getElementById('keys-help').contains(document.activeElement)"
    assert tab.evaluate(inside)
    for _ in range(3):
        tab.keyboard.press("Tab")
        assert tab.evaluate(inside)
    tab.keyboard.press("Shift+Tab")
    assert tab.evaluate(inside)
    tab.keyboard.press("j")  # no shortcut while the help is open
    tab.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert not tab.evaluate("document.getElementById('keys-help').open")
    tab.click("#keys-hint")  # the mouse (or Tab + Enter) way in
    dialog.wait_for(state="visible")
    tab.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert tab.evaluate("document.activeElement.id") == "keys-hint"  # focus goes back where it was
    watch.assert_clean()


def test_j_k_move_through_the_queue_and_enter_opens(live_server: Any, browser: Any, tabs: list[Any],
                                                    staff: Any, customers: Any, post_report: Any) -> None:
    first = _file_case(post_report)
    second = _file_case(post_report, "https://shop.test/listing/9")
    tab, watch = _login(browser, tabs, live_server.url, "ana")
    order = [int(pk) for pk in tab.eval_on_selector_all("#queue tbody tr[data-case-id]",
                                                        "rows => rows.map(r => r.dataset.caseId)")]
    assert sorted(order) == sorted([first.pk, second.pk])
    focused_row = "document.activeElement.closest('tr') && document.activeElement.closest('tr').dataset.caseId"
    tab.keyboard.press("j")
    assert tab.evaluate(focused_row) == str(order[0])
    tab.keyboard.press("j")
    assert tab.evaluate(focused_row) == str(order[1])
    tab.keyboard.press("k")
    assert tab.evaluate(focused_row) == str(order[0])
    assert tab.evaluate("document.activeElement.matches(':focus-visible')")  # a visible focus ring
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/console/cases/{order[0]}/")
    tab.keyboard.press("j")  # on a case page: the next case of the queue page it came from
    tab.wait_for_url(f"**/console/cases/{order[1]}/")
    tab.keyboard.press("k")
    tab.wait_for_url(f"**/console/cases/{order[0]}/")
    tab.keyboard.press("g")
    tab.keyboard.press("q")
    tab.wait_for_selector("#queue")
    watch.assert_clean()


def test_case_shortcuts_claim_evidence_decide_approve_next(live_server: Any, browser: Any, tabs: list[Any],
                                                           staff: Any, customers: Any, post_report: Any) -> None:
    case = _file_case(post_report)
    other = _file_case(post_report, "https://shop.test/listing/9")
    tab, watch = _login(browser, tabs, live_server.url, "cho")
    tab.goto(f"{live_server.url}/console/cases/{case.pk}/")

    tab.keyboard.press("d")
    assert tab.evaluate("document.activeElement.closest('#decision-form') !== null")
    tab.keyboard.press("c")  # typing in the form: no shortcut
    assert not Claim.objects.exists()
    tab.evaluate("document.activeElement.blur()")

    tab.keyboard.press("e")
    assert tab.evaluate("document.activeElement.matches('section.evidence, #evidence')")
    tab.keyboard.press("c")
    tab.wait_for_selector("#release-submit")
    assert Claim.objects.get(released_at__isnull=True).user == staff["cho"]

    tab.locator("#id_reasoning").press_sequentially("j k g q ? n")  # letters typed into a field stay there
    assert tab.input_value("#id_reasoning") == "j k g q ? n"
    assert not tab.evaluate("document.getElementById('keys-help').open")
    assert tab.url.endswith(f"/console/cases/{case.pk}/")
    tab.evaluate("document.activeElement.blur()")

    tab.keyboard.press("a")  # nothing awaits approval here: says so, moves nowhere
    expect(tab.locator("#keys-status")).to_have_text(re.compile(r"\w"))

    policy = PolicyClause.objects.get(code="threats-to-life", version=1)
    actions.do_decide(Case.objects.get(pk=case.pk), actions.DecisionInput(
        outcome="terminate_service", policy_id=policy.pk, reasoning="A credible threat.", facts="",
        notice_hours=0), acting_user=staff["ana"])
    tab.reload()
    tab.keyboard.press("a")
    assert tab.evaluate("document.activeElement.matches('button.approve')")  # focused, not pressed
    assert Case.objects.get(pk=case.pk).decisions.get().status == "awaiting_approval"

    tab.evaluate("document.activeElement.blur()")
    tab.keyboard.press("n")  # next case: the most urgent one nobody holds
    tab.wait_for_url(f"**/console/cases/{other.pk}/")
    assert Claim.objects.get(case=other, released_at__isnull=True).user == staff["cho"]
    watch.assert_clean()
