"""Notice rows: queued once per idempotency key, then delivered (at most once) or failed; each step audited.

Rendering and delivery belong to enforcement (and appeals for appeal answers); they call these to change state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.cases.models import Notice, NoticeStatus


def do_queue_notice(*, idempotency_key: str, fields: dict[str, Any], about: dict[str, Any]) -> tuple[Notice, bool]:
    """Create the notice for `idempotency_key` unless it exists (inside the caller's transaction); `about` is the
    audit payload (kinds, roles and ids, never an address or a body). Returns (notice, created)."""
    notice, created = Notice.objects.get_or_create(idempotency_key=idempotency_key, defaults=fields)
    if created:
        audit.append(actor="system", verb="notice.queued", object_type="notice", object_id=str(notice.pk),
                     payload=about)
    return notice, created


@dataclass(frozen=True)
class Queued:
    """A notice to queue: its idempotency key, its fields, and the audit payload (see do_queue_notice)."""

    key: str
    fields: dict[str, Any]
    about: dict[str, Any]


def do_queue_notices(items: list[Queued]) -> list[Notice]:
    """`do_queue_notice` for many notices (inside the caller's transaction): one look-up of the keys that exist, one
    insert for the rest, a `notice.queued` event each. Returns the notices created. The caller holds what the keys
    are about (the filing job: the reports), so no one else creates them meanwhile."""
    wanted = {item.key: item for item in items}
    existing = set(Notice.objects.filter(idempotency_key__in=list(wanted)).values_list("idempotency_key", flat=True))
    new = [item for key, item in wanted.items() if key not in existing]
    notices = Notice.objects.bulk_create([Notice(idempotency_key=item.key, **item.fields) for item in new])
    for notice, item in zip(notices, new, strict=True):
        audit.append(actor="system", verb="notice.queued", object_type="notice", object_id=str(notice.pk),
                     payload=item.about)
    return notices


# A notice in one of these states is never sent (again): delivered, possibly delivered (a person checks), or
# bounced by the recipient's server (intake/email/bounces.py; sending it again would bounce again).
DONE_WITH = frozenset({NoticeStatus.SENT, NoticeStatus.UNCERTAIN, NoticeStatus.BOUNCED})


def do_claim_for_delivery(notice_id: str) -> tuple[Notice, str | None]:
    """Lock the notice and mark it `sending` before the SMTP conversation (committed first, so a crash mid-send
    is noticed). Returns (notice, None) to go on, or (notice, status) when it must not be sent: already sent or
    uncertain or bounced, or left `sending` by a worker that stopped (then marked uncertain, for a person to check)."""
    with audit.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.status in DONE_WITH:
            return notice, notice.status
        if notice.status == NoticeStatus.SENDING:
            Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.UNCERTAIN,
                                                       last_error="worker stopped during delivery")
            audit.append(actor="system", verb="notice.uncertain", object_type="notice", object_id=str(notice.pk),
                         payload={"reason": "worker stopped during delivery; not resent automatically"})
            return notice, NoticeStatus.UNCERTAIN
        Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.SENDING, attempts=notice.attempts + 1)
    return notice, None


def do_release_after_error(notice: Notice, error: str) -> None:
    """A send that raised before the peer accepted the message: pending again, retried by the job."""
    Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.PENDING, last_error=error)


def do_record_delivery(notice: Notice, *, status: str, about: dict[str, Any], message_id: str = "",
                       error: str | None = None, attempts: int | None = None) -> None:
    """The outcome of one delivery: sent (with its message id), or not (failed, or pending to be retried, with why)."""
    sent = status == NoticeStatus.SENT
    changes: dict[str, Any] = {"status": status}
    if sent:
        changes["sent_at"] = timezone.now()
    if message_id:
        changes["message_id"] = message_id
    if error is not None:
        changes["last_error"] = error[:500]
    if attempts is not None:
        changes["attempts"] = attempts
    with audit.atomic():
        Notice.objects.filter(pk=notice.pk).update(**changes)
        audit.append(actor="system", verb="notice.sent" if sent else "notice.failed", object_type="notice",
                     object_id=str(notice.pk), payload=about)


def do_claim_many_for_delivery(notice_ids: list[str]) -> tuple[list[Notice], dict[str, str]]:
    """`do_claim_for_delivery` for a few notices in one transaction (one commit for them all): the notices to send
    now, marked `sending`, and the status of those that must not be sent (sent, uncertain, or left sending)."""
    ready: list[Notice] = []
    settled: dict[str, str] = {}
    with audit.atomic():
        for notice in Notice.objects.select_for_update().filter(pk__in=notice_ids).order_by("created_at"):
            if notice.status in DONE_WITH:
                settled[str(notice.pk)] = notice.status
            elif notice.status == NoticeStatus.SENDING:
                Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.UNCERTAIN,
                                                           last_error="worker stopped during delivery")
                audit.append(actor="system", verb="notice.uncertain", object_type="notice", object_id=str(notice.pk),
                             payload={"reason": "worker stopped during delivery; not resent automatically"})
                settled[str(notice.pk)] = NoticeStatus.UNCERTAIN
            else:
                ready.append(notice)
        Notice.objects.filter(pk__in=[n.pk for n in ready]).update(status=NoticeStatus.SENDING,
                                                                   attempts=F("attempts") + 1)
    return ready, settled


def do_record_sent(sent: list[tuple[Notice, str]], *, channel: str = "email") -> None:
    """Notices the peer accepted, with their message ids, recorded in one transaction (one `notice.sent` each)."""
    if not sent:
        return
    now = timezone.now()
    for notice, message_id in sent:
        notice.status, notice.sent_at, notice.message_id = NoticeStatus.SENT, now, message_id
    with audit.atomic():
        Notice.objects.bulk_update([notice for notice, _ in sent], ["status", "sent_at", "message_id"])
        for notice, message_id in sent:
            audit.append(actor="system", verb="notice.sent", object_type="notice", object_id=str(notice.pk),
                         payload={"channel": channel, "message_id": message_id})
