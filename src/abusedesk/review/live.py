"""Live console: what changed since a cursor, read from the audit trail, pushed by server-sent events.

Every change to a case is audited in the transaction that makes it (audit/trail.py), so the audit table already is
the console's event log: new cases, severity changes, claims, decisions, closures and S0 pages all arrive as audit
events, and a verb added later (object type "case" or "decision") shows up here without a change. The feed reads
that table; it never sends a payload on: an event here is the audit row's id, a kind, the case's id, reference,
current severity and status, and for claims the claimant's username. No report text, no reporter.

The cursor is an audit event id. Ids are handed out at insert but rows become visible at commit, and on PostgreSQL
two transactions can commit out of id order; so the cursor a reader gets back only passes events older than
GRACE_SECONDS, and the events after it are sent again on the next read (clients drop the ids they have seen). A
change whose transaction stays open longer than GRACE_SECONDS after writing its audit event would be missed.

Transport: `GET /console/live/?since=N` answers JSON; `GET /console/live/stream` is a server-sent-event stream
(EventSource reconnects with Last-Event-ID, the cursor) that ends after STREAM_SECONDS. Waiting between reads:
with Redis (ABUSEDESK_REDIS_URL) each audit event of interest is published on commit and wakes the streams, which
then read the database (and at least every REDIS_WAKE_SECONDS in case a publish was lost); on the embedded default
each stream reads the database every POLL_SECONDS.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from abusedesk.accounts.access import staff_view
from abusedesk.accounts.models import READING_ROLES, User
from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case, Decision
from abusedesk.review import claims
from abusedesk.review.access import access_case

logger = logging.getLogger("abusedesk.review.live")

GRACE_SECONDS = 30  # a cursor passes only events older than this (commits out of id order, above)
LIMIT = 200  # events per answer; `more` says the reader should ask again at once
STREAM_SECONDS = 55.0  # then the stream ends and EventSource reconnects (under nginx's 60 s read timeout)
POLL_SECONDS = 2.0  # the embedded default: each stream reads the database this often
REDIS_WAKE_SECONDS = 15.0  # with Redis: read the database at least this often anyway
RETRY_MS = 3000  # EventSource's wait before it reconnects

# Audit verbs the console shows, and what the client does with them; any other event on a case is "updated" and
# any other event on a decision is "decision" (the object type decides: see `_kind`).
VERBS: dict[str, str] = {
    "case.opened": "opened",
    "case.severity_changed": "severity",
    "case.severity_raised": "severity",
    "case.closed": "closed",
    "report.attributed": "updated",  # the case's report count changed
    "claim.claimed": "claimed",
    "claim.taken_over": "claimed",
    "claim.assigned": "claimed",
    "claim.released": "released",
    "page.raised": "paged",
    "page.acknowledged": "acknowledged",
}
CLAIM_KINDS = frozenset({"claimed", "released"})


@dataclass(frozen=True)
class LiveEvent:
    id: int
    kind: str
    case: int
    ref: str
    severity: str
    status: str
    claimant: str = ""  # claim events only: a staff member's username


@dataclass(frozen=True)
class Feed:
    cursor: int
    events: list[LiveEvent]
    more: bool

    def as_json(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "more": self.more, "events": [asdict(e) for e in self.events]}


def _relevant() -> Q:
    return Q(verb__in=VERBS) | Q(object_type__in=("case", "decision"))


def _kind(verb: str, object_type: str) -> str | None:
    if verb in VERBS:
        return VERBS[verb]
    return {"case": "updated", "decision": "decision"}.get(object_type)


def horizon() -> int:
    """The newest audit event id older than GRACE_SECONDS (0 when none): a cursor that skips nothing committed."""
    cutoff = timezone.now() - timedelta(seconds=GRACE_SECONDS)
    newest = AuditEvent.objects.filter(at__lte=cutoff).order_by("-id").values_list("id", flat=True).first()
    return newest or 0


def changes(since: int, *, limit: int = LIMIT) -> Feed:
    """The console events after `since`, oldest first, and the cursor to ask from next."""
    rows = list(AuditEvent.objects.filter(_relevant(), id__gt=since).order_by("id")
                .values_list("id", "verb", "object_type", "object_id", "payload")[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    cases = _case_ids(rows)
    state = {pk: (severity, status) for pk, severity, status in
             Case.objects.filter(pk__in=set(cases.values())).values_list("pk", "severity", "status")}
    events = []
    for event_id, verb, object_type, _object_id, payload in rows:
        kind, case_id = _kind(verb, object_type), cases.get(event_id)
        if kind is None or case_id not in state:
            continue
        severity, status = state[case_id]
        claimant = payload.get("claimant") if kind in CLAIM_KINDS and isinstance(payload, dict) else None
        events.append(LiveEvent(id=event_id, kind=kind, case=case_id, ref=f"C-{case_id}", severity=severity,
                                status=status, claimant=claimant if isinstance(claimant, str) else ""))
    cursor = rows[-1][0] if more else max(since, horizon())
    return Feed(cursor=cursor, events=events, more=more)


def _case_ids(rows: list[tuple[int, str, str, str, Any]]) -> dict[int, int]:
    """Audit event id -> the case it is about: the object itself, the case named in the payload (pages,
    reports), or the decision's case (one query for all of them)."""
    found: dict[int, int] = {}
    decisions: dict[int, uuid.UUID] = {}
    for event_id, _verb, object_type, object_id, payload in rows:
        if object_type == "case":
            named: Any = object_id
        elif object_type == "decision":
            with contextlib.suppress(ValueError):  # never a bad id in the trail, but the feed must not fail
                decisions[event_id] = uuid.UUID(object_id)
            continue
        else:
            named = payload.get("case") if isinstance(payload, dict) else None
        if isinstance(named, int) or (isinstance(named, str) and named.isascii() and named.isdigit()):
            found[event_id] = int(named)
    if decisions:
        owner = dict(Decision.objects.filter(pk__in=set(decisions.values())).values_list("pk", "case_id"))
        found.update({event_id: owner[pk] for event_id, pk in decisions.items() if pk in owner})
    return found


