"""The hash-chained audit trail.

Each event's hash covers its predecessor's hash and its own canonical content, so changing an event breaks its own
hash, removing one breaks the next event's link, and reordering breaks both.

Writing and chaining are two steps, so that no business transaction waits on a global lock:
- `append` inserts the event inside the transaction of the change it records, unsealed (no sequence number, no
  hash). It takes no lock: concurrent writers commit in parallel. The database refuses to change or delete an
  event's content from then on (migration audit 0002 replaces the triggers of cases 0004).
- `seal` chains the committed unsealed events, in insertion order, under the single head row's lock: it gives
  each its sequence number, its predecessor's hash and its own, and moves the head. Workers run it every
  `AUDIT_SEAL_INTERVAL_SECONDS` (in batches, so PostgreSQL groups the commits); `verify`, the audit page, the
  checkpoint and the drills seal first. An event committed but not yet sealed is kept: a crash between the insert
  and the seal loses nothing, the next seal chains it.
The head row remembers the last seq and hash: truncating the tail is caught by comparing the chain's end with the
head, and — against an attacker who also rewrites the head — with an external checkpoint (`abusedesk audit
checkpoint` prints one to keep outside the database).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
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
    """Record one event, unsealed. Must run inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit events are written inside the transaction of the change they record")
    return AuditEvent.objects.create(at=timezone.now(), actor=actor, verb=verb, object_type=object_type,
                                     object_id=str(object_id), payload=payload or {})


@contextmanager
def atomic() -> Iterator[None]:
    """The transaction of a change and its audit events (appending takes no lock, so this is a plain one)."""
    with transaction.atomic():
        yield


SEAL_BATCH = 2000


def seal(*, batch: int = SEAL_BATCH, wait: bool = True) -> int:
    """Chain every committed unsealed event (oldest insert first); returns how many were sealed.

    With `wait=False` a sealer that finds another one at work returns 0 at once (PostgreSQL's NOWAIT): that one,
    or the next round, seals the rest."""
    sealed = 0
    while True:
        done = _seal_batch(batch, wait)
        sealed += done
        if done < batch:
            return sealed


def _seal_batch(batch: int, wait: bool) -> int:
    try:
        with transaction.atomic():
            head = _locked_head(wait)
            if head is None:
                return 0
            rows = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:batch])
            seq, prev = head.seq, head.hash
            for row in rows:
                seq += 1
                row.seq, row.prev_hash = seq, prev
                row.hash = prev = event_hash(prev_hash=prev, seq=seq, at=row.at, actor=row.actor, verb=row.verb,
                                             object_type=row.object_type, object_id=row.object_id,
                                             payload=row.payload)
            if rows:
                AuditEvent.objects.bulk_update(rows, ["seq", "prev_hash", "hash"], batch_size=500)
                AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
            return len(rows)
    except OperationalError:
        if wait or connection.vendor != "postgresql":
            raise
        return 0  # another sealer holds the head (NOWAIT)


def _locked_head(wait: bool = True) -> AuditHead | None:
    nowait = not wait and connection.vendor == "postgresql"
    head = AuditHead.objects.select_for_update(nowait=nowait).filter(pk=1).first()
    if head is None:
        # The first seal ever: create the head; the unique pk makes a concurrent creator fail and retry.
        with transaction.atomic():
            AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update(nowait=nowait).get(pk=1)
    return head


def unsealed(*, older_than_seconds: float = 0) -> int:
    """Committed events not yet chained (older than the given age)."""
    query = AuditEvent.objects.filter(seq__isnull=True)
    if older_than_seconds:
        query = query.filter(at__lt=timezone.now() - timedelta(seconds=older_than_seconds))
    return query.count()


def seal_interval() -> float:
    return float(settings.AUDIT_SEAL_INTERVAL_SECONDS)


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
        last = chunk[-1].seq or last


def _one_by_one(query: Any, batch: int) -> Iterator[AuditEvent | Unreadable]:
    """Load a chunk row by row, so one unreadable row is reported instead of ending the check."""
    for seq, digest in query.values_list("seq", "hash")[:batch]:
        try:
            yield AuditEvent.objects.get(seq=seq)
        except _LOAD_ERRORS as exc:
            yield Unreadable(seq=seq, hash=digest, error=exc.__class__.__name__)


def verify(events: Iterable[AuditEvent | Unreadable] | None = None, *, checkpoint: tuple[int, str] | None = None,
           after: tuple[int, str] | None = None, seal_first: bool = True) -> VerifyResult:
    """Recompute the chain; report every broken link, gap, changed or unreadable event and missing tail.

    `after=(seq, hash)` checks only the events appended after an end already verified (the audit page does).
    Reading the database's chain, it seals the committed unsealed events first (`seal_first`), so it checks all."""
    if events is None and seal_first:
        seal()
    problems: list[str] = []
    prev_hash, expected_seq = after[1] if after else GENESIS, (after[0] if after else 0) + 1
    count = 0
    seen: dict[int, str] = {}
    for event in events if events is not None else iter_events(after=expected_seq - 1):
        count += 1
        seq = event.seq or 0  # only sealed events are read; an unsealed one given here counts as out of place
        if seq != expected_seq:
            problems.append(f"seq {expected_seq}: missing (next event found is seq {seq})")
        if isinstance(event, Unreadable):
            problems.append(f"seq {seq}: cannot be read ({event.error}); its content cannot be checked")
        else:
            problems += _check_event(event, prev_hash)
        seen[seq] = event.hash
        prev_hash, expected_seq = event.hash, seq + 1
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
        recomputed = event_hash(prev_hash=event.prev_hash, seq=event.seq or 0, at=event.at, actor=event.actor,
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
