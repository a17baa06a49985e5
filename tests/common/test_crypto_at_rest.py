"""Encryption at rest: ciphertext bound to its row, key rotation, blind indexes; logs that cannot leak or forge."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import connection

from abusedesk.cli.main import main
from abusedesk.common import keys
from abusedesk.common.crypto import DecryptionError, Keyring, load_keyring
from abusedesk.common.logging import OneLineFormatter, RedactingFilter
from abusedesk.intake.models import Reporter


def test_seal_and_open_round_trip_with_associated_data() -> None:
    ring = Keyring.generate()
    blob = ring.seal(b"secret", b"t.c:1")
    assert ring.open(blob, b"t.c:1") == b"secret"
    with pytest.raises(DecryptionError):
        ring.open(blob, b"t.c:2")
    with pytest.raises(DecryptionError):
        ring.open(blob[:-1] + bytes([blob[-1] ^ 1]), b"t.c:1")


def test_keyring_json_round_trip_and_validation() -> None:
    ring = Keyring.generate()
    again = Keyring.from_json(ring.to_json())
    assert again.keys == ring.keys and again.primary == ring.primary
    with pytest.raises(Exception, match="malformed"):
        Keyring.from_json("{}")


@pytest.mark.django_db
def test_swapped_ciphertexts_fail_to_decrypt() -> None:
    a = Reporter.objects.create(name="Alice A", email="a@x.test", email_index="a")
    b = Reporter.objects.create(name="Bob B", email="b@x.test", email_index="b")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM intake_reporter")
        rows = {str(r[0]).replace("-", ""): bytes(r[1]) for r in cursor.fetchall()}
        a_key, b_key = a.pk.hex, b.pk.hex
        cursor.execute("UPDATE intake_reporter SET name = %s WHERE id = %s", [rows[b_key], a.pk.hex if
                       connection.vendor == "sqlite" else a.pk])
    with pytest.raises(DecryptionError):
        _ = Reporter.objects.get(pk=a.pk).name
    assert Reporter.objects.get(pk=b.pk).name == "Bob B"
    assert a_key != b_key


@pytest.mark.django_db
def test_rotate_rewrap_retire(capsys: Any) -> None:
    reporter = Reporter.objects.create(name="Carol", email="c@x.test", email_index="c")
    old = load_keyring().primary
    assert main(["keys", "rotate"]) == 0
    new = load_keyring().primary
    assert new != old
    assert main(["keys", "retire", old]) == 2  # still in use
    assert "rewrap" in capsys.readouterr().err
    assert main(["keys", "rewrap"]) == 0
    assert keys.usage().get(old, 0) == 0
    assert main(["keys", "retire", old]) == 0
    assert old not in load_keyring().keys
    assert Reporter.objects.get(pk=reporter.pk).name == "Carol"


@pytest.mark.django_db
def test_blind_index_finds_the_same_reporter(post_report: Any) -> None:
    from abusedesk.testing.factories import report_body

    post_report(report_body(reporter={"name": "D", "email": "Same@Mail.test", "kind": "individual"}))
    post_report(report_body(reporter={"name": "D", "email": "same@mail.test ", "kind": "individual"}))
    assert Reporter.objects.count() == 1


def test_log_records_stay_one_line_and_carry_no_identity() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1,
                               "report text %s",
                               ("a\r\nINFO forged entry \x1b[31mred rita@mail.test +44 28 9032 1234",), None)
    assert RedactingFilter().filter(record)
    line = OneLineFormatter().format(record)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    entry = json.loads(line)
    assert "rita@mail.test" not in line and "9032" not in line
    assert "[redacted-email]" in entry["msg"] and "\\x0d\\x0aINFO forged" in entry["msg"]


def test_long_messages_are_truncated() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "y" * (1 << 20), (), None)
    assert len(OneLineFormatter().format(record)) < 3000
