"""Filing in batches (pipeline/batch.py, cases.actions.do_file_reports): many reports about one site join one case in
a few transactions, every reporter still gets a receipt, and a crash or a re-run files each report once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case, Notice
from abusedesk.intake.models import Report
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.pipeline import batch
from abusedesk.pipeline.tasks import process_report
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roomy(settings: Any, customers: Any) -> None:
    settings.PIPELINE_BATCH_SECONDS = 600.0  # steps, not the clock, decide how much a job files here
    settings.EVIDENCE_CAPTURE = False


def _verbs(verb: str) -> int:
    return AuditEvent.objects.filter(verb=verb).count()


def test_many_reports_about_one_site_make_one_case_in_one_job(campaign: Any) -> None:
    ids = campaign(60)
    assert process_report.call(ids[0]) == "filed with 59 other(s)"
    case = Case.objects.get()
    assert set(Report.objects.values_list("status", flat=True)) == {"in_case"}
    assert case.reports_filed == 60 == case.reports.count()
    assert case.last_report_at is not None and case.reports_per_hour == pytest.approx(60, rel=0.01)
    assert _verbs("report.attributed") == 60 and _verbs("case.opened") == 1
    assert all(process_report.call(i) == "already in_case" for i in ids[1:])
    run_pending_jobs()
    assert Notice.objects.filter(kind="receipt").count() == 60
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"reader{i}@mail.test" for i in range(60))
    finished = DBTaskResult.objects.filter(task_path__endswith="deliver_notices")
    assert finished.count() == 1, "one delivery job for the batch's receipts"


def test_reports_about_other_sites_are_left_to_their_own_jobs(campaign: Any) -> None:
    ids = campaign(5)
    other = campaign(2, url="https://derechos.test/blog/1", start=100)
    assert process_report.call(ids[0]) == "filed with 4 other(s)"
    assert set(Report.objects.filter(pk__in=other).values_list("status", flat=True)) == {"received"}
    run_pending_jobs()
    assert Case.objects.count() == 2
    assert Case.objects.get(property__value="derechos.test").reports_filed == 2


def test_a_batch_commits_in_steps_and_stops_at_its_limits(campaign: Any, settings: Any) -> None:
    ids = campaign(80)
    settings.PIPELINE_BATCH_REPORTS = 40
    assert process_report.call(ids[0]) == "filed with 39 other(s)"
    assert Report.objects.filter(status="in_case").count() == 40
    settings.PIPELINE_BATCH_SECONDS = 0.0  # out of time after one step: what it took besides waits for its own jobs
    waiting = Report.objects.filter(status="received").order_by("received_at").values_list("pk", flat=True)
    assert process_report.call(str(waiting[0])) == f"filed with {batch.STEP - 1} other(s)"
    assert Report.objects.filter(status="received").count() == 80 - 40 - batch.STEP
    run_pending_jobs()
    case = Case.objects.get()
    assert case.reports_filed == 80 and _verbs("report.attributed") == 80 and _verbs("case.opened") == 1
    assert Notice.objects.filter(kind="receipt").count() == 80


def test_a_batch_that_fails_is_filed_once_by_the_retry(campaign: Any, monkeypatch: Any) -> None:
    ids = campaign(30)
    calls = {"n": 0}
    real = batch.create_reporter_notices

    def fail_once(reports: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second step, after the first step's receipts
            raise RuntimeError("worker lost its database mid-batch")
        return real(reports, **kw)

    monkeypatch.setattr(batch, "create_reporter_notices", fail_once)
    with pytest.raises(RuntimeError):
        process_report.call(ids[0])
    assert not Case.objects.exists() and set(Report.objects.values_list("status", flat=True)) == {"received"}
    assert not Notice.objects.exists() and _verbs("report.attributed") == 0
    for _ in range(3):
        run_pending_jobs()
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    assert Case.objects.get().reports_filed == 30
    assert _verbs("report.attributed") == 30 and Notice.objects.filter(kind="receipt").count() == 30
    assert len(mail.outbox) == 30


def test_the_most_severe_report_and_lane_of_a_batch_set_the_case(campaign: Any, post_report: Any,
                                                                  flagger_token: str) -> None:
    ids = campaign(3)
    post_report(report_body(urls=["https://shop.test/item/7"], category="harassment",
                            explanation="They post insults about me under every photo."), token=flagger_token)
    process_report.call(ids[0])
    case = Case.objects.get()
    assert (case.severity, case.lane, case.reports_filed) == ("S2", "trusted", 4)
    assert "harassment" in case.severity_reason


def test_a_threat_reports_batch_leaves_lower_priority_reports_to_their_own_jobs(campaign: Any) -> None:
    """A threat report's job queues beside possible S0 reports about other sites: its batch takes reports of its own
    priority or higher, never the spam that would run later anyway."""
    spam = campaign(5)
    threats = campaign(5, category="threat", start=10)
    assert process_report.call(threats[0]) == "filed with 4 other(s)"
    assert set(Report.objects.filter(pk__in=spam).values_list("status", flat=True)) == {"received"}
    assert process_report.call(spam[0]) == "filed with 4 other(s)"
    assert Case.objects.get().reports_filed == 10


def test_older_lower_priority_reports_do_not_use_up_a_batch(campaign: Any, settings: Any) -> None:
    settings.PIPELINE_BATCH_REPORTS = 10
    campaign(20)  # spam, waiting longer
    harassment = campaign(12, category="harassment", start=50)
    assert process_report.call(harassment[0]) == "filed with 9 other(s)"
    assert Report.objects.filter(category="harassment", status="in_case").count() == 10
