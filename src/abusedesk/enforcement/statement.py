"""The statement of reasons to the customer (DSA Art. 17(3)), as a data type with no reporter fields.

(a) what was decided, its territorial scope and duration; (b) the facts and circumstances, and that a notice
started it (the notifier's identity is not given: it is never strictly necessary here, and the analyst's
facts and reasoning are cleared of every reporter's and targeted person's name, e-mail and phone before they
go out, see common/redaction.py), and, when the decision cites a site assessment, the same neutral summary of it
the public statement carries (evidence/assessment.py: numbers, detector versions and the profile's hash, in the
customer's language; no target, thread, post or input file); (c) whether automated means were used for
detection or decision; (d) the legal ground or (e) the contractual ground, with an explanation; (f) the redress
open to the customer: our internal appeal (six months, the link), out-of-court dispute settlement (Art. 21) and
the courts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from abusedesk.cases.models import Decision
from abusedesk.common.outcomes import OUTCOME_LABELS
from abusedesk.common.redaction import case_identities, redact_identities
from abusedesk.evidence.assessment import cited_summary

# Outcomes that restrict the customer and therefore need a statement of reasons.
RESTRICTING = frozenset({"warn_customer", "restrict", "suspend_service", "terminate_service"})


@dataclass(frozen=True)
class StatementOfReasons:
    reference: str
    outcome: str
    outcome_label: str
    services: list[str]
    properties: list[str]
    territorial_scope: list[str]
    duration_days: int | None
    effective_at: str
    notice_based: bool
    facts: str
    reasoning: str
    automated_detection: bool
    automated_decision: str
    ground: str
    policy_title: str
    policy_text: str
    legal_reference: str
    appeal_url: str
    appeal_deadline: str
    carried_out_at: str = ""
    assessment_summary: str = ""  # the cited site assessment's summary, "" when the decision cites none


def build(decision: Decision, *, appeal_url: str, appeal_deadline: str) -> StatementOfReasons:
    services = list(decision.case.property.services.all()) if decision.case.property else []
    people = case_identities(decision.case)
    return StatementOfReasons(
        reference=f"D-{str(decision.pk)[:8]}", outcome=decision.outcome,
        outcome_label=str(OUTCOME_LABELS.get(decision.outcome, decision.outcome)),
        services=sorted(s.get_kind_display() for s in services),
        properties=[decision.case.property.value] if decision.case.property else [],
        territorial_scope=list(decision.territorial_scope), duration_days=decision.duration_days,
        effective_at=(decision.effective_at or decision.decided_at).strftime("%Y-%m-%d %H:%M UTC"),
        notice_based=decision.case.reports.exists(), facts=redact_identities(decision.facts, people),
        reasoning=redact_identities(decision.reasoning, people),
        automated_detection=decision.automated_detection, automated_decision=decision.automated_decision,
        ground=decision.ground, policy_title=decision.policy.title, policy_text=decision.policy.text,
        legal_reference=decision.policy.legal_reference, appeal_url=appeal_url, appeal_deadline=appeal_deadline,
        carried_out_at=_carried_out_at(decision), assessment_summary=cited_summary(decision.cited_assessment_id))


def _carried_out_at(decision: Decision) -> str:
    if not decision.notice_hours or decision.emergency:
        return ""
    start = decision.effective_at or decision.decided_at
    return (start + timedelta(hours=decision.notice_hours)).strftime("%Y-%m-%d %H:%M UTC")
