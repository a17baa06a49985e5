"""The urgent lane: jobs above every filing job (paging, referral packets, a report screening read as S0) wait on a
queue of their own, which `abusedesk up` gives a level worker that also runs screening, while the other workers may
run nicer than the web processes. Filing jobs never reach the lane, and a retry stays on it."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from abusedesk.cli.commands import server
from abusedesk.cli.main import main
from abusedesk.intake.service import processing_priority
from abusedesk.jobs import Priority, enqueue, raise_waiting, worker
from abusedesk.jobs.core import URGENT_QUEUE, queue_for
from abusedesk.testing import jobs as sample

pytestmark = pytest.mark.django_db


def _queue_of(label: str) -> str:
    return next(r.queue_name for r in DBTaskResult.objects.all() if r.args_kwargs["args"] == [label])


def test_jobs_above_every_filing_job_wait_on_the_urgent_lane() -> None:
    enqueue(sample.record, "page", priority=int(Priority.S0))
    enqueue(sample.record, "referral", priority=int(Priority.S0) - 1)
    enqueue(sample.record, "threat", priority=int(Priority.S1))
    enqueue(sample.record, "plain")
    assert [_queue_of(x) for x in ("page", "referral", "threat", "plain")] == [URGENT_QUEUE, URGENT_QUEUE,
                                                                               "default", "default"]


def test_no_filing_job_reaches_the_lane_whatever_it_claims() -> None:
    for category in ("threat", "doxxing", "spam", "other"):
        for lane in ("normal", "trusted", "authority"):
            assert queue_for(processing_priority(category, lane), "default") == "default"


def test_screening_moves_a_waiting_job_onto_the_lane() -> None:
    enqueue(sample.record, "s0-text", priority=int(Priority.S1))
    enqueue(sample.record, "other-text", priority=int(Priority.S1))
    assert raise_waiting(sample.record, ["s0-text"], priority=int(Priority.S0) - 5) == 1
    assert _queue_of("s0-text") == URGENT_QUEUE and _queue_of("other-text") == "default"
    row = next(r for r in DBTaskResult.objects.all() if r.args_kwargs["args"] == ["s0-text"])
    assert row.priority == int(Priority.S0) - 5


def test_a_failed_urgent_job_is_retried_on_the_lane(settings: Any) -> None:
    enqueue(sample.always_fails, "urgent-poison", priority=int(Priority.S0))
    worker.run_pending_jobs(max_tasks=1)
    retries = [r for r in DBTaskResult.objects.filter(status="READY") if r.args_kwargs["args"] == ["urgent-poison"]]
    assert retries and all(r.queue_name == URGENT_QUEUE and r.priority == int(Priority.S0) for r in retries)


@pytest.mark.parametrize(("queues", "screens"), [(["*"], True), ([URGENT_QUEUE], True),
                                                   (["default", "bulk"], False)])
def test_screening_runs_where_urgent_jobs_run_and_sealing_everywhere(settings: Any, queues: list[str],
                                                                      screens: bool) -> None:
    settings.JOBS_TICKERS = {"abusedesk.pipeline.screen.screen_waiting": 1.0}
    names = [t.name for t in worker._tickers("w", queues)]
    assert names[0] == "sealer-w" and ("screen_waiting-w" in names) is screens


def test_up_starts_a_level_urgent_worker_beside_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(server, "_spawn", lambda argv: started.append(argv[3:]) or object())
    monkeypatch.setattr(server, "_spawn_web", lambda args: object())
    children = server._start_children(argparse.Namespace(workers=2, smtp_port=None))
    assert list(children) == ["web", "worker-urgent", "worker-0", "worker-1"]
    assert started == [["worker", "--queues", URGENT_QUEUE, "--nice", "0"],
                       ["worker", "--queues", "default,bulk"], ["worker", "--queues", "default,bulk"]]
    assert list(server._start_children(argparse.Namespace(workers=0, smtp_port=None))) == ["web"]


def test_worker_nice_out_of_range_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--nice", "25"]) != 0
    assert "--nice" in capsys.readouterr().err
