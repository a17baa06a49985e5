"""Reading a stored message: being written (issue 10); until then a stored message waits, kept, for this reader."""

from __future__ import annotations

from abusedesk.jobs import RetryLater


def process(message_id: str) -> str:
    raise RetryLater(f"inbound message {message_id}: the reader is not installed yet", delay_s=3600)
