"""The SMTP listener at its public seam, a socket: 250 only once stored, 550, 552, 451, nothing from a half message."""

from __future__ import annotations

import contextlib
import json
import logging
import smtplib
import threading
import time
from typing import Any

import pytest
from django.db import OperationalError, connection
from django_tasks_db.models import DBTaskResult

from abusedesk.common.hashing import sha256_hex
from abusedesk.intake.email import smtp
from abusedesk.intake.models import InboundMessage

from .helpers import ADDRESS, HOST, OTHER_ADDRESS, RawClient, ThreadedListener, message

Listener = ThreadedListener


def _send(port: int, raw: bytes, *, rcpt: list[str] | None = None, sender: str = "reporter@mail.test") -> Any:
    """The DATA answer. QUIT afterwards may meet the 421 of a listener that is stopping (or a closed socket): what
    the server said to the message is the answer, so a failing QUIT does not hide it."""
    client = smtplib.SMTP(HOST, port, timeout=60)
    try:
        return client.sendmail(sender, rcpt or [ADDRESS], raw)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
        client.close()


def _reading_jobs() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="process_inbound").count()


def test_a_message_for_the_abuse_address_is_stored_as_sent_with_its_reading_job(smtp_listener: Listener) -> None:
    raw = message("stored-1")
    with smtplib.SMTP(HOST, smtp_listener.port, timeout=60) as client:
        code, features = client.ehlo("client.test")
        assert code == 250 and b"SIZE 10485760" in features and b"STARTTLS" not in features
        client.mail("reporter@mail.test")
        client.rcpt(ADDRESS.upper())
        code, text = client.data(raw)
    assert (code, text) == (250, b"2.0.0 Message accepted for the abuse desk")
    [stored] = InboundMessage.objects.all()
    assert bytes(stored.raw) == raw and stored.raw_sha256 == sha256_hex(raw) and stored.size == len(raw)
    assert stored.source == "smtp" and stored.message_id == "<stored-1@mail.test>"
    assert json.loads(stored.envelope) == {"mail_from": "reporter@mail.test", "rcpt_tos": [ADDRESS.upper()],
                                           "peer": "127.0.0.1"}
    assert _reading_jobs() == 1


def test_other_recipients_get_550_and_only_ours_are_kept(smtp_listener: Listener) -> None:
    with smtplib.SMTP(HOST, smtp_listener.port, timeout=60) as client:
        client.ehlo("client.test")
        client.mail("reporter@mail.test")
        assert client.rcpt("postmaster@desk.test")[0] == 550
        assert client.rcpt("abuse@elsewhere.test")[0] == 550
        client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("reporter@mail.test", ["victim@mail.test"], message("nobody"))
    refused = _send(smtp_listener.port, message("mixed"), rcpt=["ceo@desk.test", OTHER_ADDRESS, ADDRESS, ADDRESS])
    assert list(refused) == ["ceo@desk.test"] and refused["ceo@desk.test"][0] == 550
    [stored] = InboundMessage.objects.all()
    assert json.loads(stored.envelope)["rcpt_tos"] == [OTHER_ADDRESS, ADDRESS]  # each once


def test_size_is_advertised_and_a_larger_message_gets_552_at_mail_or_data(make_listener: Any) -> None:
    with make_listener(max_bytes=4096) as listener:
        client = RawClient(listener.port)
        assert "SIZE 4096" in client.cmd(b"EHLO client.test")[1]
        assert client.cmd(b"MAIL FROM:<reporter@mail.test> SIZE=5000")[0] == 552
        client.envelope(sender=b"<reporter@mail.test> SIZE=3000")
        assert client.data(message("too-big", body=("y" * 70 + "\r\n") * 60))[0] == 552
        client.envelope()
        assert client.data(message("fits", body=("z" * 70 + "\r\n") * 40))[0] == 250
        client.close()
    assert [bytes(m.raw).count(b"z" * 70) for m in InboundMessage.objects.all()] == [40]


