"""The report form's problems in real Chromium: all at once, in Arabic, right to left with the URL isolated,
and every invalid field marked and pointing at its message."""

from __future__ import annotations

from typing import Any

import pytest

from abusedesk.intake.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_arabic_form_shows_every_problem_at_once_and_marks_the_fields(live_server: Any, page: Any) -> None:
    tab, watch = page
    tab.goto(f"{live_server.url}/ar/report/")
    tab.fill("#id_urls", "https://forum.test/threads/1\nhttps://forum.test/a b")
    tab.fill("#id_reporter_email", "rita at advocates")
    tab.click("#submit-report")
    tab.wait_for_selector("#form-errors")
    for field in ("urls", "explanation", "reporter_email", "good_faith"):
        control = tab.locator(f"#id_{field}")
        assert control.get_attribute("aria-invalid") == "true", field
        described = control.get_attribute("aria-describedby")
        assert described == f"id_{field}_error", field
        assert tab.inner_text(f"#{described}").strip(), field
    url_error = tab.inner_text("#id_urls_error")
    assert "السطر 2" in url_error and "يحتوي على مسافة" in url_error
    assert "\u2068https://forum.test/a b\u2069" in url_error  # the URL keeps its own direction
    assert "urls.1" not in tab.content() and "reporter.email" not in tab.content()
    assert tab.evaluate("getComputedStyle(document.querySelector('#id_urls_error')).direction") == "rtl"
    assert tab.locator("#id_explanation").get_attribute("aria-invalid") == "true"
    assert not Report.objects.exists()
    watch.assert_clean()
