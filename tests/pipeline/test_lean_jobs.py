"""Fewer jobs per report: the steps that always follow filing run in the filing job (the forward to the host when no
evidence is captured first, detection), a job's notices go out in one delivery job, a watched thread is fetched once
however many reports name it; and a campaign being filed does not hold up an S0 about another site."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from abusedesk.cases.models import Case, Notice
from abusedesk.intake.models import Report
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.testing.factories import report_body
from abusedesk.triage.models import Page
from abusedesk.watch.models import WatchedThread

pytestmark = pytest.mark.django_db
S0_TEXT = "She lives at 14 Shore Road, Holywood BT18 9HX. Someone should visit her tonight and hurt her."


@pytest.fixture(autouse=True)
def _no_capture(settings: Any, customers: Any) -> None:
    settings.EVIDENCE_CAPTURE = False
    settings.PIPELINE_BATCH_SECONDS = 600.0


def _jobs() -> Counter[str]:
    run_pending_jobs()
    return Counter(path.rsplit(".", 1)[-1] for path in DBTaskResult.objects.values_list("task_path", flat=True))


def test_one_report_makes_two_jobs_or_three_when_its_thread_is_watched(post_report: Any) -> None:
    post_report(report_body(category="scam", urls=["https://shop.test/login-verify/1"]))
    assert _jobs() == {"process_report": 1, "deliver_notices": 1}
    post_report(report_body(category="threat", urls=["https://forum.test/threads/1"]))
    assert _jobs() == {"process_report": 2, "deliver_notices": 2, "refetch": 1}
    # forum.test is only proxied by us: the forward to its host went out in the same delivery job as the receipt
    assert Notice.objects.filter(kind="host_forward", status="sent").count() == 1
    assert sorted(m.to[0] for m in mail.outbox).count("rita@advocates.test") == 2


def test_a_campaign_makes_one_job_per_report_and_one_delivery(campaign: Any) -> None:
    campaign(30, url="https://forum.test/threads/9", category="harassment")
    assert run_pending_jobs(max_tasks=1) == 1  # the first filing job files all 30 ...
    assert Report.objects.filter(status="received").count() == 0
    # ... and settles the 29 other reports' jobs in its transaction: no worker claims them to find nothing to do
    settled = DBTaskResult.objects.filter(task_path__endswith="process_report", status="SUCCESSFUL",
                                          started_at__isnull=True)
    assert settled.count() == 29
    assert all(str(value).startswith("filed in the batch of report") for value in
               settled.values_list("return_value", flat=True))
    assert not DBTaskResult.objects.filter(task_path__endswith="process_report", status="READY").exists()
    jobs = _jobs()
    assert jobs == {"process_report": 30, "deliver_notices": 1, "refetch": 1}
    assert Notice.objects.filter(status="sent").count() == 60  # 30 receipts and 30 forwards to the host
    assert WatchedThread.objects.count() == 1


def test_an_s0_about_another_site_runs_between_the_batches_of_a_campaign(campaign: Any, post_report: Any,
                                                                         settings: Any) -> None:
    settings.PIPELINE_BATCH_REPORTS = 20
    campaign(60)
    assert run_pending_jobs(max_tasks=1) == 1
    assert Report.objects.filter(status="received").count() == 40
    probe = post_report(report_body(urls=["https://derechos.test/blog/9"], category="threat", explanation=S0_TEXT,
                                    reporter={"name": "Friend", "email": "friend@mail.test", "kind": "individual"}))
    run_pending_jobs(max_tasks=1)
    assert Report.objects.get(pk=probe.json()["id"]).status == "in_case"
    case = Case.objects.get(property__value="derechos.test")
    assert case.severity == "S0" and Page.objects.filter(case=case).exists()
    assert Report.objects.filter(status="received").count() == 40  # the campaign waits its turn


def test_the_filing_job_analyses_a_batch_as_each_report_alone(monkeypatch: Any) -> None:
    """Batching only saves time: with as_one_by_one the encoder's budget does not leave an uncertain text out."""
    from abusedesk.detection import scoring
    from abusedesk.detection.api import analyse, analyse_many

    texts = [S0_TEXT, "they keep posting insulting comments about me under every photo",
             "someone wrote that I should watch my back", "you people are a disease on this country",
             "great recipe, thanks for sharing", "i will find you", "she lives near the old mill, everyone knows",
             "this shop steals card numbers", "go back where you came from", "nobody likes you, leave"] * 2
    monkeypatch.setattr(scoring, "_cache", scoring._LRU())
    batched = analyse_many(texts, ["en"] * len(texts), as_one_by_one=True)
    alone = []
    for text in texts:
        monkeypatch.setattr(scoring, "_cache", scoring._LRU())
        alone.append(analyse(text, "en"))
    for one, other in zip(batched, alone, strict=True):  # the same up to float rounding in batched matrix products
        assert one.scores == pytest.approx(other.scores, abs=1e-5) and one.labels == other.labels


def test_a_campaigns_reports_queue_just_below_their_kind(campaign: Any, post_report: Any, settings: Any) -> None:
    """An S0 is known only once read: the threat reports of a site under a campaign queue one step below other threat
    reports, so a threat about another site (which may be the S0) does not wait for all of them."""
    settings.CAMPAIGN_REPORTS = 10
    campaign(12, category="threat")
    run_pending_jobs()
    assert Case.objects.get().is_campaign
    cache.clear()  # the sites under a campaign are read again every few seconds (pipeline.campaigns)
    late = campaign(1, category="threat", start=100)[0]
    other = post_report(report_body(urls=["https://derechos.test/blog/2"], category="threat")).json()["id"]
    spam = campaign(1, start=200)[0]
    queued = {args["args"][0]: priority for args, priority in DBTaskResult.objects.filter(
        status="READY", task_path__endswith="process_report").values_list("args_kwargs", "priority")}
    assert queued == {late: 49, other: 50, spam: -1}
