"""Telling people about a decision, each with their own way to appeal it (DSA Art. 17, 16(5), 20).

The statement of reasons goes to the customer, the outcome to every reporter, and each carries a secret appeal link
issued here; enforcement renders and queues the notices."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation

from abusedesk.appeals.models import AppealInvite
from abusedesk.cases.models import Decision
from abusedesk.common.outcomes import OUTCOME_LABELS
from abusedesk.enforcement.notices import create_customer_statement, create_reporter_notice, notice_language
from abusedesk.enforcement.statement import RESTRICTING
from abusedesk.intake.models import Report


def appeal_link(decision: Decision, role: str, language: str, report: Report | None = None) -> tuple[str, str]:
    """A new invite for `role`: its URL in `language` and the last day to appeal."""
    _invite, token = AppealInvite.issue(decision=decision, role=role, report=report)
    deadline = (decision.effective_at or timezone.now()) + timedelta(days=settings.APPEAL_WINDOW_DAYS)
    return f"{settings.PUBLIC_URL}/{language}/appeal/{token}/", deadline.strftime("%Y-%m-%d")


def notify_decision(decision: Decision) -> None:
    """Statement of reasons to the customer (Art. 17) and the outcome to every reporter (Art. 16(5)),
    each with their own appeal link (Art. 20). Runs inside the transaction that made the decision effective."""
    decision.refresh_from_db()
    customer = decision.case.customer
    if decision.outcome in RESTRICTING and customer is not None and customer.email:
        create_customer_statement(decision, appeal_link)
    for report in decision.case.reports.select_related("reporter").all():
        language = notice_language(report.language)
        url, deadline = appeal_link(decision, "reporter", language, report)
        with translation.override(language):
            label = str(OUTCOME_LABELS.get(decision.outcome, decision.outcome))
        create_reporter_notice(report, kind="reporter_outcome", decision=decision, extra={
            "outcome": decision.outcome, "outcome_label": label, "policy_title": decision.policy.title,
            "appeal_url": url, "appeal_deadline": deadline})
