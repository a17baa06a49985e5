"""E-mail intake fixtures: messages stored as the SMTP listener stores them, then read by the job."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def expected(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / name).read_text()))


@pytest.fixture
def ingest(db: Any) -> Callable[..., Any]:
    """Store raw bytes (as the listener does) and read them at once; returns the message as stored after."""
    from abusedesk.intake.email.ingest import process
    from abusedesk.intake.email.store import store_raw

    def run(raw: bytes, *, mail_from: str = "sender@example.net", peer: str = "192.0.2.200") -> Any:
        message = store_raw(raw, source="smtp", mail_from=mail_from, rcpt_tos=["abuse@desk.example"], peer=peer)
        process(str(message.pk))
        message.refresh_from_db()
        return message

    return run


@pytest.fixture
def mail_settings(settings: Any) -> Any:
    settings.MAIL_TRUSTED_AUTHSERV_IDS = ["mx.desk.example"]
    settings.MAIL_TRUSTED_DOMAINS = ["cert.example=trusted", "police.example=authority"]
    settings.MAIL_RECEIPT_RATE = "5/h"
    return settings


def simple(*, sender: str = "Ana Example <ana@example.net>", subject: str = "Phishing page",
           body: str = "This page steals bank passwords: http://login.shop.test/x", extra: str = "",
           message_id: str = "<m1@example.net>") -> bytes:
    head = f"From: {sender}\r\nTo: abuse@desk.example\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
    text = f"{head}{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    return text.encode()
