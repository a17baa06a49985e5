"""A notice that bounced: intake's `notice_bounced` signal (a DSN named one of our notices; pipeline/flow.py
connects it) recorded here.

The rule (intake/email/bounces.py reads the DSN and only asks about Message-IDs the desk made):
- a permanent failure (`Action: failed`, `Status: 5.x.x`) marks the notice `bounced`, keeps the status code and a
  short diagnostic in `last_error` (remote text: stored as data, escaped wherever it is shown) and writes one
  `notice.bounced` event (notice id, status code, recipient role: never the address or the diagnostic);
- a delayed or delivered DSN changes nothing (the mail system is still trying, or it arrived): only logged;
- idempotent: a notice already bounced is left as it is, so the same DSN twice (or two DSNs for one notice) makes
  one event.
"""

from __future__ import annotations

import logging
from typing import Any

from abusedesk.audit import trail as audit
from abusedesk.cases.models import Notice, NoticeStatus
from abusedesk.intake.email.bounces import normal_message_id

logger = logging.getLogger("abusedesk.cases.notices")


def do_record_bounce(*, notice_id: str, message_id: str, outcome: str, status: str,
                     diagnostic: str) -> dict[str, Any] | None:
    """Record a DSN's outcome on the notice with this id and Message-ID; what was done, or None when none matches."""
    with audit.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None or normal_message_id(notice.message_id) != normal_message_id(message_id):
            logger.info("bounce for notice %s: no notice of ours with that Message-ID", notice_id)
            return None
        role = str(notice.recipient_role)
        if outcome != "failed" or notice.status == NoticeStatus.BOUNCED:
            logger.info("bounce for notice %s (%s, %s): nothing to change", notice_id, outcome, status or "no status")
            return {"changed": False, "role": role}
        notice.status = NoticeStatus.BOUNCED
        notice.last_error = " ".join(filter(None, [status or "5.0.0", diagnostic]))[:300]
        notice.save(update_fields=["status", "last_error"])
        audit.append(actor="email", verb="notice.bounced", object_type="notice", object_id=str(notice.pk),
                     payload={"notice": str(notice.pk), "status": status, "recipient_role": role,
                              "kind": notice.kind})
    logger.info("notice %s bounced (%s)", notice_id, status or "no status")
    return {"changed": True, "role": role}

