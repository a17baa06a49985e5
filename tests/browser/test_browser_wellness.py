"""In real Chromium: an evidence image is blurred and grey by computed style until the analyst presses "Show
image" (mouse or keyboard), is blurred again after a reload, and stays blurred without script until the form
is posted. The reveal counts in the header's shift panel. No CSP error, no script from the site."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from abusedesk.cases.models import Case
from abusedesk.evidence.models import Evidence
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.shifts.models import WellnessProfile
from abusedesk.testing.factories import PASSWORD, report_body
from abusedesk.testing.images import solid_png

from .conftest import PageWatch
from .test_browser_paths import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IMG = "document.querySelector('#media-{pk} img')"
FILTER = f"{IMG} && getComputedStyle({IMG}).filter"
LOADED = f"{IMG}.complete && {IMG}.naturalWidth > 0"


@pytest.fixture
def image_case(staff: Any, customers: Any, post_report: Any) -> tuple[Case, Evidence]:
    post_report(report_body())
    run_pending_jobs()
    case = Case.objects.get()
    item = Evidence.objects.create(case=case, url='https://forum.test/"><img src=x onerror=alert(9)>.png',
                                   status="captured", settled=True, fetched_at=timezone.now(),
                                   headers={"content-type": "image/png"}, body=solid_png(240, 160), text="")
    return case, item


def _filter(tab: Any, item: Evidence) -> str:
    return str(tab.evaluate(FILTER.format(pk=item.pk)))


def _until(tab: Any, expression: str, expected: Any = True) -> None:
    """Poll an expression (Playwright's wait_for_function evaluates strings, which our CSP refuses)."""
    for _ in range(150):
        if tab.evaluate(expression) == expected:
            return
        tab.wait_for_timeout(100)
    pytest.fail(f"{expression} never became {expected!r}: {tab.evaluate(expression)!r}")


def _wait_filter(tab: Any, item: Evidence, expected: str) -> None:
    _until(tab, FILTER.format(pk=item.pk), expected)


def test_an_evidence_image_is_blurred_until_clicked_and_after_a_reload(live_server: Any, browser: Any,
                                                                      image_case: Any) -> None:
    case, item = image_case
    tab = _login(browser, live_server.url, "ana")
    watch = PageWatch(tab)
    tab.goto(f"{live_server.url}/console/cases/{case.pk}/")
    _until(tab, LOADED.format(pk=item.pk))
    assert _filter(tab, item) == "blur(24px) grayscale(1)"
    button = tab.locator(f"#media-{item.pk} .wellness-toggle")
    assert button.get_attribute("aria-pressed") == "false"
    assert tab.inner_text("#wellness-count") == "1"  # the threat case itself
    button.click()
    _wait_filter(tab, item, "none")
    assert button.get_attribute("aria-pressed") == "true"
    _until(tab, "document.getElementById('wellness-count').textContent", "2")
    assert tab.url.endswith(f"/console/cases/{case.pk}/")  # revealed in place, no navigation
    button.click()  # blur it again
    _wait_filter(tab, item, "blur(24px) grayscale(1)")

    button.click()
    _wait_filter(tab, item, "none")
    tab.reload()
    _until(tab, LOADED.format(pk=item.pk))
    assert _filter(tab, item) == "blur(24px) grayscale(1)"
    assert tab.locator(f"#media-{item.pk} .wellness-toggle").get_attribute("aria-pressed") == "false"
    assert WellnessProfile.objects.get(user__username="ana").shift_reveals == 1  # the same image: counted once
    watch.assert_clean()
    assert not watch.csp, watch.csp


def test_the_keyboard_reveals_an_image(live_server: Any, browser: Any, image_case: Any) -> None:
    case, item = image_case
    tab = _login(browser, live_server.url, "ana")
    watch = PageWatch(tab)
    tab.goto(f"{live_server.url}/console/cases/{case.pk}/")
    _until(tab, LOADED.format(pk=item.pk))
    toggle = f"#media-{item.pk} .wellness-toggle"
    for _ in range(200):  # Tab through the page to the button, as a keyboard user would
        tab.keyboard.press("Tab")
        if tab.evaluate(f"document.activeElement === document.querySelector({toggle!r})"):
            break
    else:
        pytest.fail("the Show image button is not reachable with Tab")
    outline = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in {"", "none"}  # a visible focus ring
    tab.keyboard.press("Enter")
    _wait_filter(tab, item, "none")
    assert tab.get_attribute(toggle, "aria-pressed") == "true"
    tab.keyboard.press(" ")  # Space toggles it back
    _wait_filter(tab, item, "blur(24px) grayscale(1)")
    assert tab.get_attribute(toggle, "aria-pressed") == "false"
    watch.assert_clean()
    assert not watch.csp, watch.csp


def test_without_script_the_image_stays_blurred_until_the_form_is_posted(live_server: Any, browser: Any,
                                                                        image_case: Any) -> None:
    case, item = image_case
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/console/login/")
    tab.fill("#id_username", "ana")
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_selector("#queue")
    tab.goto(f"{live_server.url}/console/cases/{case.pk}/")
    figure = tab.locator(f"#media-{item.pk}")
    assert "is-blurred" in (figure.get_attribute("class") or "")
    assert _filter(tab, item) == "blur(24px) grayscale(1)"
    tab.click(f"#media-{item.pk} .wellness-toggle")
    tab.wait_for_url(f"**/console/cases/{case.pk}/#media-{item.pk}", timeout=15_000)
    assert "is-blurred" not in (tab.locator(f"#media-{item.pk}").get_attribute("class") or "")
    assert _filter(tab, item) == "none"
    tab.reload()
    assert "is-blurred" in (tab.locator(f"#media-{item.pk}").get_attribute("class") or "")
    assert WellnessProfile.objects.get(user__username="ana").shift_reveals == 1
    context.close()
