"""In real Chromium: an auditor filters the audit trail and pages through it; nothing widens the page, times are
shown in the viewer's zone, and a hostile payload is text."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from abusedesk.audit import trail as audit
from abusedesk.testing.factories import PASSWORD

from .conftest import PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOSTILE = "<img src=x onerror=alert(1)>" + "x" * 400 + "\u202e" + "https://very.long.example/" + "a/" * 200


def _events() -> None:
    with transaction.atomic():
        for i in range(70):
            audit.append(actor="user:ana", verb="decision.made", object_type="decision", object_id=f"d{i}",
                         payload={"case": i, "reason": HOSTILE, "services": ["web"] * 30})
        for i in range(5):
            audit.append(actor="system", verb="notice.sent", object_type="notice", object_id=f"n{i}")


def test_auditor_filters_and_pages_the_audit_trail(live_server: Any, browser: Any, staff: Any) -> None:
    _events()
    context = browser.new_context(timezone_id="Asia/Tokyo", viewport={"width": 1024, "height": 800})
    tab = context.new_page()
    watch = PageWatch(tab)
    tab.goto(f"{live_server.url}/console/login/")
    tab.fill("#id_username", "aud")
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.goto(f"{live_server.url}/console/audit/")
    assert "Chain verified" in tab.inner_text(".ok")
    tab.fill("#id_verb", "decision.made")
    tab.fill("#id_actor", "ana")
    tab.click("#audit-filter-submit")
    tab.wait_for_selector("table.audit")
    rows = tab.query_selector_all("table.audit tbody tr")
    assert len(rows) == 50 and tab.inner_text("table.audit tbody tr td.seq") == "70"
    assert tab.inner_text("table.audit tbody tr td.verb") == "decision.made"
    assert "GMT+9" in tab.inner_text("table.audit tbody tr td.at")  # the viewer's zone, not UTC
    assert tab.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    tab.click("a[rel=next]")
    tab.wait_for_selector("#seq-20")
    assert len(tab.query_selector_all("table.audit tbody tr")) == 20
    assert tab.query_selector("a[rel=next]") is None
    assert tab.input_value("#id_verb") == "decision.made"  # the filters survive paging
    tab.click("a[rel=prev]")
    tab.wait_for_selector("#seq-70")
    assert tab.query_selector("#seq-75") is None  # notice.sent stays filtered out
    assert "[U+202E]" in tab.inner_text("#seq-70 td.details")
    watch.assert_clean()
    context.close()
