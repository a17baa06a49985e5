"""What each announced change sets off, and which stage owns it: the pipeline's wiring, in one table.

Every receiver runs inside the transaction of the change it follows (Django signals are synchronous), so a job it
enqueues exists exactly when the change commits, and a receiver that fails rolls the change back.

Announced by intake:
- `checking_reporter` (before a submission is stored): refuse a suspended reporter (misuse).
- `report_accepted` (a report is stored): enqueue the job that files it into a case (pipeline.tasks), one step
  lower while its site is under a campaign (pipeline.campaigns).
- `finding_thread` (an e-mail replies to a notice): answer which report that reporter notice was about (the notices
  live in the case core).
- `notice_bounced` (a DSN names one of our notices): record the bounce on the notice (the case core's notices).

Announced by the case core:
- `report_not_ours` (attribution found no customer of ours): tell the reporter who to ask (enforcement notices).
- `case_became_s0` (a case became S0): page on-call (triage), then prepare the referral packet (referrals).
- `decision_effective` (a decision took effect): plan and queue its actions (enforcement), then tell the customer
  and every reporter, each with an appeal link (appeals).
- `decision_reversed` (an effective decision was reversed): undo its actions (enforcement).
- `report_marked_unfounded` (a notice was marked manifestly unfounded): warn or suspend its reporter (misuse).
- `reports_moved` (reports moved to another case): give each case a capture of its own where the two shared one
  (evidence).
"""

from __future__ import annotations

from typing import Any

from abusedesk.appeals.notices import notify_decision
from abusedesk.cases import signals as case_signals
from abusedesk.enforcement import tasks as enforcement
from abusedesk.enforcement.notices import create_reporter_notice
from abusedesk.intake import signals as intake_signals
from abusedesk.jobs import Priority, enqueue
from abusedesk.misuse import policy as misuse
from abusedesk.referrals.tasks import prepare_referral
from abusedesk.triage.paging import raise_page

_UID = "abusedesk.pipeline.flow"


def connect() -> None:
    """Connect every receiver once (AppConfig.ready); the dispatch uids make a second call harmless."""
    intake_signals.checking_reporter.connect(_refuse_suspended, dispatch_uid=f"{_UID}.checking_reporter")
    intake_signals.report_accepted.connect(_file_report, dispatch_uid=f"{_UID}.report_accepted")
    intake_signals.finding_thread.connect(_thread_of, dispatch_uid=f"{_UID}.finding_thread")
    intake_signals.notice_bounced.connect(_bounced, dispatch_uid=f"{_UID}.notice_bounced")
    case_signals.report_not_ours.connect(_not_ours, dispatch_uid=f"{_UID}.report_not_ours")
    case_signals.case_became_s0.connect(_s0, dispatch_uid=f"{_UID}.case_became_s0")
    case_signals.decision_effective.connect(_effective, dispatch_uid=f"{_UID}.decision_effective")
    case_signals.decision_reversed.connect(_reversed, dispatch_uid=f"{_UID}.decision_reversed")
    case_signals.report_marked_unfounded.connect(_unfounded, dispatch_uid=f"{_UID}.report_marked_unfounded")
    case_signals.reports_moved.connect(_moved, dispatch_uid=f"{_UID}.reports_moved")


def _refuse_suspended(sender: Any, *, email_index: str, token: Any, **_: Any) -> None:
    misuse.refuse_suspended(email_index=email_index, token=token)


def _file_report(sender: Any, *, report: Any, priority: int, **_: Any) -> None:
    from abusedesk.pipeline.campaigns import queue_priority
    from abusedesk.pipeline.tasks import process_report

    enqueue(process_report, str(report.pk), priority=queue_priority(report, priority))


def _thread_of(sender: Any, *, message_ids: list[str], **_: Any) -> str | None:
    from abusedesk.cases.models import Notice, RecipientRole

    found = (Notice.objects.filter(message_id__in=message_ids[:50], recipient_role=RecipientRole.REPORTER,
                                   report__isnull=False).values_list("report_id", flat=True).first())
    return str(found) if found else None


def _bounced(sender: Any, *, notice_id: str, message_id: str, outcome: str, status: str, diagnostic: str,
             **_: Any) -> dict[str, Any] | None:
    from abusedesk.cases.actions.bounces import do_record_bounce

    return do_record_bounce(notice_id=notice_id, message_id=message_id, outcome=outcome, status=status,
                            diagnostic=diagnostic)


def _moved(sender: Any, *, source: Any, target: Any, **_: Any) -> None:
    """Moved reports take their evidence rows along; a capture shared across the two cases is copied so that each
    case keeps one of its own (evidence/reuse.py)."""
    from abusedesk.evidence.reuse import rehome_after_move

    rehome_after_move([source.pk, target.pk])


def _not_ours(sender: Any, *, report: Any, **_: Any) -> None:
    create_reporter_notice(report, kind="not_our_customer")


def _s0(sender: Any, *, case: Any, reason: str, trigger: dict[str, Any] | None, **_: Any) -> None:
    """S0 pages on-call at once (same transaction) and prepares the referral packet as a job."""
    raise_page(case, reason, trigger)
    enqueue(prepare_referral, case.pk, reason, priority=int(Priority.S0) - 1)


def _effective(sender: Any, *, decision: Any, payload: dict[str, Any], acting_user: Any, **_: Any) -> None:
    enforcement.carry_out(decision, payload, acting_user)
    notify_decision(decision)


def _reversed(sender: Any, *, decision: Any, **_: Any) -> None:
    enforcement.undo(decision)


def _unfounded(sender: Any, *, report: Any, acting_user: Any, **_: Any) -> None:
    misuse.evaluate(report, acting_user=acting_user)
