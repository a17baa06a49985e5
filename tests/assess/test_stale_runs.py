"""Runs of `abusedesk assess --case` killed outright (SIGKILL, the OOM killer, a machine lost) get their end event:
the job workers' periodic `close_stale_runs` sets a `running` row not updated for STALE to interrupted with one
`assessment.failed`, and a run that was only slow reopens its row with an `assessment.resumed` (assess/progress.py)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from abusedesk.assess.posts import Input
from abusedesk.assess.progress import STALE, RunRecord, close_stale, close_stale_runs
from abusedesk.assess.run import Progress
from abusedesk.audit import trail as audit
from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case
from abusedesk.evidence.models import AssessmentRun

pytestmark = pytest.mark.django_db

INPUTS = [Input(file="/srv/archives/forum-export.warc.gz", sha256="a" * 64, size=10),
          Input(file="/srv/archives/forum-dms.jsonl", sha256="b" * 64, size=20)]


@pytest.fixture
def case(db: Any) -> Case:
    return Case.objects.create(title="forum.test", group_key="property:forum.test")


def _running(case: Case, *, quiet: timedelta) -> RunRecord:
    """A run that started, scored some posts, then wrote nothing for `quiet`."""
    record = RunRecord(case, engine="local", sources=[i.file for i in INPUTS], checkpoint="/srv/ckpt/forum.ckpt")
    record.started(INPUTS, windows_done=0)
    record.progress(Progress(posts=1200, scored=1100, fraction=0.4, elapsed=30.0))
    AssessmentRun.objects.filter(pk=record.run.pk).update(updated_at=timezone.now() - quiet)
    return record


def _events(record: RunRecord) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="assessment_run", object_id=str(record.run.pk)).order_by("id"))


def test_a_run_silent_for_longer_than_stale_is_closed_with_one_end_event_naming_no_file(case: Case) -> None:
    record = _running(case, quiet=STALE + timedelta(seconds=30))
    assert close_stale_runs.call() == 1
    run = AssessmentRun.objects.get(pk=record.run.pk)
    assert run.state == "interrupted" and run.finished_at is not None
    assert run.error.startswith("no progress for 9") and run.error.endswith(" s; the process was killed or lost")
    started, failed = _events(record)
    assert (started.verb, failed.verb, failed.actor) == ("assessment.started", "assessment.failed", "system")
    assert failed.payload == {"run": str(run.pk), "case": case.pk, "engine": "local", "inputs": ["a" * 64, "b" * 64],
                              "posts": 1200, "scored": 1100, "state": "interrupted",
                              "error": run.error}
    text = json.dumps(failed.payload)
    assert "forum-export" not in text and "warc" not in text and "/srv" not in text and "ckpt" not in text
    assert audit.verify().ok


def test_a_run_killed_before_hashing_its_inputs_is_closed_with_no_inputs(case: Case) -> None:
    record = RunRecord(case, engine="local", sources=["forum.warc.gz"], checkpoint=None)
    AssessmentRun.objects.filter(pk=record.run.pk).update(updated_at=timezone.now() - 2 * STALE)
    assert close_stale() == 1
    [failed] = _events(record)
    assert failed.payload["inputs"] == [] and failed.payload["posts"] == 0 and failed.payload["state"] == "interrupted"


def test_a_fresh_run_and_ended_runs_are_left_alone(case: Case) -> None:
    fresh = _running(case, quiet=STALE - timedelta(seconds=10))
    ended = _running(case, quiet=timedelta(0))
    ended.failed(RuntimeError("disk full"))
    AssessmentRun.objects.filter(pk=ended.run.pk).update(updated_at=timezone.now() - 10 * STALE)
    assert close_stale() == 0
    assert AssessmentRun.objects.get(pk=fresh.run.pk).state == "running"
    assert AssessmentRun.objects.get(pk=ended.run.pk).state == "failed"
    assert [e.verb for e in _events(fresh)] == ["assessment.started"]
    assert [e.verb for e in _events(ended)] == ["assessment.started", "assessment.failed"]


def test_closing_twice_writes_one_event(case: Case) -> None:
    record = _running(case, quiet=2 * STALE)
    assert close_stale() == 1
    assert close_stale() == 0
    assert close_stale(now=timezone.now() + 10 * STALE) == 0  # a later round: the row is no longer running
    assert [e.verb for e in _events(record)] == ["assessment.started", "assessment.failed"]
    assert audit.verify().ok


def test_a_slow_run_that_writes_after_being_closed_reopens_with_a_resumed_event_and_ends_once_more(
        case: Case) -> None:
    """Chosen behaviour: the run goes on (stopping it would throw away a live run's work) and says so in the trail:
    failed (by the housekeeper), resumed (reopened, naming itself), then its own end."""
    record = _running(case, quiet=2 * STALE)
    assert close_stale() == 1
    record.last = float("-inf")  # its next progress is due
    record.progress(Progress(posts=2400, scored=2200, fraction=0.8, elapsed=200.0))
    run = AssessmentRun.objects.get(pk=record.run.pk)
    assert (run.state, run.error, run.finished_at, run.posts) == ("running", "", None, 2400)
    *_, resumed = _events(record)
    assert resumed.verb == "assessment.resumed" and resumed.actor == record.run.started_by
    assert resumed.payload["resumes"] == str(run.pk) and resumed.payload["reopened"] is True
    assert resumed.payload["inputs"] == ["a" * 64, "b" * 64] and resumed.payload["posts"] == 2400
    record.progress(Progress(posts=2600, scored=2300, fraction=0.9, elapsed=210.0))  # an ordinary write: no event
    assert len(_events(record)) == 3
    record.failed(KeyboardInterrupt())
    assert [e.verb for e in _events(record)] == ["assessment.started", "assessment.failed", "assessment.resumed",
                                                 "assessment.failed"]
    assert AssessmentRun.objects.get(pk=record.run.pk).state == "interrupted"
    assert close_stale(now=timezone.now() + 10 * STALE) == 0
    assert audit.verify().ok


def test_a_run_whose_end_comes_after_being_closed_reopens_first(case: Case) -> None:
    record = _running(case, quiet=2 * STALE)
    assert close_stale() == 1
    record.failed(RuntimeError("engine lost"))
    assert AssessmentRun.objects.get(pk=record.run.pk).state == "failed"
    assert [e.verb for e in _events(record)] == ["assessment.started", "assessment.failed", "assessment.resumed",
                                                 "assessment.failed"]


def test_the_housekeeper_is_a_periodic_job_of_the_workers() -> None:
    from abusedesk.jobs.schedule import registered

    periodic = registered()["assess.close_stale_runs"]
    assert periodic.job is close_stale_runs and periodic.seconds == 60


@pytest.mark.django_db(transaction=True)
def test_two_workers_closing_at_once_close_a_run_once(case: Case, monkeypatch: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    record = _running(case, quiet=2 * STALE)
    real = audit.append

    def slow(**kwargs: Any) -> Any:  # the first closer holds the row's lock while the second reaches its UPDATE
        time.sleep(0.3)
        return real(**kwargs)

    monkeypatch.setattr(audit, "append", slow)
    start = threading.Barrier(2)
    closed: list[int] = []

    def worker() -> None:
        try:
            start.wait()
            closed.append(close_stale())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(closed) == [0, 1]
    assert [e.verb for e in _events(record)] == ["assessment.started", "assessment.failed"]
