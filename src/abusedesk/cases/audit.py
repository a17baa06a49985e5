"""The hash-chained audit trail.

Each event's hash covers its predecessor's hash and its own canonical content, so changing an event
breaks its own hash, removing one breaks the next event's link, and reordering breaks both. Appends
lock the single AuditHead row, so concurrent writers produce one gapless chain (no forks). The head
row also remembers the last seq and hash: truncating the tail is caught by comparing the chain's end
with the head, and — against an attacker who also rewrites the head — with an external checkpoint
(`abusedesk audit checkpoint` prints one to keep outside the database).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from abusedesk.cases.models import AuditEvent, AuditHead
from abusedesk.common.hashing import canonical_json

GENESIS = "0" * 64


def event_hash(*, prev_hash: str, seq: int, at: datetime, actor: str, verb: str, object_type: str,
               object_id: str, payload: dict[str, Any]) -> str:
    body = canonical_json({"seq": seq, "at": at.isoformat(), "actor": actor, "verb": verb,
                           "object_type": object_type, "object_id": object_id, "payload": payload})
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def append(*, actor: str, verb: str, object_type: str, object_id: str,
           payload: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event. Must run inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit events are written inside the transaction of the change they record")
    payload = payload or {}
    head = _locked_head()
    at = timezone.now()
    seq = head.seq + 1
    digest = event_hash(prev_hash=head.hash, seq=seq, at=at, actor=actor, verb=verb,
                        object_type=object_type, object_id=str(object_id), payload=payload)
    event = AuditEvent.objects.create(seq=seq, at=at, actor=actor, verb=verb, object_type=object_type,
                                      object_id=str(object_id), payload=payload, prev_hash=head.hash,
                                      hash=digest)
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=digest)
    return event


@contextmanager
def atomic() -> Iterator[None]:
    """A transaction that takes the audit head lock FIRST.

    Every transaction that both appends audit events and locks or references case rows must take its locks in
    one order, or two of them deadlock (one holds a case row and waits for the head; the other holds the head
    and waits for the case). The head comes first: it is the one lock they all share.
    """
    with transaction.atomic():
        _locked_head()
        yield


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # First event ever: create the head; the unique pk makes a concurrent creator fail and retry.
        with transaction.atomic():
            AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    problems: list[str]
    last_seq: int
    last_hash: str

    @property
    def first_broken_seq(self) -> int | None:
        for problem in self.problems:
            if problem.startswith("seq "):
                return int(problem.split()[1].rstrip(":"))
        return None


def iter_events(batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def verify(events: Iterable[AuditEvent] | None = None, *, checkpoint: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute the chain; report every broken link, gap, changed event and missing tail."""
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    seen: dict[int, str] = {}
    for event in events if events is not None else iter_events():
        count += 1
        if event.seq != expected_seq:
            problems.append(f"seq {expected_seq}: missing (next event found is seq {event.seq})")
        if event.prev_hash != prev_hash:
            problems.append(f"seq {event.seq}: link to the previous event is broken (removed or reordered)")
        recomputed = event_hash(prev_hash=event.prev_hash, seq=event.seq, at=event.at, actor=event.actor,
                                verb=event.verb, object_type=event.object_type, object_id=event.object_id,
                                payload=event.payload)
        if recomputed != event.hash:
            problems.append(f"seq {event.seq}: content does not match its hash (changed)")
        seen[event.seq] = event.hash
        prev_hash, expected_seq = event.hash, event.seq + 1
    last_seq = expected_seq - 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (last_seq, prev_hash):
        problems.append(f"tail: chain ends at seq {last_seq} but the head records seq {head.seq} (truncated)")
    if checkpoint is not None:
        cp_seq, cp_hash = checkpoint
        if cp_seq > last_seq:
            problems.append(f"tail: checkpoint seq {cp_seq} is beyond the chain's end {last_seq} (truncated)")
        elif seen.get(cp_seq) != cp_hash:
            problems.append(f"seq {cp_seq}: does not match the external checkpoint")
    return VerifyResult(ok=not problems, events=count, problems=problems, last_seq=last_seq, last_hash=prev_hash)
