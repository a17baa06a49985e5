"""The queue a page at a time: keyset links walk every case once in order, both ways, under the filters; the page
counts its own reports; totals per severity; a bad or stale position; who may see it; queries stay constant."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abusedesk.cases.models import Case
from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK
from abusedesk.review.queue import PAGE_SIZE, Position

pytestmark = pytest.mark.django_db
NEXT = re.compile(r'rel="next" href="\?([^"]+)"')
PREVIOUS = re.compile(r'rel="prev" href="\?([^"]+)"')
ROW = re.compile(r'<a href="/console/cases/(\d+)/">')


def _cases(count: int) -> list[Case]:
    """Cases over every severity, lane and status, many opened at the same instant (so id decides)."""
    base = timezone.now() - timedelta(days=2)
    severities, lanes, statuses = list(SEVERITY_RANK), list(LANE_RANK), ["open", "awaiting_approval", "decided",
                                                                          "closed"]
    made = [Case(title=f"case {i}", severity=severities[i % 4], severity_rank=SEVERITY_RANK[severities[i % 4]],
                 lane=lanes[i % 3], lane_rank=LANE_RANK[lanes[i % 3]], status=statuses[i % 7 % 4],
                 group_key=f"property:test-{i}") for i in range(count)]
    created = Case.objects.bulk_create(made)
    for i, case in enumerate(created):  # opened_at is auto_now_add: set it afterwards, with ties
        Case.objects.filter(pk=case.pk).update(opened_at=base + timedelta(minutes=i % 5))
    return list(Case.objects.all())


def _order(cases: list[Case], keep: Any) -> list[int]:
    chosen = [c for c in cases if keep(c)]
    return [c.pk for c in sorted(chosen, key=lambda c: (c.severity_rank, c.lane_rank, c.opened_at, c.pk))]


def _walk(client: Client, query: str, link: re.Pattern[str]) -> list[tuple[str, list[int]]]:
    """Follow `link` from the page at `query` to the end: each page's query string and its cases."""
    pages = []
    for _ in range(50):
        body = client.get(f"/console/?{query}").content.decode()
        pages.append((query, [int(pk) for pk in ROW.findall(body)]))
        found = link.search(body)
        if not found:
            break
        query = found.group(1).replace("&amp;", "&")
    return pages


def _ids(pages: list[tuple[str, list[int]]]) -> list[int]:
    return [pk for _, page in pages for pk in page]


@pytest.fixture
def analyst(client: Client, staff: Any) -> Client:
    client.force_login(staff["ana"])
    return client


def test_next_links_walk_every_open_case_once_in_order(analyst: Client) -> None:
    cases = _cases(2 * PAGE_SIZE + 17)
    pages = _walk(analyst, "", NEXT)
    assert [len(ids) for _, ids in pages][:-1] == [PAGE_SIZE] * (len(pages) - 1)
    assert _ids(pages) == _order(cases, lambda c: c.status != "closed")


def test_previous_links_walk_back_over_the_same_pages(analyst: Client) -> None:
    _cases(4 * PAGE_SIZE)
    forward = _walk(analyst, "", NEXT)
    assert len(forward) >= 3
    back = _walk(analyst, forward[-1][0], PREVIOUS)
    assert [ids for _, ids in back] == [ids for _, ids in forward][::-1]
    assert back[-1][0].startswith("before=")  # the first page, reached backwards, offers no previous page


def test_past_the_end_is_an_empty_page_that_offers_the_start(analyst: Client) -> None:
    _cases(10)
    last = _walk(analyst, "severity=S2", NEXT)[-1][1][-1]
    body = analyst.get("/console/", {"after": Position.of(Case.objects.get(pk=last)).token(), "severity": "S2"})
    text = body.content.decode()
    assert ROW.findall(text) == [] and "Back to the start of the queue" in text and 'href="?severity=S2"' in text


def test_filters_are_kept_in_the_links(analyst: Client) -> None:
    cases = _cases(4 * PAGE_SIZE + 30)
    assert _ids(_walk(analyst, "severity=S3", NEXT)) == _order(
        cases, lambda c: c.status != "closed" and c.severity == "S3")
    assert _ids(_walk(analyst, "status=closed", NEXT)) == _order(cases, lambda c: c.status == "closed")


