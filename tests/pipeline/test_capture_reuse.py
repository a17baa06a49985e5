"""A campaign fetches its page once: a report's URL reuses another report's capture of the same URL in the same case
while it is pending or recent (ABUSEDESK_CAPTURE_REUSE_SECONDS), each report keeps its own Evidence row, every report
is forwarded to the host exactly once, and a capture that failed for the last time is fetched anew."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from abusedesk.audit.models import AuditEvent
from abusedesk.audit.trail import verify as audit_verify
from abusedesk.cases.models import Case, CaseStatus, Finding, Notice
from abusedesk.evidence import capture as capture_module
from abusedesk.evidence.models import Evidence
from abusedesk.evidence.reuse import reusable, reuse
from abusedesk.intake.models import Report
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.pipeline import capture as pipeline_capture
from abusedesk.testing.forum import Forum, thread_page

pytestmark = pytest.mark.django_db
PAGE = [("anon1", "lol look at her stream"), ("anon2", "She lives at 83 Harrow Lane, Leeds LS6 2QT now.")]


@pytest.fixture
def forum() -> Iterator[Forum]:
    server = Forum({"/threads/77": thread_page("Campaign thread", PAGE)})
    yield server
    server.close()


@pytest.fixture
def fetches(monkeypatch: Any) -> list[str]:
    """The URLs the evidence fetcher was asked for (the real fetcher, against the loopback forum)."""
    calls: list[str] = []
    real = capture_module.fetch

    def counting(url: str, **kwargs: Any) -> Any:
        calls.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr(capture_module, "fetch", counting)
    return calls


@pytest.fixture
def site(settings: Any, customers: Any, forum: Forum) -> str:
    """A thread on forum.test, which we only proxy: its origin has an abuse address, so reports are forwarded."""
    settings.EVIDENCE_STATIC_HOSTS = {"forum.test": "127.0.0.1"}
    settings.EVIDENCE_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.PIPELINE_BATCH_SECONDS = 600.0
    return f"http://forum.test:{forum.port}/threads/77"


def _run_all(rounds: int = 1) -> None:
    """Run the jobs; between rounds, make retries due now (capture retries back off for minutes)."""
    for _ in range(rounds):
        run_pending_jobs()
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def _forwards() -> Counter[str]:
    return Counter(str(r) for r in Notice.objects.filter(kind="host_forward").values_list("report_id", flat=True))


def _once(ids: list[str]) -> Counter[str]:
    """Each report forwarded exactly once (one e-mail notice: the demo's origin has no webhook)."""
    return Counter(dict.fromkeys(ids, 1))


def test_fifty_reports_of_one_url_fetch_it_once_and_each_is_forwarded_once(site: str, fetches: list[str],
                                                                          campaign: Any) -> None:
    ids = campaign(50, url=site, category="harassment")
    _run_all()
    assert fetches == [site]
    rows = list(Evidence.objects.all())
    assert len(rows) == 50 and {str(r.report_id) for r in rows} == set(ids)
    (capture,) = [r for r in rows if r.same_as_id is None]
    assert capture.status == "captured" and "Harrow Lane" in capture.text
    for row in rows:
        assert row.settled and row.status == "captured"
        assert row.body_sha256 == capture.body_sha256 and row.fetched_at == capture.fetched_at
        if row.pk != capture.pk:
            assert row.same_as_id == capture.pk and row.body is None and row.text is None
    assert _forwards() == _once(ids)
    assert all(capture.body_sha256 in n.body for n in Notice.objects.filter(kind="host_forward"))
    # analysed once, for the capture; custody: a reuse event per reusing row, the capture's event counts them
    assert set(Finding.objects.filter(evidence__isnull=False).values_list("evidence_id", flat=True)) == {capture.pk}
    assert AuditEvent.objects.filter(verb="evidence.reused").count() == 49
    event = AuditEvent.objects.get(verb="evidence.captured", object_id=str(capture.pk))
    assert event.payload["covers"] == 49
    assert not any("Harrow" in str(e.payload) or "forum.test" in str(e.payload)
                   for e in AuditEvent.objects.filter(verb__startswith="evidence."))


def test_a_report_after_the_capture_settled_copies_it_and_is_forwarded_when_filed(site: str, fetches: list[str],
                                                                                 campaign: Any) -> None:
    campaign(1, url=site)
    _run_all()
    (later,) = campaign(1, url=site, start=1)
    run_pending_jobs(max_tasks=1)  # its filing job only
    row = Evidence.objects.get(report_id=later)
    assert row.same_as_id is not None and row.settled and row.status == "captured"
    assert _forwards()[later] == 1  # forwarded in the filing transaction, no capture job to wait for
    assert not DBTaskResult.objects.filter(task_path__endswith="capture_evidence", status="READY").exists()
    _run_all()
    assert fetches == [site] and _forwards()[later] == 1


def test_a_report_after_the_window_fetches_again(site: str, fetches: list[str], campaign: Any) -> None:
    campaign(1, url=site)
    _run_all()
    old = timezone.now() - timedelta(seconds=901)
    Evidence.objects.update(created_at=old, fetched_at=old)
    (later,) = campaign(1, url=site, start=1)
    _run_all()
    assert fetches == [site, site]
    assert Evidence.objects.get(report_id=later).same_as_id is None


def test_the_same_url_in_another_case_is_fetched_for_that_case(site: str, fetches: list[str], campaign: Any) -> None:
    campaign(1, url=site)
    _run_all()
    Case.objects.update(status=CaseStatus.CLOSED)  # the next report opens a new case for the property
    (later,) = campaign(1, url=site, start=1)
    _run_all()
    assert Case.objects.count() == 2
    assert fetches == [site, site]
    assert Evidence.objects.get(report_id=later).same_as_id is None


def test_reuse_off_fetches_once_per_report(site: str, fetches: list[str], campaign: Any, settings: Any) -> None:
    settings.CAPTURE_REUSE_SECONDS = 0
    ids = campaign(5, url=site)
    _run_all()
    assert fetches == [site] * 5
    assert not Evidence.objects.filter(same_as__isnull=False).exists()
    assert _forwards() == _once(ids)


def test_a_capture_that_failed_for_the_last_time_settles_its_waiting_rows_and_is_not_reused(
        customers: Any, fetches: list[str], campaign: Any, settings: Any) -> None:
    settings.PIPELINE_BATCH_SECONDS = 600.0
    url = "https://forum.test/threads/404"  # resolves nowhere in tests
    ids = campaign(3, url=url)
    _run_all(rounds=5)
    assert fetches == [url] * 4  # one capture, four tries
    assert set(Evidence.objects.values_list("status", "settled")) == {("failed", True)}
    assert _forwards() == _once(ids)  # forwarded without evidence
    (later,) = campaign(1, url=url, start=3)
    _run_all()
    assert fetches == [url] * 5  # fetched anew: the site may be back
    assert Evidence.objects.get(report_id=later).same_as_id is None


def test_a_blocked_capture_is_reused(customers: Any, fetches: list[str], campaign: Any, settings: Any) -> None:
    settings.EVIDENCE_STATIC_HOSTS = {"forum.test": "10.0.0.5"}  # a private address: the fetch policy refuses it
    url = "https://forum.test/threads/9"
    campaign(1, url=url)
    _run_all()
    (later,) = campaign(1, url=url, start=1)
    _run_all()
    assert fetches == [url]
    row = Evidence.objects.get(report_id=later)
    assert row.status == "blocked" and row.settled and row.reason.startswith("blocked_address")


def test_a_capture_job_that_crashes_while_forwarding_forwards_no_report_twice(
        site: str, fetches: list[str], campaign: Any, monkeypatch: Any) -> None:
    ids = campaign(30, url=site)
    monkeypatch.setattr(pipeline_capture, "FORWARD_STEP", 10)
    real = pipeline_capture.forward_reports
    calls = {"n": 0}

    def crash_on_the_third_step(reports: list[Any]) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost mid-way")
        return real(reports)

    monkeypatch.setattr(pipeline_capture, "forward_reports", crash_on_the_third_step)
    _run_all(rounds=2)
    assert DBTaskResult.objects.filter(task_path__endswith="capture_evidence").count() == 2  # the run and its retry
    assert calls["n"] == 4  # the first run crashed on its third step; the retry forwarded only what was left
    assert fetches == [site]  # the retry did not fetch again: the capture had settled
    assert _forwards() == _once(ids)


@pytest.mark.django_db(transaction=True)
def test_a_row_made_while_its_capture_settles_is_settled_with_it(site: str, fetches: list[str],
                                                                 campaign: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    campaign(1, url=site)
    run_pending_jobs(max_tasks=1)  # files it: its capture is pending
    pending, case = Evidence.objects.get(), Case.objects.get()
    (later,) = campaign(1, url=site, start=1)
    made = threading.Event()
    errors: list[BaseException] = []

    def filing() -> None:  # a filing transaction that points a row at the capture and commits late
        try:
            with transaction.atomic():
                covering = reusable(case, site)
                assert covering is not None and covering.pk == pending.pk
                reuse(covering, report=Report.objects.get(pk=later), case=case)
                made.set()
                time.sleep(0.5)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
            made.set()
        finally:
            connection.close()

    thread = threading.Thread(target=filing)
    thread.start()
    made.wait()
    settled = capture_module.capture(Evidence.objects.get(pk=pending.pk))  # waits for the filing's lock
    thread.join()
    assert errors == [] and settled.status == "captured"
    row = Evidence.objects.get(report_id=later)
    assert row.same_as_id == pending.pk and row.settled and row.status == "captured"
    assert AuditEvent.objects.get(verb="evidence.captured").payload["covers"] == 1


def test_a_referral_packet_lists_a_shared_capture_once(site: str, fetches: list[str], campaign: Any) -> None:
    import json

    from abusedesk.referrals.prepare import prepare

    campaign(5, url=site, category="harassment")
    _run_all()
    case = Case.objects.get()
    assert case.evidence.count() == 5
    packet = json.loads(prepare(case, reason="test").packet)
    (listed,) = packet["evidence"]
    assert listed["url"] == site and listed["body_sha256"] == Evidence.objects.get(same_as__isnull=True).body_sha256


def test_the_case_page_shows_a_shared_capture_once_with_the_reports_it_covers(
        site: str, fetches: list[str], campaign: Any, client: Any, staff: Any) -> None:
    campaign(5, url=site, category="harassment")
    _run_all()
    case = Case.objects.get()
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert page.count('<article class="capture">') == 1
    assert "This capture is also the evidence of 4 other reports of this URL in this case." in page
    client.cookies["django_language"] = "es"
    page = client.get(f"/console/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Esta captura es también la prueba de 4 denuncias más de esta URL en este caso." in page


def test_moving_reports_leaves_each_case_a_capture_of_its_own(site: str, fetches: list[str], campaign: Any,
                                                             staff: Any) -> None:
    from abusedesk.cases.actions.merging import do_move_report
    from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK

    ids = campaign(5, url=site, category="harassment")
    _run_all()
    source = Case.objects.get()
    capture = Evidence.objects.get(same_as__isnull=True)
    target = Case.objects.create(title="split", severity="S3", severity_rank=SEVERITY_RANK["S3"], lane="normal",
                                 lane_rank=LANE_RANK["normal"], group_key="split", customer=source.customer,
                                 property=source.property)
    moved = [rid for rid in ids if rid != str(capture.report_id)][:2]  # two reports that reuse the capture
    for rid in moved:
        do_move_report(Report.objects.get(pk=rid), target, reason="another thread", acting_user=staff["ana"])
    own = Evidence.objects.get(case=target, same_as__isnull=True)  # the target's copy, not fetched again
    assert fetches == [site]
    assert (own.body_sha256, own.text, bytes(own.body)) == (capture.body_sha256, capture.text, bytes(capture.body))
    assert set(Evidence.objects.filter(case=target).exclude(pk=own.pk).values_list("same_as", flat=True)) == {own.pk}
    assert Evidence.objects.filter(case=source, same_as=capture).count() == 2
    # the capture's own report moves too: the two rows left behind get a capture of their own case
    do_move_report(Report.objects.get(pk=capture.report_id), target, reason="same thread", acting_user=staff["ana"])
    left = Evidence.objects.get(case=source, same_as__isnull=True)
    assert left.body_sha256 == capture.body_sha256 and left.text == capture.text
    assert Evidence.objects.filter(case=source, same_as=left).count() == 1
    assert not Evidence.objects.filter(same_as__isnull=False).exclude(same_as__case_id=F("case_id")).exists()
    assert AuditEvent.objects.filter(verb="evidence.copied").count() == 2
    assert audit_verify().ok
