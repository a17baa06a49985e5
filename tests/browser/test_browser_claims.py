"""In real Chromium, two analysts in two browser contexts: one claims a case and the other sees it (after a
reload), cannot close it without ticking "I know ana is working on this", and "next case" pressed in both at
once never hands them the same case."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection

from abusedesk.cases.models import Case
from abusedesk.common.severity import SEVERITY_RANK
from abusedesk.review.models import Claim
from abusedesk.testing.factories import PASSWORD

from .conftest import PageWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CASE_URL = re.compile(r"/console/cases/(\d+)/$")


def _cases(count: int) -> list[Case]:
    return [Case.objects.create(title=f"case {i}", severity=["S0", "S1", "S2", "S3"][i % 4],
                                severity_rank=SEVERITY_RANK[["S0", "S1", "S2", "S3"][i % 4]],
                                group_key=f"property:browser-{i}") for i in range(count)]


def _login(browser: Any, base: str, username: str) -> Any:
    """A context of its own per analyst. The console's live stream is left out: it is another test's subject, and
    on SQLite its long request would share the test server's one in-memory database with these pages."""
    context = browser.new_context()
    context.route(re.compile(r".*/console/live/.*"), lambda route: route.abort())
    tab = context.new_page()
    tab.goto(f"{base}/console/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", PASSWORD)
    tab.click("#login-submit")
    tab.wait_for_selector("#queue")
    return tab


def _case_id(tab: Any) -> int:
    tab.wait_for_url(CASE_URL, timeout=15000)
    found = CASE_URL.search(tab.url)
    assert found is not None
    return int(found.group(1))


def test_two_analysts_see_each_others_claims_and_never_get_the_same_next_case(
        live_server: Any, browser: Any, staff: Any) -> None:
    cases = _cases(7)
    held = cases[0]
    ana = _login(browser, live_server.url, "ana")
    cho = _login(browser, live_server.url, "cho")
    watches = [PageWatch(ana), PageWatch(cho)]

    ana.goto(f"{live_server.url}/console/cases/{held.pk}/")
    ana.click("#claim-submit")
    ana.wait_for_selector(".msg-success")
    assert "You are working on this case" in ana.inner_text("#claim-status")

    cho.goto(f"{live_server.url}/console/cases/{held.pk}/")
    assert "Claimed by ana" in cho.inner_text("#claim-status")
    assert cho.query_selector("#claim-submit") is None
    cho.fill("#id_reason", "duplicate of another case")
    cho.click("form.close button[type=submit]")  # the box is not ticked: the browser does not send the form
    assert Case.objects.get(pk=held.pk).status == "open"
    assert "I know ana is working on this" in cho.inner_text("form.close")

    cho.goto(f"{live_server.url}/console/")
    assert "ana" in cho.inner_text(f"#queue tr:has(a[href='/console/cases/{held.pk}/']) .claim-cell")

    # Both press "next case" at once, three times. On SQLite the test server shares the test's one in-memory
    # database connection between its request threads, so there they press one after the other (concurrent
    # requests are tested on PostgreSQL here, and with threads in tests/review/test_claims.py).
    at_once = connection.vendor == "postgresql"
    given: list[int] = []
    for _ in range(3):
        for tab in (ana, cho):
            tab.goto(f"{live_server.url}/console/")
        ana.click("#next-case", no_wait_after=at_once)
        if not at_once:
            _case_id(ana)
        cho.click("#next-case", no_wait_after=at_once)
        pair = [_case_id(ana), _case_id(cho)]
        assert pair[0] != pair[1]
        given += pair
    assert len(given) == len(set(given)) == 6 and held.pk not in given
    assert sorted(given) == sorted(c.pk for c in cases[1:])
    holders = dict(Claim.objects.filter(released_at__isnull=True).values_list("case_id", "user__username"))
    assert len(holders) == 7 and holders[held.pk] == "ana"
    assert "You are working on this case" in ana.inner_text("#claim-status")

    ana.goto(f"{live_server.url}/console/")
    ana.click("#next-case")
    ana.wait_for_selector(".msg-info")
    assert "Nothing to take" in ana.inner_text(".messages")
    for watch in watches:
        watch.assert_clean()
        assert watch.csp == []
