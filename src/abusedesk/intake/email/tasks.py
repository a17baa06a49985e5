"""The job that reads a stored message (`intake.email.store.store_raw` queues it)."""

from __future__ import annotations

from abusedesk.jobs import job


@job(max_attempts=6)
def process_inbound(message_id: str) -> str:
    """Parse the message into reports, or attach it to the report it answers; idempotent on the message."""
    from abusedesk.intake.email.ingest import process

    return process(message_id)
