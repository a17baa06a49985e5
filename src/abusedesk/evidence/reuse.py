"""One capture for many reports of the same URL: a campaign of thousands of reports fetches its page once.

The rule (`CAPTURE_REUSE_SECONDS`, default 900; 0 turns it off):
- A report's URL reuses a capture of exactly the same URL string, in the same case, made for another report
  (a capture of its own, not itself a reuse), that was created or fetched within the window and is either still to
  settle (its job will fetch it) or settled as captured or blocked. Blocked is reused: the fetch policy would give
  the same answer. A capture that failed for the last time is not: the site may be back, so the report fetches anew.
- Each report keeps its own Evidence row (the case page, forwarding and merging read `Evidence.report`), marked
  `same_as` the capture. It has no fetch job and no bytes of its own: the body and text are the capture's, read
  from it. Its final state (status, reason, hashes, who fetched it, when, from where) is copied when the capture
  has settled, at once if it already has, else in the capture's own transaction when it settles (`settle_covered`)
  - whatever the outcome, failed for the last time included: those reports were covered by that capture's tries.
- Chain of custody: each reusing row writes `evidence.reused` (the capture it points at and its state then; no URL,
  no text), and the capture's own `evidence.captured|blocked|failed` event counts the rows it settled (`covers`).

The capture is locked while a row is made to point at it, so a capture settling at the same moment either settles
the new row too (it waited for the lock) or is seen settled (the row copies its state): none is left pending.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.evidence.models import CaptureStatus, Evidence

# What a reusing row takes from its capture once that has settled (never the body or the text).
COPIED = ("status", "reason", "settled", "final_url", "http_status", "resolved_ip", "truncated", "body_sha256",
          "text_sha256", "fetched_by", "fetched_from", "fetched_at")


def reusable(case: Any, url: str) -> Evidence | None:
    """The capture of `url` in `case` that a new report of it reuses (see the module docstring), locked until the
    caller's transaction ends; None when the report fetches it itself."""
    window = int(settings.CAPTURE_REUSE_SECONDS)
    if window <= 0 or case is None:
        return None
    since = timezone.now() - timedelta(seconds=window)
    return (Evidence.objects.select_for_update()
            .filter(case=case, url=url, same_as__isnull=True, report__isnull=False)
            .filter(Q(created_at__gte=since) | Q(fetched_at__gte=since))
            .exclude(settled=True, status=CaptureStatus.FAILED)
            .defer("body", "text").order_by("-created_at").first())


def reuse(capture: Evidence, *, report: Any, case: Any) -> Evidence:
    """A report's row for a URL that `capture` covers, settled now if the capture is (inside the caller's
    transaction, with its audit event)."""
    row = Evidence(report=report, case=case, url=capture.url, same_as=capture)
    if capture.settled:
        for field in COPIED:
            setattr(row, field, getattr(capture, field))
    row.save()
    audit.append(actor="system", verb="evidence.reused", object_type="evidence", object_id=str(row.pk),
                 payload={"same_as": str(capture.pk), "status": row.status, "settled": row.settled})
    return row


def settle_covered(capture: Evidence) -> int:
    """Copy a capture's final state to the rows still waiting on it (in the capture's transaction). Returns how
    many rows it settled."""
    if not capture.settled:
        return 0
    return Evidence.objects.filter(same_as=capture, settled=False).update(
        **{field: getattr(capture, field) for field in COPIED})


def rehome_after_move(case_ids: list[Any]) -> int:
    """After reports moved between cases (cases.actions.merging), no row of these cases points at a capture in
    another case: a moved row whose capture stayed behind, or the rows left behind when their capture's report
    moved. In each case, the oldest such row of a capture becomes that case's capture of the URL — it takes the
    capture's bytes and text (the same bytes, with the same hashes: copied, not fetched again) and its final
    state — and the case's other rows of that capture point at it (or all point at the copy an earlier move made
    there). Each copy writes `evidence.copied` (the capture
    it came from, the case, how many rows now point at it; no URL, no text). Returns how many copies were made."""
    astray: dict[tuple[Any, Any], list[Evidence]] = {}
    rows = (Evidence.objects.filter(case_id__in=case_ids, same_as__isnull=False)
            .exclude(same_as__case_id=F("case_id")).defer("body", "text").order_by("created_at", "pk"))
    for row in rows:
        astray.setdefault((row.case_id, row.same_as_id), []).append(row)
    copies = 0
    for (case_id, capture_id), group in astray.items():
        capture = Evidence.objects.defer("body", "text").get(pk=capture_id)
        # An earlier move already gave this case its copy of the capture: point at that one.
        copied = (Evidence.objects.filter(case_id=case_id, same_as__isnull=True, url=capture.url,
                                          body_sha256=capture.body_sha256, status=capture.status,
                                          fetched_at=capture.fetched_at)
                  .exclude(pk=capture.pk).values_list("pk", flat=True).first())
        if copied is not None:
            Evidence.objects.filter(pk__in=[row.pk for row in group]).update(same_as=copied)
            continue
        capture = Evidence.objects.get(pk=capture_id)
        first = group[0]
        first.same_as = None
        first.body, first.text = capture.body, capture.text
        for field in COPIED:
            setattr(first, field, getattr(capture, field))
        first.save(update_fields=["same_as", "body", "text", *COPIED])
        Evidence.objects.filter(pk__in=[row.pk for row in group[1:]]).update(same_as=first)
        audit.append(actor="system", verb="evidence.copied", object_type="evidence", object_id=str(first.pk),
                     payload={"from": str(capture.pk), "case": case_id, "covers": len(group) - 1})
        copies += 1
    return copies
