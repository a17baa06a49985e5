"""What the case core announces, inside the transaction of the change, to the stages above it.

The core (cases) sits below the stages that act on its changes (triage pages, enforcement carries out,
referrals prepare, misuse counts), so it cannot call them; it sends these signals and `abusedesk.pipeline.flow`
connects each to the stage that owns the follow-up, in one place a reader can follow. Receivers run in the
sender's transaction: a follow-up job is enqueued exactly when the change commits, and a receiver that fails
rolls the change back.
"""

from __future__ import annotations

from django.dispatch import Signal

# case=Case, reason=str, trigger=dict|None: a case became S0 (page on-call, prepare the referral).
case_became_s0 = Signal()
# decision=Decision, payload=dict, acting_user=User|None: a decision took effect (plan the actions, tell people).
decision_effective = Signal()
# decision=Decision: an effective decision was reversed (undo its actions).
decision_reversed = Signal()
# report=Report: attribution found none of our customers behind the report (tell the reporter who to ask).
report_not_ours = Signal()
# report=Report, acting_user=User: a notice was marked manifestly unfounded (apply the misuse rule).
report_marked_unfounded = Signal()
# source=Case, target=Case, report_ids=list: reports moved from one case to another (evidence follows them).
reports_moved = Signal()