def test_the_page_counts_its_reports(analyst: Client, customers: Any, post_report: Any, run_jobs: Any) -> None:
    from abusedesk.testing.factories import report_body

    for i in range(3):
        post_report(report_body(urls=[f"https://forum.test/t/{i}"]), REMOTE_ADDR=f"192.0.2.{i}")
    run_jobs()
    case = Case.objects.get(property__value="forum.test")
    body = analyst.get("/console/").content.decode()
    row = body[body.index(f"/console/cases/{case.pk}/"):]
    assert re.search(r"<td>(\d+)</td>", row).group(1) == str(case.reports.count()) == "3"  # type: ignore[union-attr]


def test_totals_per_severity_follow_the_status_filter(analyst: Client) -> None:
    cases = _cases(60)
    body = analyst.get("/console/").content.decode()
    s1_open = sum(1 for c in cases if c.severity == "S1" and c.status != "closed")
    assert f"S1 threat or doxxing ({s1_open})" in body
    s1_closed = sum(1 for c in cases if c.severity == "S1" and c.status == "closed")
    assert f"S1 threat or doxxing ({s1_closed})" in analyst.get("/console/?status=closed").content.decode()


def test_a_malformed_position_is_refused(analyst: Client) -> None:
    for bad in ("x", "1.2.3", "1.2.3.4.5", "-1.2.3.4", "1.2.999999999999999999.4", "1.2.3.9999999999999999999",
                "1.2.3.4e", "1.2.3.٣"):
        response = analyst.get("/console/", {"after": bad})
        assert response.status_code == 400, bad
    assert analyst.get("/console/", {"before": "1.2..4"}).status_code == 400
    huge = "999999999999999999"
    for extreme in (f"{huge}.{huge}.0.{huge}", "0.0.0.0", f"{huge}.0.253370764800000000.{huge}"):  # the edges
        assert analyst.get("/console/", {"after": extreme}).status_code == 200, extreme
        assert analyst.get("/console/", {"before": extreme}).status_code == 200, extreme


def test_positions_round_trip() -> None:
    now = timezone.now().replace(microsecond=123456)
    position = Position(1, 2, now, 77)
    assert Position.parse(position.token()) == position


def test_only_staff_who_read_cases_see_any_page(client: Client, staff: Any) -> None:
    _cases(5)
    token = Position.of(Case.objects.first()).token()  # type: ignore[arg-type]
    response = client.get("/console/", {"after": token})
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    staff["cho"].is_active = False
    staff["cho"].save()
    client.force_login(staff["cho"])
    assert client.get("/console/", {"after": token}).status_code == 302
    client.force_login(staff["aud"])  # read-only role: reads the queue
    assert client.get("/console/", {"after": token}).status_code == 200


def test_queries_per_page_do_not_grow_with_the_queue_or_its_depth(analyst: Client) -> None:
    _cases(PAGE_SIZE + 5)
    with CaptureQueriesContext(connection) as small:
        analyst.get("/console/")
    _cases(3 * PAGE_SIZE)
    with CaptureQueriesContext(connection) as large:
        body = analyst.get("/console/").content.decode()
    deep = NEXT.search(body)
    assert deep is not None
    with CaptureQueriesContext(connection) as second:
        analyst.get(f"/console/?{deep.group(1).replace('&amp;', '&')}")
    assert len(large) == len(small)
    assert len(second) == len(large) + 1  # whether a previous page exists: one indexed EXISTS


def test_the_queue_shows_the_job_backlog_and_warns_when_it_is_old(analyst: Client, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from abusedesk.jobs import enqueue
    from abusedesk.testing import jobs as sample

    body = analyst.get("/console/").content.decode()
    assert "Jobs waiting: 0" in body and "Jobs are behind" not in body
    enqueue(sample.record, "a")
    enqueue(sample.record, "b")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=settings.BACKLOG_WARN_SECONDS + 30))
    body = analyst.get("/console/").content.decode()
    assert "Jobs waiting: 2" in body and "Jobs are behind" in body
