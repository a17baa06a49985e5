"""The case page: evidence that could not be captured is shown as a failure; watched posts on a time axis."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from abusedesk.cases.models import Case
from abusedesk.evidence.models import Evidence

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _page(client: Client, staff: Any, case: Case) -> str:
    client.force_login(staff["ana"])
    body = client.get(f"/console/cases/{case.pk}/").content.decode()
    return body[body.index('<section class="evidence">'):body.index('<section class="decisions">')]


def test_failed_capture_shows_the_failure_not_empty_hashes(client: Client, staff: Any, case: Case) -> None:
    Evidence.objects.filter(case=case).delete()
    Evidence.objects.create(case=case, url="https://gone.test/x", status="failed", reason="dns_failure",
                            fetched_at=AT, settled=True)
    Evidence.objects.create(case=case, url="https://flaky.test/x", status="failed", reason="timeout_read",
                            fetched_at=AT, settled=False)
    Evidence.objects.create(case=case, url="http://127.0.0.1/admin", status="blocked",
                            reason="blocked_address:loopback", fetched_at=AT, settled=True)
    section = _page(client, staff, case)
    assert "SHA-256" not in section and "<code" not in section and "evidence-text" not in section
    assert "Capture failed: its name did not resolve (dns_failure)." in section
    assert "No further attempt will be made" in section
    assert "Capture failed: it stopped answering (timeout_read)." in section and "It will be tried again." in section
    assert "Not fetched: the fetch policy refused it (blocked_address:loopback)." in section
    assert 'datetime="2026-03-04T05:06:07+00:00"' in section


def test_captured_evidence_still_shows_its_hashes(client: Client, staff: Any, case: Case) -> None:
    Evidence.objects.filter(case=case).delete()
    Evidence.objects.create(case=case, url="https://forum.test/t/1", status="captured", fetched_at=AT,
                            body_sha256="a" * 64, text_sha256="b" * 64, text="the page", settled=True)
    Evidence.objects.create(case=case, url="https://forum.test/t/2")
    section = _page(client, staff, case)
    assert f'<code class="hash">{"a" * 64}</code>' in section and "the page" in section
    assert "Capture failed" not in section and "Not fetched yet" in section


def _post(thread: Any, index: int, posted_at: str, seen_hour: int, labels: list[str],
          spans: list[str] | None = None) -> None:
    from abusedesk.watch.models import WatchedPost

    WatchedPost.objects.create(thread=thread, index=index, fingerprint=f"f{index}", author=f"user{index}",
                               posted_at=posted_at, text=f"post {index}", text_sha256="0" * 64,
                               first_seen_at=AT.replace(hour=seen_hour, minute=0, second=0), labels=labels,
                               span_types=spans or [])


def test_timeline_orders_posts_by_time_on_an_axis_with_a_legend(client: Client, staff: Any, case: Case) -> None:
    import re

    from abusedesk.watch.models import WatchedThread

    thread = WatchedThread.objects.create(case=case, url="https://forum.test/threads/9", next_fetch_at=AT)
    _post(thread, 1, "2026-03-04T10:00:00Z", 12, [])
    _post(thread, 2, "2026-03-04T08:00:00Z", 12, ["threat"], ["address"])
    _post(thread, 3, "<script>alert(1)</script>", 12, ["doxxing"])  # unreadable: when we first saw it
    _post(thread, 4, "2030-01-01T00:00:00Z", 11, ["harassment"])  # later than we saw it: not believed
    client.force_login(staff["ana"])
    body = client.get(f"/console/cases/{case.pk}/").content.decode()
    svg = body[body.index('<svg class="timeline-svg"'):]
    svg = svg[:svg.index("</svg>")]
    circles = re.findall(r'<circle cx="([\d.]+)" cy="[\d.]+" r="(\d)" fill="(#\w+)"><title>post (\d)', svg)
    assert [c[3] for c in circles] == ["2", "1", "4", "3"]  # 08:00, 10:00, 11:00 (seen), 12:00 (seen)
    xs = [float(c[0]) for c in circles]
    assert xs == sorted(xs) and xs[0] < xs[1] < xs[2] < xs[3]
    assert xs[1] - xs[0] == pytest.approx(2 * (xs[2] - xs[1]), abs=0.2)  # placed by time, not by order
    assert circles[0][1:3] == ("7", "#b00020") and circles[1][1:3] == ("5", "#757575")
    assert ">08:00</text>" in svg and ">12:00</text>" in svg and "times UTC" in svg
    assert "script" not in svg
    legend = body[body.index('<ul class="legend"'):]
    legend = legend[:legend.index("</ul>")]
    for label in ("threat", "doxxing", "harassment", "hate", "no finding", "reveals a location"):
        assert label in legend
    posts = body[body.index('<ol class="posts">'):]
    assert [int(i) for i in re.findall(r'<li value="(\d)"', posts)] == [2, 1, 4, 3]
    assert "forum says &lt;script&gt;alert(1)&lt;/script&gt;" in posts
