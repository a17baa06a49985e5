"""The case page of a campaign: reports and evidence a page at a time (50), the totals counted once, links that keep
the other query parameters, a bad page number shows the first page, the queries do not grow with the reports, and
an incomplete authority order anywhere in the case is announced on every page."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from abusedesk.cases.models import Case, Finding
from abusedesk.evidence.models import Evidence
from abusedesk.intake.models import Report, Submission
from abusedesk.review.presenters import page_number
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db
DASH = "\N{EN DASH}"  # between the first and last row shown: "Showing 1-50 of 120" with an en dash


@pytest.fixture(autouse=True)
def _quiet(settings: Any) -> None:
    settings.EVIDENCE_CAPTURE = False


@pytest.fixture
def case(staff: Any, customers: Any, post_report: Any, run_jobs: Any) -> Case:
    """A case with one report filed the usual way (its reporter, submission and case are real)."""
    assert post_report(report_body(category="spam")).status_code == 201
    run_jobs()
    return Case.objects.get()


def _grow(case: Case, total: int) -> list[Report]:
    """Copies of the case's first report until it has `total` (one INSERT per table), a minute apart, with an
    evidence row and a finding each, as a campaign's would have; returns the reports in the page's order."""
    first = case.reports.order_by("received_at").first()
    assert first is not None
    have = case.reports.count()
    start = case.reports.order_by("-received_at").values_list("received_at", flat=True)[0]
    subs = [Submission(channel="api", raw=b"{}", raw_sha256=hashlib.sha256(f"{case.pk}-{i}".encode()).hexdigest(),
                       size=2) for i in range(have, total)]
    Submission.objects.bulk_create(subs)
    new = Report.objects.bulk_create([
        Report(submission=sub, reporter_id=first.reporter_id, channel="api", category=first.category,
               urls=first.urls, explanation=f"copy <b>{i}</b> of the shop", language="en", good_faith=True,
               status=first.status, case=case) for i, sub in zip(range(have, total), subs, strict=True)])
    for i, report in enumerate(new, start=1):  # auto_now_add set them all to now: spread them in time
        Report.objects.filter(pk=report.pk).update(received_at=start + timedelta(minutes=i))
    Evidence.objects.bulk_create([Evidence(case=case, report=r, url=f"https://shop.test/item/{i}")
                                  for i, r in enumerate(new)])
    Finding.objects.bulk_create([Finding(case=case, report=r, detector="spam", detector_version="1", category="spam",
                                         score=0.9, spans=[]) for r in new])
    return list(case.reports.order_by("received_at", "pk"))


def _get(client: Client, staff: Any, case: Case, query: str = "", **headers: Any) -> str:
    client.force_login(staff["ana"])
    response = client.get(f"/console/cases/{case.pk}/{query}", **headers)
    assert response.status_code == 200
    return response.content.decode()


def _shown(page: str) -> list[str]:
    return re.findall(r'<article class="report" id="report-([0-9a-f-]+)">', page)


def _section(page: str, name: str) -> str:
    start = page.index(f'<section class="{name}">')
    return page[start:page.index("</section>", start)]


def _next(page: str, name: str) -> str:
    found = re.search(r'<a rel="next" href="([^"]+)">', _section(page, name))
    assert found, f"no next link in {name}"
    return found.group(1).replace("&amp;", "&")


def test_a_campaign_case_shows_its_reports_fifty_at_a_time(client: Client, staff: Any, case: Case) -> None:
    ordered = [str(r.pk) for r in _grow(case, 120)]
    page = _get(client, staff, case)
    reports = _section(page, "reports")
    assert "<h2>Reports (120)</h2>" in reports and f"Showing 1{DASH}50 of 120" in reports and "Page 1 of 3" in reports
    assert _shown(page) == ordered[:50] and 'rel="prev"' not in reports
    assert page.count('class="bulk-pick"') == 50
    assert "copy &lt;b&gt;3&lt;/b&gt; of the shop" in page and "<b>3</b>" not in page  # escaped as before

    second = _get(client, staff, case, _next(page, "reports").split("#")[0])
    assert _shown(second) == ordered[50:100] and f"Showing 51{DASH}100 of 120" in second
    assert 'rel="prev" href="?reports=1#report-list"' in second
    last = _get(client, staff, case, _next(second, "reports").split("#")[0])
    assert _shown(last) == ordered[100:] and len(_shown(last)) == 20 and f"Showing 101{DASH}120 of 120" in last
    assert 'rel="next"' not in _section(last, "reports")


@pytest.mark.parametrize("bad", ["abc", "0", "-2", "4", "99999999999999", "1.5", "%D9%A2", ""])
def test_a_bad_page_number_shows_the_first_page(client: Client, staff: Any, case: Case, bad: str) -> None:
    ordered = [str(r.pk) for r in _grow(case, 120)]
    page = _get(client, staff, case, f"?reports={bad}&evidence={bad}")
    assert _shown(page) == ordered[:50] and f"Showing 1{DASH}50 of 120" in page


def test_page_number_parsing() -> None:
    assert [page_number(raw, 3) for raw in ("2", " 3 ", "3", None, "", "x", "4", "0", "٢", "1e2")] == [
        2, 3, 3, 1, 1, 1, 1, 1, 1, 1]


def test_links_keep_the_other_parameters_but_not_the_selection(client: Client, staff: Any, case: Case) -> None:
    Evidence.objects.filter(case=case).delete()
    _grow(case, 121)  # 120 reports after the first, each with its evidence row
    page = _get(client, staff, case, "?evidence=2&select=all")
    assert page.count(" checked aria-label=") == 50  # select all ticks this page's boxes only
    assert _next(page, "reports") == "?evidence=2&reports=2#report-list"
    evidence = _section(page, "evidence")
    assert f"Showing 51{DASH}100 of 120" in evidence and _next(page, "evidence") == "?evidence=3#evidence-list"
    assert 'rel="prev" href="?evidence=1#evidence-list"' in evidence


def test_evidence_is_paged_with_its_own_parameter(client: Client, staff: Any, case: Case) -> None:
    Evidence.objects.filter(case=case).delete()
    _grow(case, 121)  # 120 new evidence rows
    page = _get(client, staff, case)
    evidence = _section(page, "evidence")
    assert evidence.count('<article class="capture">') == 50 and f"Showing 1{DASH}50 of 120" in evidence
    third = _get(client, staff, case, "?evidence=3")
    assert _section(third, "evidence").count('<article class="capture">') == 20
    assert _shown(third) == _shown(page)  # the reports stay on their first page


def test_the_queries_do_not_grow_with_the_reports(client: Client, staff: Any, case: Case) -> None:
    client.force_login(staff["ana"])
    url = f"/console/cases/{case.pk}/"
    _grow(case, 60)
    client.get(url)  # the first visit writes the claim and exposure rows once

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            assert response.status_code == 200
        return len(captured), len(response.content)

    queries_60, bytes_60 = measure()
    _grow(case, 120)
    queries_120, bytes_120 = measure()
    assert queries_120 <= queries_60, (queries_60, queries_120)
    assert bytes_120 < bytes_60 * 1.05, (bytes_60, bytes_120)  # both pages show 50 reports and 50 evidence rows


def test_an_incomplete_order_on_page_three_is_announced_on_page_one(client: Client, staff: Any,
                                                                     case: Case) -> None:
    ordered = _grow(case, 120)
    late = ordered[110]
    Report.objects.filter(pk=late.pk).update(order_problems=["missing the legal basis <script>"])
    page = _get(client, staff, case)
    assert str(late.pk) not in _shown(page)
    banners = page[:page.index('<section class="reports"')]
    assert banners.count('class="error order-banner"') == 1
    assert "missing the legal basis &lt;script&gt;" in banners and "<script>" not in banners
    assert f'href="?reports=3#report-{late.pk}"' in banners and "page 3 of the reports" in banners
    third = _get(client, staff, case, "?reports=3")
    assert f'href="#report-{late.pk}"' in third and f'id="report-{late.pk}"' in third


def test_many_incomplete_orders_are_counted_not_listed(client: Client, staff: Any, case: Case) -> None:
    ordered = _grow(case, 120)
    Report.objects.filter(pk__in=[r.pk for r in ordered[40:52]]).update(order_problems=["missing the redress"])
    page = _get(client, staff, case)
    banners = page[:page.index('<section class="reports"')]
    assert banners.count('class="error order-banner"') == 6  # five named, one line for the rest
    assert "7 more reports of this case have an incomplete authority order." in banners
    assert banners.count('href="?reports=1#report-') == 0 and banners.count('href="#report-') == 5


def test_the_bulk_form_says_it_acts_on_this_page_only(client: Client, staff: Any, case: Case) -> None:
    ordered = _grow(case, 120)
    page = _get(client, staff, case, "?reports=2")
    assert f"Only the reports ticked on this page are acted on; this page lists reports 51{DASH}100 of 120." in page
    assert "Select all on this page" in page and "Select all reports" not in page
    ids = [str(r.pk) for r in ordered[50:100]]
    response = client.post(f"/console/bulk/cases/{case.pk}/reports/",
                           {"report": ids, "action": "close", "reason": "spam wave"})
    assert "50 items: 50 done, 0 refused." in response.content.decode()
    assert Report.objects.filter(case=case, status="closed").count() == 50


def test_a_small_case_has_no_pager(client: Client, staff: Any, case: Case) -> None:
    page = _get(client, staff, case)
    assert "case-list-pager" not in page and "Showing" not in page and "Select all reports" in page
    assert "<h2>Reports (1)</h2>" in page


@pytest.mark.parametrize(("lang", "words"), [
    ("es", (f"Se muestran 1{DASH}50 de 120", "Páginas de las denuncias", "Siguiente →",
            "Solo se actúa sobre las denuncias marcadas en esta página", "página 3 de las denuncias")),
    ("ar", (f"عرض 1{DASH}50 من 120", "صفحات البلاغات", "صفحات الأدلة",
            "لا يُطبَّق الإجراء إلا على البلاغات المحددة في هذه الصفحة", "الصفحة 3 من البلاغات"))])
def test_the_paging_speaks_spanish_and_arabic(client: Client, staff: Any, case: Case, lang: str,
                                              words: tuple[str, ...]) -> None:
    ordered = _grow(case, 120)
    Report.objects.filter(pk=ordered[110].pk).update(order_problems=["missing the legal basis"])
    page = _get(client, staff, case, HTTP_ACCEPT_LANGUAGE=lang)
    for word in words:
        assert word in page, word
    assert "Showing" not in page and "Pages of the" not in page


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("missing the legal basis (the law the order relies on)", "not an exact URL (a whole site): https://x.test/")),
    ("es", ("falta la base jurídica (la ley en la que se apoya la orden)",
            "no es una URL exacta (un sitio entero): https://x.test/")),
    ("ar", ("ينقصه الأساس القانوني (القانون الذي يستند إليه الأمر)", "ليس رابطًا محددًا (موقع كامل): https://x.test/"))])
def test_order_problems_are_shown_in_the_consoles_language(client: Client, staff: Any, case: Case, lang: str,
                                                           words: tuple[str, ...]) -> None:
    import json

    from abusedesk.intake.schema import parse_report
    from abusedesk.intake.service import order_problems

    draft = parse_report(json.dumps(report_body(urls=["https://x.test/"], order={"country": "ES"})).encode())
    stored = order_problems(draft, "authority")  # as intake stores them: English
    assert "missing the legal basis (the law the order relies on)" in stored
    Report.objects.filter(pk=case.reports.first().pk).update(order_problems=stored)
    page = _get(client, staff, case, HTTP_ACCEPT_LANGUAGE=lang)
    for word in words:
        assert word in page, word


def test_acting_on_a_report_returns_to_its_page(client: Client, staff: Any, case: Case) -> None:
    ordered = _grow(case, 120)
    page = _get(client, staff, case, "?reports=2")
    assert page.count('<input type="hidden" name="reports" value="2">') >= 2  # the bulk form and each report's
    target = ordered[60]
    response = client.post(f"/console/reports/{target.pk}/unfounded/", {"reason": "copy-paste flood", "reports": "2"})
    assert response["Location"] == f"/console/cases/{case.pk}/?reports=2#report-{target.pk}"
    ids = [str(r.pk) for r in ordered[100:110]]
    results = client.post(f"/console/bulk/cases/{case.pk}/reports/",
                          {"report": ids, "action": "close", "reason": "spam wave", "reports": "3"}).content.decode()
    assert f'href="/console/cases/{case.pk}/?reports=3#report-list" id="bulk-back"' in results
    for bad in ("abc", "0", "1", "-2", "٣", "9" * 12, ""):
        response = client.post(f"/console/reports/{ordered[5].pk}/unfounded/", {"reason": "x", "reports": bad})
        assert response["Location"] == f"/console/cases/{case.pk}/#report-{ordered[5].pk}", bad
