"""Screening (pipeline/screen.py): a waiting report whose own text is S0 has its filing job moved to the front, so a
backlog of reports of the same kind does not hold up its page; nothing else changes."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from abusedesk.intake.models import Report
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.pipeline.screen import SCREENED_PRIORITY, screen_waiting
from abusedesk.testing.factories import report_body
from abusedesk.triage.models import Page

pytestmark = pytest.mark.django_db
S0_TEXT = "She lives at 14 Shore Road, Holywood BT18 9HX. Someone should visit her tonight and hurt her."
MILD = "This thread keeps insulting people in the comments and the moderators do nothing about it."


@pytest.fixture(autouse=True)
def _one_report_a_job(settings: Any, customers: Any) -> None:
    settings.EVIDENCE_CAPTURE = False
    settings.PIPELINE_BATCH_REPORTS = 1  # each filing job files its own report only: a backlog of one kind


def _job_priority(report_id: str) -> int:
    return int(DBTaskResult.objects.filter(task_path__endswith="process_report", args_kwargs__args__0=report_id)
               .values_list("priority", flat=True).get())


def test_an_s0_behind_a_backlog_of_its_kind_is_filed_and_pages_first(post_report: Any) -> None:
    waiting = [post_report(report_body(urls=[f"https://forum.test/threads/{n}"], category="threat",
                                       explanation=MILD)).json()["id"] for n in range(6)]
    s0 = post_report(report_body(urls=["https://derechos.test/blog/9"], category="threat",
                                 explanation=S0_TEXT)).json()["id"]
    before = {rid: _job_priority(rid) for rid in waiting}
    assert _job_priority(s0) == before[waiting[0]]  # all queue alike: the S0 is only known once read

    assert screen_waiting() == 7
    assert _job_priority(s0) == SCREENED_PRIORITY
    assert {rid: _job_priority(rid) for rid in waiting} == before
    assert not Report.objects.filter(screened_at__isnull=True).exists()
    assert screen_waiting() == 0  # a report is read once

    assert run_pending_jobs(max_tasks=1) == 1
    assert Report.objects.get(pk=s0).status == "in_case"
    assert Report.objects.filter(pk__in=waiting, status="received").count() == 6
    assert Page.objects.filter(case__reports__pk=s0).exists()


def test_screening_moves_nothing_when_no_text_is_s0_and_skips_filed_reports(post_report: Any) -> None:
    first = post_report(report_body(urls=["https://forum.test/threads/1"], category="threat", explanation=MILD))
    run_pending_jobs()
    assert Report.objects.get(pk=first.json()["id"]).status == "in_case"
    post_report(report_body(urls=["https://forum.test/threads/2"], category="threat", explanation=MILD))
    assert screen_waiting() == 1  # the filed report is not read again
    assert not DBTaskResult.objects.filter(priority=SCREENED_PRIORITY).exists()
