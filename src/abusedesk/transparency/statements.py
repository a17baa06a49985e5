"""DSA statements of reasons for the decisions that took effect in a period.

One statement per effective decision that restricts something (see RESTRICTIVE and docs/transparency.md
for the outcome → DSA mapping). Statements carry no personal data: no reporter identity (source_identity is
never sent), no customer name, no URL or hostname, and free text is scrubbed (scrub.py). Decisions are loaded
in one query with their policy, case, customer and property (and the site assessment a decision cites, whose
neutral summary ends decision_facts; its encrypted body is not read), plus one prefetch for the case's reports and
reporters (to know the source type and who to scrub) and one for the people the case targets, so the cost does
not grow with one query per decision. Reporters and targeted people are found in every shape
common/redaction.py knows (name joins, handles, e-mail parts, phone spacing), not only verbatim.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Min, Prefetch, QuerySet
from django.utils import translation

from abusedesk.cases.models import Decision, Ground, Outcome
from abusedesk.common.redaction import case_identities
from abusedesk.evidence.assessment import decision_summary
from abusedesk.intake.models import Lane, Report
from abusedesk.transparency import dsa
from abusedesk.transparency.figures import actions
from abusedesk.transparency.period import Period
from abusedesk.transparency.scrub import clip, scrub

# Outcomes that restrict the customer's service or content; the others (no_action, forward_to_host,
# refer_to_law_enforcement) decide nothing against the recipient of our service, so no statement is due.
RESTRICTIVE = (Outcome.WARN, Outcome.RESTRICT, Outcome.SUSPEND, Outcome.TERMINATE)

WARNING_TEXT = ("Formal warning to the customer under our terms; the content stayed available and further "
                "violations may lead to suspension or termination of the service.")
INTERSTITIAL_TEXT = ("Access to the content through our service restricted: visitors are shown an interstitial "
                     "warning page before reaching it.")
AUTOMATED = {"not_automated": "AUTOMATED_DECISION_NOT_AUTOMATED", "partially": "AUTOMATED_DECISION_PARTIALLY",
             "fully": "AUTOMATED_DECISION_FULLY"}
MAX_DATE = date(2038, 1, 1)


def decisions_for_statements(period: Period) -> QuerySet[Decision]:
    reports = Report.objects.select_related("reporter").only(
        "id", "case_id", "lane", "urls", "reporter__id", "reporter__kind", "reporter__name", "reporter__email",
        "reporter__phone")
    return (actions(period).filter(outcome__in=RESTRICTIVE)
            .select_related("policy", "case", "case__customer", "case__property", "cited_assessment")
            .defer("cited_assessment__body", "cited_assessment__text")  # the card in headers is what is cited
            .annotate(first_notice=Min("case__reports__received_at"))
            .prefetch_related(Prefetch("case__reports", queryset=reports), "case__targets")
            .order_by("effective_at", "id"))


def statements_for(period: Period) -> list[dict[str, Any]]:
    return [statement(decision) for decision in decisions_for_statements(period)]


def batches(statements: list[dict[str, Any]], size: int = dsa.MAX_BATCH) -> Iterator[dict[str, Any]]:
    for start in range(0, len(statements), size):
        yield {"statements": statements[start:start + size]}


def statement(decision: Any) -> dict[str, Any]:
    """The statement for one decision (loaded by decisions_for_statements, with its annotations)."""
    known = _identifying_strings(decision)
    people = case_identities(decision.case)
    reasoning = scrub(decision.reasoning, known, people)
    facts = scrub(decision.facts, known, people) if decision.facts.strip() else _default_facts(decision)
    facts = _with_assessment(facts, decision)
    result: dict[str, Any] = {
        **restriction_fields(decision.outcome, decision.territorial_scope, decision.effective_at,
                             decision.duration_days),
        **ground_fields(decision.ground, decision.policy, reasoning),
        "content_type": ["CONTENT_TYPE_TEXT"],
        "category": decision.policy.dsa_category,
        "content_date": (decision.first_notice or decision.decided_at).date().isoformat(),
        "application_date": decision.effective_at.date().isoformat(),
        "decision_facts": clip(facts, dsa.TEXT_LIMITS["decision_facts"]),
        "source_type": source_type(list(decision.case.reports.all())),
        "automated_detection": "Yes" if decision.automated_detection else "No",
        "automated_decision": AUTOMATED.get(decision.automated_decision, "AUTOMATED_DECISION_NOT_AUTOMATED"),
        "puid": f"abusedesk-decision-{decision.pk}",
    }
    keywords = [k for k in decision.policy.keywords if k in dsa.KEYWORDS]
    if keywords:
        result["category_specification"] = keywords
    return result


def restriction_fields(outcome: str, scope: list[str], effective_at: datetime,
                       duration_days: int | None) -> dict[str, Any]:
    """Our outcome as the DSA's decision_* fields (the table in docs/transparency.md)."""
    partial = bool(scope)
    eu_scope = sorted({code.upper() for code in scope} & dsa.EU_EEA)
    fields: dict[str, Any] = {}
    end_field = None
    if outcome == Outcome.TERMINATE:
        fields["decision_provision"] = f"DECISION_PROVISION_{'PARTIAL' if partial else 'TOTAL'}_TERMINATION"
    elif outcome == Outcome.SUSPEND:
        fields["decision_provision"] = f"DECISION_PROVISION_{'PARTIAL' if partial else 'TOTAL'}_SUSPENSION"
        end_field = "end_date_service_restriction"
    elif outcome == Outcome.RESTRICT and partial:
        fields["decision_visibility"] = ["DECISION_VISIBILITY_CONTENT_DISABLED"]
        end_field = "end_date_visibility_restriction"
    elif outcome == Outcome.RESTRICT:
        fields.update(decision_visibility=["DECISION_VISIBILITY_OTHER"], decision_visibility_other=INTERSTITIAL_TEXT)
        end_field = "end_date_visibility_restriction"
    else:  # warn_customer
        fields.update(decision_visibility=["DECISION_VISIBILITY_OTHER"], decision_visibility_other=WARNING_TEXT)
    if eu_scope:
        fields["territorial_scope"] = eu_scope
    if end_field and duration_days:
        fields[end_field] = min(effective_at.date() + timedelta(days=duration_days), MAX_DATE).isoformat()
    return fields


