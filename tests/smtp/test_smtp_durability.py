"""SIGKILL the listener during a burst of 1,000 messages: every message that got 250 is stored, exactly once.

The listener is `abusedesk smtp` in its own process on a database shared with the test: the embedded SQLite file
of a fresh data directory, or (ABUSEDESK_TEST_DB=postgres) the test run's PostgreSQL database. Four client
threads send on loopback with smtplib; once 300 messages have been acknowledged the listener is killed. A restarted
listener then takes the rest, so the only messages that may be stored twice are those in flight at the kill
(stored, but the 250 never reached the client, which sent them again) - the reader recognises those.
"""

from __future__ import annotations

import os
import queue
import signal
import smtplib
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from .helpers import ADDRESS, HOST, message, sqlite_desk_env, start_listener_process, stored_counts

BURST = 1000
CLIENTS = 4
KILL_AFTER = 300


class Burst:
    """Client threads that take ids from a queue and send each as a message; they stop at the first failure."""

    def __init__(self, ids: list[int]) -> None:
        self.todo: queue.Queue[int] = queue.Queue()
        for n in ids:
            self.todo.put(n)
        self.acked: list[int] = []
        self.failed: list[int] = []  # sent, but no 250 came back (in flight when the listener died)
        self.lock = threading.Lock()

    def run(self, port: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._client, args=(port,), daemon=True) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        return threads

    def _client(self, port: int) -> None:
        try:
            client = smtplib.SMTP(HOST, port, local_hostname="client.test", timeout=120)
        except OSError:
            return
        with client:
            while True:
                try:
                    n = self.todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    client.sendmail("reporter@mail.test", [ADDRESS], message(f"burst-{n}"))
                except (smtplib.SMTPException, OSError):
                    with self.lock:
                        self.failed.append(n)
                    return
                with self.lock:
                    self.acked.append(n)


def _wait_for(predicate: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _burst_with_a_kill(env: dict[str, str]) -> None:
    proc, port = start_listener_process(env)
    first = Burst(list(range(BURST)))
    threads = first.run(port)
    try:
        _wait_for(lambda: len(first.acked) >= KILL_AFTER or not any(t.is_alive() for t in threads), 600,
                  f"{KILL_AFTER} acknowledged messages")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
    for thread in threads:
        thread.join(180)
    acked_before_kill = set(first.acked)
    assert KILL_AFTER <= len(acked_before_kill) < BURST, "the kill must come mid-burst"
    counts = stored_counts(env)
    assert all(counts.get(f"burst-{n}") == 1 for n in acked_before_kill), "an acknowledged message was lost"
    unacked_stored = {k for k in counts if int(k.removeprefix("burst-")) not in acked_before_kill}
    assert len(unacked_stored) <= CLIENTS, f"stored without a 250 beyond the ones in flight: {unacked_stored}"

    proc, port = start_listener_process(env)  # the sender's retries
    rest = Burst(sorted(set(range(BURST)) - acked_before_kill))
    try:
        for thread in rest.run(port):
            thread.join(600)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert not rest.failed and len(rest.acked) == BURST - len(acked_before_kill)
    counts = stored_counts(env)
    assert set(counts) == {f"burst-{n}" for n in range(BURST)}
    assert all(counts[f"burst-{n}"] == 1 for n in acked_before_kill)
    twice = {k for k, v in counts.items() if v > 1}
    assert all(counts[k] == 2 for k in twice) and twice <= {f"burst-{n}" for n in first.failed}, twice


@pytest.mark.slow
def test_sqlite_no_acknowledged_message_is_lost_when_the_listener_is_killed(tmp_path: Path) -> None:
    _burst_with_a_kill(sqlite_desk_env(tmp_path / "data"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_postgres_no_acknowledged_message_is_lost_when_the_listener_is_killed() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the SQLite file variant above covers the embedded default; this one runs on PostgreSQL")
    s = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "abusedesk.testing.settings", "ABUSEDESK_MAIL_ADDRESSES": ADDRESS,
           "ABUSEDESK_DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"}
    _burst_with_a_kill(env)
