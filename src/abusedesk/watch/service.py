"""Watching threads (DESIGN step 7), written where it runs:

A case about threats or doxxing watches each reported URL: every WATCH_INTERVAL_SECONDS the thread is re-fetched
through the SSRF-safe fetcher, split into posts, and only posts not seen before are analysed. Each new post's
findings join the case (source "watch") and its targets are linked; the case is re-triaged after every post, in
page order, so the severity rises at the post that causes it — S0 when a threat and the target's location meet
(triage/rules.py) — and that post is recorded as the trigger of the page.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.cases import actions
from abusedesk.jobs import enqueue, job, priority_for_severity
from abusedesk.watch.models import WatchedPost, WatchedThread

logger = logging.getLogger("abusedesk.watch")
WATCHED_CATEGORIES = {"threat", "doxxing", "harassment", "hate"}


def start(case: Any, url: str, *, interval_seconds: int | None = None, actor: str = "system") -> WatchedThread:
    return _start(case, url, interval_seconds=interval_seconds, actor=actor)[0]


def _start(case: Any, url: str, *, interval_seconds: int | None = None,
           actor: str = "system") -> tuple[WatchedThread, bool]:
    thread, created = WatchedThread.objects.get_or_create(case=case, url=url, defaults={
        "interval_seconds": interval_seconds or settings.WATCH_INTERVAL_SECONDS, "next_fetch_at": timezone.now()})
    if created:
        audit.append(actor=actor, verb="watch.started", object_type="case", object_id=str(case.pk),
                     payload={"thread": str(thread.pk), "interval_seconds": thread.interval_seconds})
    return thread, created


def queue_watch(reports: list[Any], case: Any) -> None:
    """AFTER_FILING hook: watch the reported threads of cases about people (threats, doxxing, abuse). A new thread is
    fetched at once; a thread already watched is made due now, so the minute's `refetch_due_threads` fetches it once
    however many reports name it (a campaign does not fetch a page once per report)."""
    if case is None:
        return
    urls = dict.fromkeys(e["url"] for r in reports if r.category in WATCHED_CATEGORIES for e in r.urls)
    for url in urls:
        thread, created = _start(case, url)
        if created:
            enqueue(refetch, str(thread.pk), priority=priority_for_severity(case.severity))
        else:
            WatchedThread.objects.filter(pk=thread.pk, active=True, next_fetch_at__gt=timezone.now()).update(
                next_fetch_at=timezone.now())


@job(max_attempts=3, backoff_base=10)
def refetch(thread_id: str) -> str:
    """Fetch once, record new posts, re-triage after each; schedule the next fetch."""
    thread = WatchedThread.objects.select_related("case").get(pk=thread_id)
    if not thread.active:
        return "inactive"
    body, status = _fetch(thread.url)
    new = process_page(thread, body) if body is not None else []
    WatchedThread.objects.filter(pk=thread.pk).update(
        last_fetched_at=timezone.now(), last_status=status,
        next_fetch_at=timezone.now() + timedelta(seconds=thread.interval_seconds))
    return f"{status}; {len(new)} new posts"


def _fetch(url: str) -> tuple[bytes | None, str]:
    from abusedesk.net import fetch
    from abusedesk.net.outbound import outbound_policy, outbound_resolver

    result = fetch(url, policy=outbound_policy(), resolver=outbound_resolver())
    if not result.ok:
        return None, result.reason or "failed"
    return result.body, f"HTTP {result.status}"


def process_page(thread: WatchedThread, body: bytes) -> list[WatchedPost]:
    from abusedesk.watch.posts import new_posts, split_posts

    posts = split_posts(body, thread.url)
    seen = set(thread.posts.values_list("fingerprint", flat=True))
    created = [_record(thread, post) for post in new_posts(seen, posts)]
    return [p for p in created if p is not None]


def _record(thread: WatchedThread, post: Any) -> WatchedPost | None:
    from abusedesk.detection.api import analyse
    from abusedesk.referrals.location import locate
    from abusedesk.triage.targets import link_from_result
    from abusedesk.triage.tasks import _finding_rows, retriage

    result = analyse(post.text, None)
    spans = [{"start": s.start, "end": s.end, "type": s.type} for s in result.spans]
    location = locate(post.text, spans) if any(s["type"] in {"address", "coordinates"} for s in spans) else None
    with audit.atomic():
        record, created = WatchedPost.objects.get_or_create(thread=thread, fingerprint=post.fingerprint, defaults={
            "index": post.index + 1, "author": post.author, "posted_at": post.posted_at or "", "text": post.text,
            "text_sha256": hashlib.sha256(post.text.encode()).hexdigest(), "first_seen_at": timezone.now(),
            "labels": list(result.labels), "span_types": sorted({s.type for s in result.spans}),
            "location": None if location is None else {"country": location.country, "subdivision":
                                                        location.subdivision, "place": location.place,
                                                        "evidence": location.evidence}})
        if not created:
            return None
        number = post.index + 1  # posts are numbered from 1 in page order, as a reader counts them
        rows = [dict(r, explanation={**r["explanation"], "post_index": number, "thread": thread.url})
                for r in _finding_rows(result)]
        actions.do_record_findings(report=None, case=thread.case, source="watch", findings=rows)
        link_from_result(thread.case, result)
        audit.append(actor="system", verb="watch.post_seen", object_type="case", object_id=str(thread.case_id),
                     payload={"thread": str(thread.pk), "post_index": number, "labels": list(result.labels)})
        if any(r["score"] >= 0.5 for r in rows):  # a post with no finding cannot raise the severity
            retriage(thread.case_id, trigger={"url": thread.url, "post_index": number})
    return record


@job(max_attempts=1)
def refetch_due_threads() -> int:
    """Periodic (jobs/schedule): enqueue every active thread whose next fetch is due."""
    due = WatchedThread.objects.filter(active=True, next_fetch_at__lte=timezone.now()).values_list("pk", flat=True)
    for thread_id in due:
        enqueue(refetch, str(thread_id), priority=50)
    return len(due)
