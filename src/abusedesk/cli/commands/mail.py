"""`abusedesk mail ingest FILE.eml|-` and `abusedesk mail fetch --imap URL | --maildir PATH`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from abusedesk.cli.main import CliError

HEADS = ("from", "to", "subject", "date", "message-id")


def register(sub: Any) -> None:
    mail = sub.add_parser("mail", help="e-mail intake: read one message from a file, or fetch a mailbox")
    mail_sub = mail.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    ingest = mail_sub.add_parser("ingest", help="store one message (FILE.eml, or - for standard input) and read it "
                                                "into a report at once")
    ingest.add_argument("file", metavar="FILE.eml|-")
    ingest.add_argument("--json", action="store_true", help="print the reports as JSON")
    ingest.set_defaults(handler=cmd_ingest, django=True)
    fetch = mail_sub.add_parser("fetch", help="store the messages of an IMAP mailbox (TLS) or a Maildir; a message "
                                              "leaves the mailbox only once stored")
    where = fetch.add_mutually_exclusive_group(required=True)
    where.add_argument("--imap", metavar="URL", help="imaps://user@host/INBOX (password: ABUSEDESK_MAIL_IMAP_PASSWORD)")
    where.add_argument("--maildir", metavar="PATH", help="a Maildir folder (with cur, new and tmp)")
    fetch.add_argument("--move-to", metavar="FOLDER", help="move stored messages to this folder (default: IMAP marks "
                                                           "them seen, a Maildir deletes them)")
    fetch.add_argument("--limit", type=int, default=100, help="at most this many messages per run (default 100)")
    fetch.add_argument("--now", action="store_true", help="read the stored messages here instead of leaving them "
                                                          "to the workers")
    fetch.add_argument("--json", action="store_true")
    fetch.set_defaults(handler=cmd_fetch, django=True)


def _read_input(name: str) -> bytes:
    from abusedesk.intake.email.fetch import max_bytes

    limit = max_bytes()
    if name == "-":
        raw = sys.stdin.buffer.read(limit + 1)
        label = "standard input"
    else:
        path = Path(name)
        label = name
        try:
            with path.open("rb") as handle:
                raw = handle.read(limit + 1)
        except FileNotFoundError:
            raise CliError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise CliError(f"{name}: is a directory, not a message file") from None
        except PermissionError:
            raise CliError(f"{name}: permission denied") from None
    if not raw.strip():
        raise CliError(f"{label}: is empty")
    if len(raw) > limit:
        raise CliError(f"{label}: larger than the limit of {limit} bytes (ABUSEDESK_MAIL_MAX_BYTES)")
    _check_message(raw, label)
    return raw


def _check_message(raw: bytes, label: str) -> None:
    from email.parser import BytesHeaderParser
    from email.policy import default

    head = BytesHeaderParser(policy=default).parsebytes(raw, headersonly=True)
    if not {key.lower() for key in head} & set(HEADS):
        raise CliError(f"{label}: not an e-mail message (no From, To, Subject, Date or Message-ID header)")


def cmd_ingest(args: argparse.Namespace) -> int:
    from abusedesk.intake.email.ingest import process
    from abusedesk.intake.email.store import store_raw

    raw = _read_input(args.file)
    message = store_raw(raw, source="file", peer="file")
    process(str(message.pk))
    message.refresh_from_db()
    answer = describe(message)
    if args.json:
        print(json.dumps(answer, ensure_ascii=False))
    else:
        _print_answer(answer)
    return 0 if message.status != "failed" else 1


def describe(message: Any) -> dict[str, Any]:
    """The `--json` answer: the report(s) the message filed or answered, and whether a receipt goes out."""
    report = message.report
    reports = [] if report is None else [{
        "id": str(report.pk), "status": report.status, "category": report.category,
        "urls": [u["url"] for u in report.urls], "lang": report.language}]
    result = message.result or {}
    return {"reports": reports, "receipt": bool(result.get("receipt", False)),
            "message": {"id": str(message.pk), "status": message.status,
                        "action": result.get("action", ""), "reason": result.get("reason", ""),
                        "problems": result.get("problems", [])}}


def _print_answer(answer: dict[str, Any]) -> None:
    msg = answer["message"]
    print(f"message {msg['id']}: {msg['status']}" + (f" ({msg['action'] or msg['reason']})"
                                                     if msg["action"] or msg["reason"] else ""))
    for report in answer["reports"]:
        print(f"  report {report['id']}: {report['category']}, language {report['lang'] or 'unknown'}, "
              f"{report['status']}")
        for url in report["urls"]:
            print(f"    {url}")
    print(f"  receipt: {'will be sent' if answer['receipt'] else 'none'}")
    for problem in msg["problems"]:
        print(f"  note: {problem}")


def cmd_fetch(args: argparse.Namespace) -> int:
    from abusedesk.intake.email.fetch import FetchError, fetch_imap, fetch_maildir
    from abusedesk.intake.email.ingest import process

    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    try:
        if args.imap:
            fetched = fetch_imap(args.imap, move_to=args.move_to, limit=args.limit)
        else:
            fetched = fetch_maildir(args.maildir, move_to=args.move_to, limit=args.limit)
    except FetchError as exc:
        raise CliError(str(exc)) from None
    outcomes = {pk: process(pk) for pk in fetched.stored} if args.now else {}
    if args.json:
        print(json.dumps({"stored": fetched.stored, "skipped": fetched.skipped, "read": outcomes}))
    else:
        print(f"stored {len(fetched.stored)} message(s); left {len(fetched.skipped)} in the mailbox")
        for line in fetched.skipped:
            print(f"  left: {line}")
        for pk, outcome in outcomes.items():
            print(f"  {pk}: {outcome}")
    return 0