def _cursor(raw: str | None) -> int | None:
    """A cursor from a query string or Last-Event-ID; None when absent; ValueError when not a cursor."""
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ValueError("since: expected a non-negative integer (an audit event id)")
    return int(raw)


# -- views ---------------------------------------------------------------------------------------------------

@staff_view()
def feed(request: HttpRequest) -> HttpResponse:
    """JSON: `{"cursor": N, "more": bool, "events": [...]}`; without `since`, no events and the current cursor."""
    try:
        since = _cursor(request.GET.get("since"))
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    if since is None:
        return JsonResponse(Feed(cursor=horizon(), events=[], more=False).as_json())
    return JsonResponse(changes(since).as_json())


@staff_view()
def stream(request: HttpRequest) -> HttpResponse:
    """Server-sent events: `changes` messages (the JSON of `feed`, `id:` the cursor), comments to keep the
    connection open, then `bye` after STREAM_SECONDS; the browser reconnects from the last cursor."""
    try:
        since = _cursor(request.headers.get("Last-Event-ID")) or _cursor(request.GET.get("since"))
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    assert isinstance(request.user, User)
    response = StreamingHttpResponse(_events(request.user.pk, since), content_type="text/event-stream")
    response["X-Accel-Buffering"] = "no"  # nginx: pass each message on at once
    return cast(HttpResponse, response)  # staff_view only adds headers, which a streaming response takes too


@staff_view()
def banners(request: HttpRequest) -> HttpResponse:
    """The S0 banner (the open pages), for a page to swap in when a page is raised or acknowledged."""
    return render(request, "review/_s0_banners.html")


