"""Threads: a reply is attached to the report it answers instead of being filed as a new one.

A message answers a report when its In-Reply-To or References names (newest first)
- a reporter notice this desk sent about that report (`<notice-...@...>`; the notices live above intake, so the
  stage that sends them answers the `finding_thread` signal), or
- an earlier message of ours that filed that report, or was attached to it (the reporter writing again in their
  own thread),
AND it comes from the same address as the report's reporter (compared by blind index). A reply from another
address is filed on its own: knowing a Message-ID is not knowing the mailbox.
"""

from __future__ import annotations

from abusedesk.intake import signals
from abusedesk.intake.models import InboundMessage, Report


def answered_report(replies_to: list[str], sender_index: str) -> tuple[Report | None, str]:
    """(the report this message answers, why) or (None, why not; "" when it answers nothing of ours)."""
    if not replies_to:
        return None, ""
    report_id = _from_notices(replies_to) or _from_messages(replies_to)
    if report_id is None:
        return None, ""
    report = Report.objects.select_related("reporter").filter(pk=report_id).first()
    if report is None:
        return None, ""
    if report.reporter.email_index != sender_index:
        return None, "answers a report of another address: filed on its own"
    return report, "answers this report"


def _from_notices(replies_to: list[str]) -> str | None:
    for _receiver, answer in signals.finding_thread.send(sender=InboundMessage, message_ids=replies_to):
        if answer:
            return str(answer)
    return None


def _from_messages(replies_to: list[str]) -> str | None:
    found = (InboundMessage.objects.filter(message_id__in=replies_to, report__isnull=False)
             .values_list("report_id", flat=True).first())
    return str(found) if found else None