def ground_fields(ground: str, policy: Any, reasoning: str) -> dict[str, Any]:
    """decision_ground and the legal or contractual ground with its explanation, clipped to the limits."""
    clause = f"{policy.title} ({policy.code} v{policy.version})"
    fields: dict[str, Any] = {}
    if ground == Ground.ILLEGAL:
        fields.update(decision_ground="DECISION_GROUND_ILLEGAL_CONTENT",
                      illegal_content_legal_ground=clip(policy.legal_reference or clause, 500),
                      illegal_content_explanation=clip(reasoning, 2000))
    else:
        legal = f"; {policy.legal_reference}" if policy.legal_reference else ""
        fields.update(decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT",
                      incompatible_content_ground=clip(clause + legal, 500),
                      incompatible_content_explanation=clip(reasoning, 2000))
    if policy.reference_url and len(policy.reference_url) <= 500:
        fields["decision_ground_reference_url"] = policy.reference_url
    return fields


def source_type(reports: list[Report]) -> str:
    """The weightiest source among the case's reports: an authority order (the token's lane, as cases.actions
    treats it), then a trusted flagger, then any notice; no report means our own initiative."""
    if not reports:
        return "SOURCE_VOLUNTARY"
    if any(r.lane == Lane.AUTHORITY for r in reports):
        return "SOURCE_TYPE_OTHER_NOTIFICATION"
    if any(r.lane == Lane.TRUSTED for r in reports):
        return "SOURCE_TRUSTED_FLAGGER"
    return "SOURCE_ARTICLE_16"


def _default_facts(decision: Any) -> str:
    origin = "one or more notices" if decision.case.reports.all() else "our own review"
    what = ("A site reached through our infrastructure service was reviewed as a whole" if decision.scope == "site"
            else "Content reached through our infrastructure service was reviewed")
    return (f"{what} after {origin} and found to "
            f"fall under clause {decision.policy.code} v{decision.policy.version} ({decision.policy.title}).")


def _with_assessment(facts: str, decision: Any) -> str:
    """The analyst's facts, then the cited site assessment's neutral summary (numbers, detector versions and the
    profile's hash: evidence/assessment.py, the customer's notice carries the same), never clipped away. In English,
    as the rest of the statement, whatever language the caller has active."""
    cited = decision.cited_assessment
    if cited is None:
        return facts
    with translation.override("en"):
        summary = decision_summary(cited.headers or {}, cited.body_sha256)
    return clip(facts, dsa.TEXT_LIMITS["decision_facts"] - len(summary) - 2) + "\n\n" + summary


def _identifying_strings(decision: Any) -> list[str]:
    """The customer and the hosts of this case, to scrub verbatim from free text (people: case_identities)."""
    case = decision.case
    known: list[str] = []
    if case.customer is not None:
        known += [case.customer.name, case.customer.email, case.customer.external_id]
    if case.property is not None:
        known.append(case.property.value)
    for report in case.reports.all():
        known += [part for url in report.urls or [] for part in (url.get("host") or "", url.get("host_unicode") or "")]
    return known