@staff_view()
def claim_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's claim panel as it is now. Reading it is not activity: the claim's idle time runs on."""
    user = request.user
    assert isinstance(user, User)
    case = access_case(user, case_id)
    return render(request, "review/_claim.html", {"case": case, "can_decide": user.can_decide,
                                                  **claims.page_context(case, user)})


def _message(event: str, data: dict[str, Any], cursor: int | None = None) -> str:
    head = f"id: {cursor}\n" if cursor is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


_streams_lock = threading.Lock()
_streams = 0


def open_streams() -> int:
    """Streams this process is serving now."""
    return _streams


def _count(step: int) -> None:
    global _streams
    with _streams_lock:
        _streams += step


def _events(user_id: int, since: int | None) -> Iterator[str]:
    deadline = time.monotonic() + STREAM_SECONDS
    _count(1)
    waiter = Waiter()
    sent: set[int] = set()
    try:
        yield f"retry: {RETRY_MS}\n\n"
        cursor = since if since is not None else horizon()
        while time.monotonic() < deadline:
            if not User.objects.filter(pk=user_id, is_active=True, role__in=READING_ROLES).exists():
                yield _message("bye", {"reason": "signed out"})
                return
            current = changes(cursor)
            _release_connection()
            fresh = [e for e in current.events if e.id not in sent]
            sent = {e.id for e in current.events}  # what a later read can still return: at most GRACE's worth
            if fresh or current.cursor != cursor:
                yield _message("changes", Feed(current.cursor, fresh, current.more).as_json(), current.cursor)
            cursor = current.cursor
            if not current.more:
                waiter.wait(min(waiter.interval, max(0.0, deadline - time.monotonic())))
                yield ": idle\n\n"  # a closed connection shows at this write, before the next read
        yield _message("bye", {"reason": "reconnect"})
    finally:
        waiter.close()
        _release_connection()
        _count(-1)


def _release_connection() -> None:
    """Between reads a stream holds no database connection (one per open console tab would add up)."""
    if not connection.in_atomic_block:
        connection.close()


# -- Redis: wake the streams when a change commits -----------------------------------------------------------

_client_lock = threading.Lock()
_client: Any = None
_down_until = 0.0  # after a failed publish, skip Redis for a while rather than slow every change


def channel() -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "abusedesk"
    return f"{prefix}:console-live"


def redis_client() -> Any:
    """One client per process (its pool is shared by threads and greenlets, and reconnects after a fork)."""
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                import redis

                _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=5,
                                               health_check_interval=30)
    return _client


def publish(event_id: int) -> None:
    """Tell the streams an event committed. Best effort: a stream reads the database anyway every
    REDIS_WAKE_SECONDS, so a lost message delays an update, never loses it."""
    global _down_until
    if not settings.REDIS_URL or time.monotonic() < _down_until:
        return
    try:
        redis_client().publish(channel(), str(event_id))
    except Exception as exc:  # any Redis failure: the change itself is committed and stands
        _down_until = time.monotonic() + 30
        logger.warning("live: could not publish to Redis (%s); streams fall back to reading the database",
                       exc.__class__.__name__)


def _on_audit_event(sender: type[AuditEvent], instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    if created and settings.REDIS_URL and _kind(instance.verb, instance.object_type) is not None:
        event_id = instance.pk
        transaction.on_commit(lambda: publish(event_id), robust=True)


def connect() -> None:
    """Called from the review app's ready(): publish each console event on commit, in every process."""
    post_save.connect(_on_audit_event, sender=AuditEvent, dispatch_uid="abusedesk.review.live")


class Waiter:
    """How a stream waits for the next change: a Redis subscription when there is Redis, else a sleep."""

    def __init__(self) -> None:
        self.interval = POLL_SECONDS
        self._pubsub: Any = None
        if settings.REDIS_URL:
            try:
                self._pubsub = redis_client().pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(channel())
                self.interval = REDIS_WAKE_SECONDS
            except Exception as exc:  # without Redis the stream polls the database
                logger.warning("live: no Redis subscription (%s); polling the database", exc.__class__.__name__)
                self.close()

    def wait(self, seconds: float) -> bool:
        """True when a publish woke it, False when the time ran out."""
        if self._pubsub is None:
            time.sleep(seconds)
            return False
        end = time.monotonic() + seconds
        try:
            while (left := end - time.monotonic()) > 0:
                if self._pubsub.get_message(timeout=min(left, 4.0)) is not None:
                    time.sleep(0.05)  # let a burst of events (one transaction's) arrive, then read once
                    while self._pubsub.get_message(timeout=0) is not None:
                        pass
                    return True
        except Exception as exc:  # Redis went away mid-stream: poll the database from now on
            logger.warning("live: Redis subscription lost (%s); polling the database", exc.__class__.__name__)
            self.close()
        return False

    def close(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing left to do
                self._pubsub.close()
        self._pubsub = None
        self.interval = POLL_SECONDS
