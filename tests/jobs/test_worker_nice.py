"""Job workers yield the CPU to the web processes (settings.JOBS_WORKER_NICE, or `abusedesk worker --nice`): a worker
lowers its own scheduling priority once when it starts, never in a process that only runs jobs inline (tests,
drills), and the setting is bounded to what os.nice accepts."""

from __future__ import annotations

import pytest
from django.test import override_settings

from abusedesk.jobs import enqueue, worker
from abusedesk.settings.env import SettingError, env_int
from abusedesk.testing import jobs as sample


def _record(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def fake_nice(increment: int) -> int:
        calls.append(increment)
        return increment

    monkeypatch.setattr(worker.os, "nice", fake_nice)
    return calls


def _start(monkeypatch: pytest.MonkeyPatch, nice: int | None) -> list[int]:
    """run_worker up to its warm-up: the niceness is set before anything else, then the worker stops there."""
    calls = _record(monkeypatch)

    def stop() -> None:
        raise SystemExit

    monkeypatch.setattr(worker, "_warm_up", stop)
    with pytest.raises(SystemExit):
        worker.run_worker(nice=nice)
    return calls


@override_settings(JOBS_WORKER_NICE=7)
def test_a_worker_lowers_its_priority_by_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _start(monkeypatch, None) == [7]


@override_settings(JOBS_WORKER_NICE=7)
def test_nice_zero_keeps_a_worker_level_whatever_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _start(monkeypatch, 0) == []


@override_settings(JOBS_WORKER_NICE=0)
def test_zero_leaves_the_worker_level_with_the_web_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _start(monkeypatch, None) == []


@pytest.mark.django_db(transaction=True)
def test_running_jobs_inline_never_changes_the_callers_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _record(monkeypatch)
    sample.RAN.clear()
    enqueue(sample.record, "inline")
    assert worker.run_pending_jobs() == 1
    assert sample.RAN == ["inline"] and calls == []


@pytest.mark.parametrize("raw", ["-1", "20", "high"])
def test_the_setting_is_bounded_and_named(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("ABUSEDESK_WORKER_NICE", raw)
    with pytest.raises(SettingError, match="ABUSEDESK_WORKER_NICE"):
        env_int("ABUSEDESK_WORKER_NICE", 10, bounds=(0, 19))


def test_the_default_and_a_valid_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ABUSEDESK_WORKER_NICE", raising=False)
    assert env_int("ABUSEDESK_WORKER_NICE", 10, bounds=(0, 19)) == 10
    monkeypatch.setenv("ABUSEDESK_WORKER_NICE", "19")
    assert env_int("ABUSEDESK_WORKER_NICE", 10, bounds=(0, 19)) == 19
