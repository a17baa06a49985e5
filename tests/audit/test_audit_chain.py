"""The audit trail is append-only at the database and tamper-evident in `abusedesk audit verify`."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from abusedesk.audit import trail as audit
from abusedesk.audit.models import AuditEvent
from abusedesk.cli.main import main

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            audit.append(actor="test", verb="thing.happened", object_type="thing", object_id=str(i),
                         payload={"i": i, "note": "ü"})
    audit.seal()


def _as_superuser(sql: str, params: list[Any] | None = None) -> None:
    """What an attacker with database superuser rights could do: bypass the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE cases_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE cases_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
            cursor.execute(sql, params)


def test_a_clean_chain_verifies(capsys: Any) -> None:
    _events(5)
    result = audit.verify()
    assert result.ok and result.events == 5 and result.last_seq == 5
    assert main(["audit", "verify"]) == 0
    assert "audit chain OK: 5 events" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_events_must_be_written_inside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.append(actor="t", verb="v", object_type="o", object_id="1")


@pytest.mark.parametrize("statement", [
    "UPDATE cases_auditevent SET actor = 'mallory' WHERE seq = 2",
    "DELETE FROM cases_auditevent WHERE seq = 2",
])
def test_the_database_refuses_changes(statement: str) -> None:
    _events(3)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM abusedesk_audit_guard")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL abusedesk.audit_purge = ''")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.filter(seq=2, actor="test").exists()


def test_truncate_is_refused_on_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL; SQLite's DELETE is covered above")
    _events(2)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL abusedesk.audit_purge = ''")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_auditevent")


def test_a_changed_payload_is_found(capsys: Any) -> None:
    _events(5)
    _as_superuser("UPDATE cases_auditevent SET payload = %s WHERE seq = 3", ['{"i": 99, "note": "ü"}'])
    result = audit.verify()
    assert not result.ok and result.first_broken_seq == 3
    assert main(["audit", "verify"]) == 1
    assert "seq 3: content does not match its hash (changed)" in capsys.readouterr().out


def test_a_removed_middle_event_is_found() -> None:
    _events(5)
    _as_superuser("DELETE FROM cases_auditevent WHERE seq = 3")
    result = audit.verify()
    assert not result.ok
    assert result.first_broken_seq == 3
    assert any("seq 4: link to the previous event is broken" in p for p in result.problems)


def test_reordered_events_are_found() -> None:
    _events(4)
    _as_superuser("UPDATE cases_auditevent SET seq = -seq WHERE seq IN (2, 3)")
    _as_superuser("UPDATE cases_auditevent SET seq = 3 WHERE seq = -2")
    _as_superuser("UPDATE cases_auditevent SET seq = 2 WHERE seq = -3")
    result = audit.verify()
    assert not result.ok and result.first_broken_seq == 2


def test_a_truncated_tail_is_found_against_the_head_and_a_checkpoint(capsys: Any) -> None:
    _events(5)
    assert main(["audit", "checkpoint"]) == 0
    checkpoint = capsys.readouterr().out.strip()
    _as_superuser("DELETE FROM cases_auditevent WHERE seq >= 4")
    assert any("truncated" in p for p in audit.verify().problems)
    # An attacker who also rewrites the head row is still caught by the external checkpoint.
    with connection.cursor() as cursor:
        last = AuditEvent.objects.order_by("-seq").first()
        assert last is not None
        cursor.execute("UPDATE cases_audithead SET seq = %s, hash = %s", [last.seq, last.hash])
    assert audit.verify().ok
    assert main(["audit", "verify", "--checkpoint", checkpoint]) == 1
    assert "beyond the chain's end" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_make_one_gapless_chain() -> None:
    if connection.vendor == "sqlite" and "memory" in connection.settings_dict["NAME"]:
        pytest.skip("in-memory SQLite serialises everything; the concurrency check runs on PostgreSQL")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(5):
                with transaction.atomic():
                    audit.append(actor=f"t{n}", verb="x", object_type="o", object_id=str(i))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = audit.verify()
    assert result.ok and result.events == 50
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 51))
