"""Mailbox fixtures: messages stored as the SMTP listener stores them, read by the e-mail reader or left unread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

THREAT = "They are threatening me at home. Please help, I am scared."


def mail(*, sender: str = "Ana Example <ana@example.net>", subject: str = "Help", body: str = THREAT,
         message_id: str = "<m1@example.net>") -> bytes:
    return (f"From: {sender}\r\nTo: abuse@desk.example\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


@pytest.fixture
def store(db: Any) -> Callable[..., Any]:
    """Store raw bytes as the listener does; `read=True` runs the reader at once (else the message stays unread)."""
    from abusedesk.intake.email.ingest import process
    from abusedesk.intake.email.store import store_raw

    def run(raw: bytes, *, read: bool = True, minutes_ago: int = 0) -> Any:
        message = store_raw(raw, source="smtp", mail_from="sender@example.net", rcpt_tos=["abuse@desk.example"],
                            peer="192.0.2.200")
        if minutes_ago:
            type(message).objects.filter(pk=message.pk).update(
                received_at=timezone.now() - timedelta(minutes=minutes_ago))
        if read:
            process(str(message.pk))
        message.refresh_from_db()
        return message

    return run


@pytest.fixture
def failed(store: Callable[..., Any]) -> Any:
    """A message the reader could not read (as ingest.py marks one)."""
    message = store(mail(subject="Broken", message_id="<broken@example.net>"), read=False, minutes_ago=30)
    type(message).objects.filter(pk=message.pk).update(status="failed",
                                                       result={"reason": "unreadable", "error": "ValueError"})
    message.refresh_from_db()
    return message


@pytest.fixture
def as_user(staff: dict[str, Any]) -> Callable[[str], Client]:
    def login(name: str) -> Client:
        client = Client()
        client.force_login(staff[name])
        return client

    return login
