"""Deferred sealing: events are written without a lock and chained afterwards, losing nothing and hiding nothing."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from abusedesk.audit import trail as audit
from abusedesk.audit.models import AuditEvent, AuditHead
from abusedesk.jobs.worker import _tickers

pytestmark = pytest.mark.django_db


def _append(n: int, actor: str = "test") -> None:
    with transaction.atomic():
        for i in range(n):
            audit.append(actor=actor, verb="thing.happened", object_type="thing", object_id=str(i), payload={"i": i})


def test_an_event_is_written_unsealed_and_the_sealer_chains_it() -> None:
    _append(3)
    assert audit.unsealed() == 3
    assert list(AuditEvent.objects.values_list("seq", "hash")) == [(None, "")] * 3
    assert audit.seal() == 3
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3] and rows[0].prev_hash == audit.GENESIS
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in (1, 2))
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (3, rows[-1].hash)
    assert audit.seal() == 0 and audit.verify().ok


def test_verify_seals_first_so_nothing_committed_is_left_unchecked() -> None:
    _append(2)
    result = audit.verify()
    assert result.ok and result.events == 2 and audit.unsealed() == 0


def test_sealing_in_batches_keeps_one_chain() -> None:
    _append(7)
    assert audit.seal(batch=3) == 7
    assert audit.verify().ok and audit.verify().last_seq == 7


@pytest.mark.parametrize("statement", [
    "UPDATE cases_auditevent SET actor = 'mallory'",
    "UPDATE cases_auditevent SET payload = '{}'",
    "UPDATE cases_auditevent SET seq = 5, prev_hash = 'x', hash = 'y', actor = 'mallory'",
    "DELETE FROM cases_auditevent",
])
def test_an_unsealed_event_cannot_be_changed_or_removed(statement: str) -> None:
    _append(1)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM abusedesk_audit_guard")
        else:
            cursor.execute("SET LOCAL abusedesk.audit_purge = ''")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.filter(actor="test", seq__isnull=True).count() == 1


def test_a_sealed_event_cannot_be_sealed_again() -> None:
    _append(1)
    audit.seal()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM abusedesk_audit_guard")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_auditevent SET seq = 9, hash = 'z' WHERE seq = 1")


@pytest.mark.django_db(transaction=True)
def test_events_committed_before_a_crash_are_sealed_by_the_next_sealer() -> None:
    """The process that wrote the events dies before any seal (nothing else holds them): a later sealer, in any
    process, finds them committed and chains them."""
    _append(4, actor="before-crash")
    connection.close()  # the writer's connection is gone, as after a SIGKILL
    assert audit.unsealed() == 4
    assert audit.seal() == 4
    assert audit.verify().ok and audit.verify().events == 4


@pytest.mark.django_db(transaction=True)
def test_the_workers_sealer_thread_chains_committed_events() -> None:
    if connection.vendor == "sqlite" and "memory" in connection.settings_dict["NAME"]:
        pytest.skip("the sealer thread needs a database another connection can see; runs on PostgreSQL")
    sealer = _tickers("test-worker", ["*"])[0]  # the sealer comes first
    sealer.start()
    try:
        _append(3)
        deadline = time.monotonic() + 60  # generous: a loaded 2-core machine
        while audit.unsealed() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sealer.stop.set()
        sealer.join(timeout=60)
    assert audit.unsealed() == 0 and audit.verify(seal_first=False).ok


@pytest.mark.django_db(transaction=True)
def test_writers_and_several_sealers_at_once_make_one_gapless_chain() -> None:
    if connection.vendor == "sqlite" and "memory" in connection.settings_dict["NAME"]:
        pytest.skip("in-memory SQLite serialises everything; the concurrency check runs on PostgreSQL")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit.append(actor=f"w{n}", verb="x", object_type="o", object_id=str(i))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def seal(wait: bool) -> None:
        try:
            for _ in range(20):
                audit.seal(wait=wait)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    threads += [threading.Thread(target=seal, args=(n % 2 == 0,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = audit.verify()
    assert result.ok and result.events == 60
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 61))
