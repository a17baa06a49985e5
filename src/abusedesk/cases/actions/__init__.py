"""Every change to case state goes through a `do_*` function of this package, split by domain:

- `filing`: a report (or a batch about one property) enters a case, or is not ours; detector findings; a notice
  marked unfounded; a report closed on its own.
- `merging`: reports moved to another case, cases merged into one (campaigns and spam waves).
- `severity`: raising (rules) and setting (an analyst) a case's severity and lane.
- `decisions`: decide, approve, reject or send back, the emergency review, closing a case.
- `reversal`: undoing an effective decision.
- `actions`: the Action rows a decision plans and what carrying them out did.
- `notices`: the Notice rows (receipts, statements of reasons, forwards, appeal answers) and their delivery.

Each runs in one transaction and writes its audit event(s). Where a change has consequences owned by a stage above
the core (paging, enforcement, referral, misuse), it sends a signal of `cases.signals` inside the same transaction;
`abusedesk.pipeline.flow` wires them. Checking is separate from doing where a change is checked before it is
applied (`check_decide` returns the validated value that `do_decide` applies). Views, the API, jobs and stages
never call `.save()` on a Case, Decision, Action or Notice themselves.
"""

from abusedesk.cases.actions.base import ActionRefused, ReauthenticationRequired
from abusedesk.cases.actions.decisions import (
    DecisionInput,
    action_payload,
    check_decide,
    do_approve,
    do_close_case,
    do_decide,
    do_return_decision,
    do_review_emergency,
)
from abusedesk.cases.actions.filing import (
    do_close_report,
    do_file_report,
    do_file_reports,
    do_mark_not_our_customer,
    do_mark_unfounded,
    do_record_findings,
)
from abusedesk.cases.actions.merging import do_merge_case, do_move_report
from abusedesk.cases.actions.reversal import do_reverse_decision
from abusedesk.cases.actions.severity import do_raise_severity, do_set_severity

__all__ = [
    "ActionRefused", "DecisionInput", "ReauthenticationRequired", "action_payload", "check_decide", "do_approve",
    "do_close_case", "do_close_report", "do_decide", "do_file_report", "do_file_reports", "do_mark_not_our_customer",
    "do_mark_unfounded", "do_merge_case", "do_move_report", "do_raise_severity", "do_record_findings",
    "do_return_decision", "do_reverse_decision", "do_review_emergency", "do_set_severity",
]
