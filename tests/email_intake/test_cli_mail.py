"""`abusedesk mail ingest` and `abusedesk mail fetch` (Maildir, and IMAP through a recorded server)."""

from __future__ import annotations

import imaplib
import io
import json
import mailbox
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from abusedesk.cli.main import main

from .conftest import FIXTURES, expected, simple


@pytest.mark.django_db
def test_ingest_prints_the_report_as_json(capsys: Any) -> None:
    assert main(["mail", "ingest", str(FIXTURES / "es_defanged.eml"), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    want = expected("es_defanged.expected.json")
    [report] = answer["reports"]
    assert set(report) == {"id", "status", "category", "urls", "lang"}
    assert (report["category"], report["urls"], report["lang"]) == (want["category"], want["urls"], want["lang"])
    assert report["status"] == "received" and answer["receipt"] is True
    assert main(["mail", "ingest", str(FIXTURES / "es_defanged.eml"), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["reports"][0]["id"] == report["id"] and again["message"]["status"] == "duplicate"
    assert again["receipt"] is False


@pytest.mark.django_db
def test_ingest_reads_standard_input_and_says_it_in_words(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((FIXTURES / "arf_abuse.eml").read_bytes())))
    assert main(["mail", "ingest", "-"]) == 0
    out = capsys.readouterr().out
    assert "processed (filed)" in out and "spam, language en" in out and "http://198.51.100.5/" in out


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "problem"), [
    (None, "no such file"), (b"", "is empty"), (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not an e-mail message"),
])
def test_ingest_names_the_problem_with_its_input(tmp_path: Path, capsys: Any, content: bytes | None,
                                                 problem: str) -> None:
    path = tmp_path / "input.eml"
    if content is not None:
        path.write_bytes(content)
    assert main(["mail", "ingest", str(path)]) == 2
    assert problem in capsys.readouterr().err


def _maildir(tmp_path: Path, count: int) -> mailbox.Maildir:
    box = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    for i in range(count):
        box.add(simple(message_id=f"<md{i}@example.net>", body=f"Phishing: http://login.shop.test/{i}"))
    return box


@pytest.mark.django_db
def test_fetch_from_a_maildir_stores_then_removes(tmp_path: Path, capsys: Any) -> None:
    from abusedesk.intake.models import InboundMessage

    box = _maildir(tmp_path, 2)
    assert main(["mail", "fetch", "--maildir", box._path, "--now", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert len(answer["stored"]) == 2 and set(answer["read"].values()) == {"filed"}
    assert len(box) == 0 and InboundMessage.objects.filter(source="maildir", status="processed").count() == 2


@pytest.mark.django_db
def test_fetch_from_a_maildir_can_move_to_a_folder(tmp_path: Path, capsys: Any) -> None:
    box = _maildir(tmp_path, 1)
    assert main(["mail", "fetch", "--maildir", box._path, "--move-to", "Stored"]) == 0
    assert "stored 1 message(s)" in capsys.readouterr().out
    assert len(box) == 0 and len(box.get_folder("Stored")) == 1


@pytest.mark.django_db
def test_a_maildir_message_stays_when_it_could_not_be_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: Any) -> None:
    box = _maildir(tmp_path, 1)

    def database_gone(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("abusedesk.intake.email.fetch.store_raw", database_gone)
    with pytest.raises(RuntimeError):
        main(["mail", "fetch", "--maildir", box._path])
    assert len(box) == 1


def test_fetch_refuses_a_folder_that_is_no_maildir(tmp_path: Path, capsys: Any, db: Any) -> None:
    assert main(["mail", "fetch", "--maildir", str(tmp_path)]) == 2
    assert "not a Maildir" in capsys.readouterr().err


class RecordedImap:
    """An IMAP server's answers as imaplib returns them, and a record of what the client asked."""

    def __init__(self, messages: dict[str, bytes], *, move: bool = True) -> None:
        self.messages = messages
        self.capabilities = ("IMAP4REV1", "MOVE") if move else ("IMAP4REV1",)
        self.calls: list[tuple[str, ...]] = []

    def login(self, user: str, password: str) -> tuple[str, list[bytes]]:
        if password != "s3cret":
            raise imaplib.IMAP4.error("[AUTHENTICATIONFAILED] Invalid credentials")
        return "OK", [b"logged in"]

    def select(self, folder: str) -> tuple[str, list[bytes]]:
        self.calls.append(("SELECT", folder))
        return ("OK", [str(len(self.messages)).encode()]) if folder == '"INBOX"' else ("NO", [b"no such mailbox"])

    def uid(self, command: str, *args: str) -> tuple[str, list[Any]]:
        self.calls.append((command, *args))
        if command == "SEARCH":
            return "OK", [" ".join(self.messages).encode()]
        if command == "FETCH":
            raw = self.messages[args[0]]
            return "OK", [(f"{args[0]} (UID {args[0]} BODY[] {{{len(raw)}}}".encode(), raw), b")"]
        return "OK", [b"done"]

    def expunge(self) -> tuple[str, list[bytes]]:
        self.calls.append(("EXPUNGE",))
        return "OK", []

    def logout(self) -> tuple[str, list[bytes]]:
        return "BYE", []


@pytest.mark.django_db
def test_imap_marks_seen_only_what_was_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    from abusedesk.intake.email import fetch

    server = RecordedImap({"7": simple(message_id="<i7@example.net>"), "8": simple(message_id="<i8@example.net>")})
    real_store = fetch.store_raw
    stored: list[bytes] = []

    def store_first_only(raw: bytes, **kwargs: Any) -> Any:
        if stored:
            raise RuntimeError("database unavailable")
        stored.append(raw)
        return real_store(raw, **kwargs)

    monkeypatch.setattr(fetch, "store_raw", store_first_only)
    with pytest.raises(RuntimeError):
        fetch.fetch_imap("imaps://desk@imap.example/INBOX", password="s3cret", connect=lambda address: server)
    assert ("SEARCH", "UNSEEN") in server.calls
    assert ("STORE", "7", "+FLAGS", "(\\Seen)") in server.calls
    assert not any(call[:2] == ("STORE", "8") for call in server.calls)


@pytest.mark.django_db
def test_imap_moves_after_storing_with_copy_when_move_is_missing() -> None:
    from abusedesk.intake.email import fetch

    server = RecordedImap({"3": simple(message_id="<i3@example.net>")}, move=False)
    result = fetch.fetch_imap("imaps://desk@imap.example/INBOX", move_to="Stored", password="s3cret",
                              connect=lambda address: server)
    assert len(result.stored) == 1
    assert server.calls[-3:] == [("COPY", "3", '"Stored"'), ("STORE", "3", "+FLAGS", "(\\Deleted)"), ("EXPUNGE",)]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "password", "problem"), [
    ("imaps://desk@imap.example/INBOX", "wrong", "login refused for user 'desk'"),
    ("imaps://desk@imap.example/Missing", "s3cret", "folder 'Missing': no such mailbox"),
    ("pop3://desk@imap.example/", "s3cret", "must look like imaps://"),
    ("imaps://imap.example/INBOX", "s3cret", "IMAP needs a user"),
])
def test_imap_errors_name_the_problem(url: str, password: str, problem: str) -> None:
    from abusedesk.intake.email import fetch

    with pytest.raises(fetch.FetchError, match=problem.replace("(", r"\(")):
        fetch.fetch_imap(url, password=password, connect=lambda address: RecordedImap({}))


@pytest.mark.django_db
def test_an_unreachable_imap_server_is_named(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ABUSEDESK_MAIL_IMAP_PASSWORD", "s3cret")
    assert main(["mail", "fetch", "--imap", f"imaps://desk@127.0.0.1:{port}/INBOX"]) == 2
    assert f"127.0.0.1:{port}: cannot connect" in capsys.readouterr().err
