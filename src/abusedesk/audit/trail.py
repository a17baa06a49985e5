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

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from abusedesk.audit.models import AuditEvent, AuditHead
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


@dataclass(frozen=True)
class Unreadable:
    """A row the database holds but that does not load (a superuser wrote garbage into a column)."""

    seq: int
    hash: str
    error: str


# A row that fails to load raises one of these, depending on the column and the database driver.
_LOAD_ERRORS = (ValueError, TypeError, OverflowError, DatabaseError)


def iter_events(batch: int = 2000, *, after: int = 0) -> Iterator[AuditEvent | Unreadable]:
    last = after
    while True:
        query = AuditEvent.objects.filter(seq__gt=last).order_by("seq")
        try:
            chunk: list[AuditEvent | Unreadable] = list(query[:batch])
        except _LOAD_ERRORS:
            chunk = list(_one_by_one(query, batch))
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def _one_by_one(query: Any, batch: int) -> Iterator[AuditEvent | Unreadable]:
    """Load a chunk row by row, so one unreadable row is reported instead of ending the check."""
    for seq, digest in query.values_list("seq", "hash")[:batch]:
        try:
            yield AuditEvent.objects.get(seq=seq)
        except _LOAD_ERRORS as exc:
            yield Unreadable(seq=seq, hash=digest, error=exc.__class__.__name__)


def verify(events: Iterable[AuditEvent | Unreadable] | None = None, *, checkpoint: tuple[int, str] | None = None,
           after: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute the chain; report every broken link, gap, changed or unreadable event and missing tail.

    `after=(seq, hash)` checks only the events appended after an end already verified (the audit page does)."""
    problems: list[str] = []
    prev_hash, expected_seq = after[1] if after else GENESIS, (after[0] if after else 0) + 1
    count = 0
    seen: dict[int, str] = {}
    for event in events if events is not None else iter_events(after=expected_seq - 1):
        count += 1
        if event.seq != expected_seq:
            problems.append(f"seq {expected_seq}: missing (next event found is seq {event.seq})")
        if isinstance(event, Unreadable):
            problems.append(f"seq {event.seq}: cannot be read ({event.error}); its content cannot be checked")
        else:
            problems += _check_event(event, prev_hash)
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


def _check_event(event: AuditEvent, prev_hash: str) -> list[str]:
    problems = []
    if event.prev_hash != prev_hash:
        problems.append(f"seq {event.seq}: link to the previous event is broken (removed or reordered)")
    try:  # SQLite hands back None for a time it cannot parse
        recomputed = event_hash(prev_hash=event.prev_hash, seq=event.seq, at=event.at, actor=event.actor,
                                verb=event.verb, object_type=event.object_type, object_id=event.object_id,
                                payload=event.payload)
    except (AttributeError, TypeError, ValueError) as exc:
        return [*problems, f"seq {event.seq}: cannot be read ({exc.__class__.__name__}); its content cannot be "
                           "checked"]
    if recomputed != event.hash:
        problems.append(f"seq {event.seq}: content does not match its hash (changed)")
    return problems


FULL_CHECK_SECONDS = 3600
_CACHED = "abusedesk:audit:verified"


def verify_cached() -> VerifyResult:
    """For the audit page: the whole chain at most once an hour (and whenever something was wrong); in between
    only the events appended since the last check, linked to its end. `abusedesk audit verify` always checks all."""
    from django.core.cache import cache

    known = cache.get(_CACHED)
    if known is not None and known["ok"] and timezone.now().timestamp() - known["full_at"] < FULL_CHECK_SECONDS:
        new = verify(after=(known["last_seq"], known["last_hash"]))
        if new.ok:
            result = VerifyResult(ok=True, events=known["events"] + new.events, problems=[],
                                  last_seq=new.last_seq, last_hash=new.last_hash)
            cache.set(_CACHED, {**known, **_cacheable(result)}, FULL_CHECK_SECONDS)
            return result
    result = verify()
    cache.set(_CACHED, {**_cacheable(result), "full_at": timezone.now().timestamp()}, FULL_CHECK_SECONDS)
    return result


def _cacheable(result: VerifyResult) -> dict[str, Any]:
    return {"ok": result.ok, "events": result.events, "last_seq": result.last_seq, "last_hash": result.last_hash}
