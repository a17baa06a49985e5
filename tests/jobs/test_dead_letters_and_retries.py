"""Retries keep their priority, RetryLater is not a crash, and dead letters are listed and can be retried."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from abusedesk.audit.models import AuditEvent
from abusedesk.cli.main import main as cli
from abusedesk.common.logging import OneLineFormatter
from abusedesk.jobs import Priority, enqueue
from abusedesk.jobs.models import DeadLetter
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.testing import jobs as sample
from abusedesk.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _exhaust(rounds: int) -> None:
    for _ in range(rounds):
        run_pending_jobs()
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def test_a_retry_keeps_its_enqueue_time_priority() -> None:
    enqueue(sample.always_fails, "urgent", priority=Priority.S0)
    run_pending_jobs()
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.priority == Priority.S0
    _exhaust(3)
    assert DeadLetter.objects.get().priority == Priority.S0


def test_retry_later_is_not_a_crash_and_still_ends_in_dead_letters(caplog: Any) -> None:
    sample.RAN.clear()
    enqueue(sample.not_yet, "busy", priority=Priority.S1)
    with caplog.at_level(logging.INFO, logger="abusedesk.jobs"):
        run_pending_jobs()
    first = DBTaskResult.objects.order_by("enqueued_at").first()
    assert first is not None and first.status == TaskResultStatus.SUCCESSFUL  # not FAILED, no traceback
    again = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert again.priority == Priority.S1
    assert 110 < (again.run_after - timezone.now()).total_seconds() <= 120  # its own delay, not the backoff
    assert "cannot finish yet (the far end is busy)" in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
    _exhaust(2)
    assert sample.RAN == ["busy", "busy"]
    assert DeadLetter.objects.get().error_class.endswith("RetryLater")


def test_a_report_that_fails_processing_six_times_is_listed_and_can_be_retried(
        post_report: Any, monkeypatch: Any, capsys: Any) -> None:
    from abusedesk.pipeline import tasks

    def broken(urls: Any) -> Any:
        raise RuntimeError("attribution database unavailable")

    monkeypatch.setattr(tasks, "attribute", broken)
    report_id = post_report().json()["id"]
    _exhaust(6)
    letter = DeadLetter.objects.get()
    assert letter.task_path == "abusedesk.pipeline.tasks.process_report" and letter.attempts == 6
    assert letter.args_kwargs["args"] == [report_id] and letter.task_result_id

    assert cli(["jobs", "dead"]) == 0
    listed = capsys.readouterr().out
    assert report_id in listed and "attribution database unavailable" in listed
    assert cli(["jobs", "dead", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == letter.pk

    monkeypatch.undo()
    assert cli(["jobs", "retry", str(letter.pk)]) == 0
    assert "1 job(s) enqueued again" in capsys.readouterr().out
    run_pending_jobs()
    from abusedesk.intake.models import Report

    assert Report.objects.get(pk=report_id).status != "received"
    assert AuditEvent.objects.filter(verb="job.retried", object_id=str(letter.pk), actor="cli").exists()
    assert cli(["jobs", "dead"]) == 0
    assert "no dead letters" in capsys.readouterr().out
    assert cli(["jobs", "retry", str(letter.pk)]) == 2  # already retried: nothing waiting under that id


def test_the_console_lists_failed_jobs_and_retries_them(staff: Any) -> None:
    enqueue(sample.always_fails, "poison", priority=Priority.S2)
    _exhaust(3)
    letter = DeadLetter.objects.get()
    ben = Client()
    ben.post("/console/login/", {"username": "ben", "password": PASSWORD})
    page = ben.get("/console/jobs/failed/")
    assert page.status_code == 200 and b"poison job" in page.content and b"always_fails" in page.content
    assert ben.post(f"/console/jobs/failed/{letter.pk}/retry/").status_code == 302
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.priority == Priority.S2 and retry.args_kwargs == {"args": ["poison"], "kwargs": {}}
    assert DeadLetter.objects.get().resolved_by == "user:ben"
    ana = Client()
    ana.post("/console/login/", {"username": "ana", "password": PASSWORD})
    assert ana.get("/console/jobs/failed/").status_code == 404  # analysts do not run jobs
    assert ana.post(f"/console/jobs/failed/{letter.pk}/retry/").status_code == 404


def test_a_long_traceback_keeps_its_exception_line() -> None:
    def deep(n: int) -> None:
        if n:
            deep(n - 1)
        raise ValueError("the line that names the problem")

    try:
        deep(60)
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = json.loads(OneLineFormatter().format(record))
    assert line["exc"].endswith("ValueError: the line that names the problem")
    assert line["exc"].startswith("Traceback (most recent call last)") and len(line["exc"]) < 2100
