"""Backpressure made visible: /healthz reports the READY backlog, its age, the S0 jobs in it and the audit events
not yet sealed; a backlog never makes the health check fail, only `degraded`; the queries do not grow with it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from abusedesk.audit import trail as audit
from abusedesk.jobs import Priority, backlog, enqueue
from abusedesk.jobs.backlog import snapshot
from abusedesk.testing import jobs as sample

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """/healthz reuses its figures for a second; these tests change the backlog between calls."""
    monkeypatch.setattr(backlog, "REUSE_SECONDS", 0.0)


def _backdate(label: str, seconds: float, field: str = "enqueued_at") -> None:
    rows = [r.pk for r in DBTaskResult.objects.all() if r.args_kwargs["args"] == [label]]
    DBTaskResult.objects.filter(pk__in=rows).update(**{field: timezone.now() - timedelta(seconds=seconds)})


def test_healthz_with_nothing_waiting(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["backlog"] == 0 and body["s0_ready"] == 0
    assert body["oldest_ready_age_s"] == 0.0 and body["degraded"] is False
    assert isinstance(body["unsealed_audit_events"], int)


def test_healthz_shows_a_ready_backlog_without_failing(client: Client, settings: Any) -> None:
    enqueue(sample.record, "s0", priority=Priority.S0)
    enqueue(sample.record, "normal")
    enqueue(sample.record, "bulk", priority=Priority.BULK)
    _backdate("bulk", settings.BACKLOG_WARN_SECONDS + 30)  # the oldest waits at the lowest priority
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["backlog"] == 3 and body["s0_ready"] == 1
    assert settings.BACKLOG_WARN_SECONDS + 29 <= body["oldest_ready_age_s"] <= settings.BACKLOG_WARN_SECONDS + 40
    assert body["degraded"] is True
    settings.BACKLOG_WARN_SECONDS = 3600
    assert client.get("/healthz").json()["degraded"] is False


def test_a_job_delayed_to_later_counts_in_the_backlog_but_is_not_waiting_yet() -> None:
    enqueue(sample.record, "later", delay_s=3600)
    _backdate("later", 7200)  # enqueued two hours ago, due in an hour: not late
    state = snapshot()
    assert state.backlog == 1 and state.oldest_ready_age_s == 0.0 and not state.degraded


def test_a_delayed_job_that_came_due_waits_from_its_run_after() -> None:
    enqueue(sample.record, "retry", delay_s=10)
    _backdate("retry", 3600)
    _backdate("retry", 120, field="run_after")  # due two minutes ago, enqueued an hour ago
    enqueue(sample.record, "fresh")  # same priority, not delayed: the second seek at that level
    assert 119 <= snapshot().oldest_ready_age_s <= 130


def test_running_and_finished_jobs_are_not_backlog() -> None:
    enqueue(sample.record, "done")
    enqueue(sample.record, "left", priority=Priority.S0)
    _backdate("left", 5)
    from abusedesk.jobs.worker import run_pending_jobs

    run_pending_jobs()
    enqueue(sample.record, "new")
    state = snapshot()
    assert state.backlog == 1 and state.s0_ready == 0 and state.oldest_ready_age_s < 5


def test_unsealed_audit_events_are_counted_until_sealed() -> None:
    audit.seal()
    before = snapshot().unsealed_audit_events
    with audit.atomic():
        audit.append(actor="system", verb="test.event", object_type="test", object_id="1")
    assert snapshot().unsealed_audit_events == before + 1
    audit.seal()
    assert snapshot().unsealed_audit_events == 0


def test_the_queries_do_not_grow_with_the_backlog() -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            snapshot()
        return len(captured)

    for priority in (Priority.S0, Priority.NORMAL, Priority.BULK):
        enqueue(sample.record, "one", priority=priority)
    few = count()
    for i in range(40):
        enqueue(sample.record, f"more-{i}", priority=(Priority.S0, Priority.NORMAL, Priority.BULK)[i % 3])
    assert count() == few <= 2 + 4  # the counts, the unsealed events; a seek per priority present, one past the last


def test_healthz_asks_the_database_every_time_but_reuses_the_figures_for_a_second(
        client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backlog, "REUSE_SECONDS", 60.0)
    monkeypatch.setattr(backlog, "_last", None)
    assert client.get("/healthz").json()["backlog"] == 0
    enqueue(sample.record, "meanwhile")
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/healthz").json()
    assert len(captured) == 1 and body["backlog"] == 0  # SELECT 1 only; the figures are the ones just read
    monkeypatch.setattr(backlog, "REUSE_SECONDS", 0.0)
    assert client.get("/healthz").json()["backlog"] == 1