@pytest.mark.slow
def test_a_25_mb_message_is_refused_with_552_under_the_default_limit(smtp_listener: Listener) -> None:
    client = RawClient(smtp_listener.port, timeout=120)
    client.envelope()
    code, text = client.data(message("huge", body=("a" * 998 + "\r\n") * 25_000))
    assert code == 552, text
    assert client.cmd(b"NOOP")[0] == 250  # the session goes on; the sender knows the message was refused
    client.close()
    assert InboundMessage.objects.count() == 0 and _reading_jobs() == 0


def test_451_when_the_database_cannot_take_the_message(smtp_listener: Listener, monkeypatch: Any,
                                                       caplog: Any) -> None:
    def database_gone(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(smtp, "store_raw", database_gone)
    with caplog.at_level(logging.WARNING), pytest.raises(smtplib.SMTPDataError) as refused:
        _send(smtp_listener.port, message("db-gone"))
    assert refused.value.smtp_code == 451 and refused.value.smtp_error.startswith(b"4.3.0")
    assert InboundMessage.objects.count() == 0
    assert "not stored (OperationalError); answered 451" in caplog.text and "Connection refused" not in caplog.text


@pytest.fixture
def refuse_jobs(smtp_listener: Listener) -> Any:
    """A trigger that makes the job insert fail: the message row before it in the same transaction must go too."""
    table = DBTaskResult._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION smtp_test_refuse() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql")
            cursor.execute(f"CREATE TRIGGER smtp_test_refuse BEFORE INSERT ON {table} "
                           "FOR EACH ROW EXECUTE FUNCTION smtp_test_refuse()")
        else:
            cursor.execute(f"CREATE TRIGGER smtp_test_refuse BEFORE INSERT ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")

    def lift() -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS smtp_test_refuse ON {table}")
                cursor.execute("DROP FUNCTION IF EXISTS smtp_test_refuse()")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS smtp_test_refuse")

    yield lift
    lift()


def test_451_keeps_nothing_half_written_and_the_retry_is_stored(smtp_listener: Listener, refuse_jobs: Any) -> None:
    raw = message("half")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(smtp_listener.port, raw)
    assert refused.value.smtp_code == 451
    assert InboundMessage.objects.count() == 0 and _reading_jobs() == 0
    refuse_jobs()
    _send(smtp_listener.port, raw)  # the sender's retry
    assert InboundMessage.objects.count() == 1 and _reading_jobs() == 1


def test_a_client_that_disconnects_mid_data_leaves_nothing(smtp_listener: Listener) -> None:
    for cut in (b"Subject: half\r\n\r\nthe first lines of a rep", b"Subject: all but the end\r\n\r\nbody\r\n"):
        client = RawClient(smtp_listener.port)
        client.envelope()
        assert client.cmd(b"DATA")[0] == 354
        client.sock.sendall(cut)
        client.close()
    _send(smtp_listener.port, message("whole"))  # served after the drops; by then they have been read to the end
    assert [m.message_id for m in InboundMessage.objects.all()] == ["<whole@mail.test>"]


@pytest.mark.parametrize(("line", "code"), [
    (b"MAIL FROM:<rep\rorter@mail.test>", 501),
    (b"MAIL FROM:<reporter@mail.test>\rX-Injected: yes", 501),
    (b'MAIL FROM:<"a\x00b"@mail.test>', 501),
    (b"MAIL FROM:<" + b"a" * 300 + b"@mail.test>", 501),
])
def test_control_characters_in_the_sender_are_refused(smtp_listener: Listener, line: bytes, code: int) -> None:
    client = RawClient(smtp_listener.port)
    client.cmd(b"EHLO client.test")
    assert client.cmd(line)[0] == code
    client.close()


@pytest.mark.parametrize("rcpt", [b"<abuse@desk.test\r>", b"<abuse@desk.test>\rBcc: victim@mail.test",
                                  b'<"abuse@desk.test\x00"@desk.test>'])
def test_control_characters_in_recipients_are_refused(smtp_listener: Listener, rcpt: bytes) -> None:
    client = RawClient(smtp_listener.port)
    client.cmd(b"EHLO client.test")
    assert client.cmd(b"MAIL FROM:<reporter@mail.test>")[0] == 250
    assert client.cmd(b"RCPT TO:" + rcpt)[0] in (501, 550)
    assert client.cmd(b"DATA")[0] == 503  # no recipient was taken
    client.close()


def test_header_like_addresses_and_smuggled_commands_are_stored_as_data(smtp_listener: Listener) -> None:
    """A quoted local part that looks like a header is a valid address: it stays in the envelope (JSON), never in
    the message; a bare-LF dot inside DATA does not end it, so a second "message" smuggled after it is body text."""
    sender = '"Bcc: victim@mail.test"@evil.test'
    raw = message("smuggle", body="hi\n.\r\nMAIL FROM:<x@evil.test>\r\nRCPT TO:<abuse@desk.test>\r\nDATA\r\n")
    client = RawClient(smtp_listener.port)
    client.envelope(sender=f"<{sender}>".encode())
    assert client.data(raw)[0] == 250
    client.close()
    [stored] = InboundMessage.objects.all()
    assert bytes(stored.raw) == raw and b"Bcc:" not in bytes(stored.raw).split(b"\r\n\r\n")[0]
    assert json.loads(stored.envelope)["mail_from"] == sender


def test_connections_beyond_the_limit_get_421(make_listener: Any) -> None:
    with make_listener(max_connections=2) as listener:
        first, second = RawClient(listener.port), RawClient(listener.port)
        assert first.greeting[0] == second.greeting[0] == 220
        third = RawClient(listener.port)
        assert third.greeting[0] == 421
        third.close()
        first.cmd(b"QUIT")
        first.close()
        deadline = time.monotonic() + 30
        while listener.listener.connections and len(listener.listener.connections) > 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        fourth = RawClient(listener.port)
        assert fourth.greeting[0] == 220
        fourth.close()
        second.close()


def test_an_idle_client_is_disconnected_after_the_timeout(make_listener: Any) -> None:
    with make_listener(timeout_s=1.0) as listener:
        client = RawClient(listener.port)
        client.cmd(b"EHLO client.test")
        started = time.monotonic()
        assert client.reply()[0] in (0, 421)  # closed by the listener, not by us
        assert time.monotonic() - started < 30
        client.close()


def test_nothing_logged_names_an_address_or_the_body(smtp_listener: Listener, monkeypatch: Any,
                                                     caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    secret_sender, secret_body = "canary-sender-7731@mail.test", "canary body words 7731"
    _send(smtp_listener.port, message("logged", body=secret_body + "\r\n"), sender=secret_sender)
    client = RawClient(smtp_listener.port)
    client.cmd(b"EHLO client.test")
    client.cmd(b"MAIL FROM:<" + secret_sender.encode() + b">")
    client.cmd(b"RCPT TO:<canary-victim-7731@desk.test>")
    client.cmd(b"VRFY canary-victim-7731@desk.test")
    client.close()
    def failing(*args: Any, **kwargs: Any) -> None:
        raise OperationalError(secret_body)

    monkeypatch.setattr(smtp, "store_raw", failing)
    with pytest.raises(smtplib.SMTPDataError):
        _send(smtp_listener.port, message("failing", body=secret_body + "\r\n"), sender=secret_sender)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "7731" not in text, text


def test_a_message_being_stored_when_the_listener_stops_is_finished_and_acknowledged(make_listener: Any,
                                                                                   monkeypatch: Any) -> None:
    real = smtp.store_raw
    storing = threading.Event()

    def slow_store(*args: Any, **kwargs: Any) -> Any:
        storing.set()
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(smtp, "store_raw", slow_store)
    replies: list[Any] = []
    with make_listener() as listener:
        sender = threading.Thread(target=lambda: replies.append(_send(listener.port, message("at-stop"))))
        sender.start()
        assert storing.wait(30)
        listener.stop()  # the context's own stop afterwards is a no-op
        sender.join(30)
    assert replies == [{}]  # smtplib: no recipient refused, DATA answered 250
    assert InboundMessage.objects.count() == 1
