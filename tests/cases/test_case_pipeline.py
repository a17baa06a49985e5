"""From an accepted report to a case, a decision under four eyes, actions and notices."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from abusedesk.attribution.models import Customer, Service
from abusedesk.audit import trail as audit
from abusedesk.cases import actions
from abusedesk.cases.models import Action, Case, CaseStatus, Decision, DecisionStatus, Notice, PolicyClause
from abusedesk.intake.models import Report
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(customers: Any, post_report: Any, run_jobs: Any) -> Case:
    post_report(report_body())
    post_report(report_body(urls=["https://www.forum.test/threads/123?page=2"], category="doxxing",
                            reporter={"name": "Second", "email": "second@mail.test", "kind": "individual"}))
    run_jobs()
    return Case.objects.get()


def _policy(code: str = "threats-to-life") -> PolicyClause:
    return PolicyClause.objects.get(code=code, version=1)


def _decide(case: Case, user: Any, outcome: str = "terminate_service", **kw: Any) -> Decision:
    return actions.do_decide(case, actions.DecisionInput(outcome=outcome, policy_id=_policy().pk,
                                                         reasoning="Credible threat with an address.", **kw),
                             acting_user=user)


def test_reports_about_one_site_group_into_one_case_with_receipts(case: Case) -> None:
    assert case.reports.count() == 2
    assert case.customer and case.customer.external_id == "forum-op"
    assert case.severity == "S1" and "threat" in case.severity_reason
    assert sorted(Notice.objects.values_list("kind", flat=True)) == ["receipt", "receipt"]
    assert len(mail.outbox) == 2 and "We received your report" in mail.outbox[0].subject


def test_not_our_customer_is_told_to_the_reporter(customers: Any, post_report: Any, run_jobs: Any) -> None:
    response = post_report(report_body(urls=["https://elsewhere.test/x"]))
    run_jobs()
    report = Report.objects.get(pk=response.json()["id"])
    assert report.status == "not_our_customer" and report.case is None
    assert "not served by us" in mail.outbox[0].subject
    assert "rita@advocates.test" in mail.outbox[0].to


def test_a_decision_must_cite_an_active_policy(case: Case, staff: Any) -> None:
    with pytest.raises(actions.ActionRefused, match="policy clause"):
        actions.do_decide(case, actions.DecisionInput(outcome="warn_customer", policy_id=999_999,
                                                      reasoning="x"), acting_user=staff["ana"])
    assert not Decision.objects.exists()


def test_warning_takes_effect_at_once_and_tells_the_reporters(case: Case, staff: Any, run_jobs: Any) -> None:
    decision = _decide(case, staff["ana"], outcome="warn_customer")
    assert decision.status == DecisionStatus.EFFECTIVE
    run_jobs()
    assert Notice.objects.filter(kind="reporter_outcome").count() == 2
    assert audit.verify().ok


def test_termination_needs_a_second_person(case: Case, staff: Any, run_jobs: Any) -> None:
    decision = _decide(case, staff["ana"])
    assert decision.status == DecisionStatus.AWAITING_APPROVAL
    assert Case.objects.get().status == CaseStatus.AWAITING_APPROVAL
    assert not Action.objects.exists()
    with pytest.raises(actions.ActionRefused, match="cannot approve it"):
        actions.do_approve(decision, acting_user=staff["ana"], authenticated_at=timezone.now())
    actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    run_jobs()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.EFFECTIVE
    action = Action.objects.get()
    assert action.kind == "console" and action.status == "done"
    assert Service.objects.get(property__value="forum.test").terminated_at is not None
    with pytest.raises(actions.ActionRefused):
        actions.do_approve(decision, acting_user=staff["ben"], authenticated_at=timezone.now())  # no double execution
    verbs = list(audit.AuditEvent.objects.values_list("verb", flat=True))
    for verb in ("decision.made", "decision.approved", "action.planned", "decision.effective", "action.performed"):
        assert verbs.count(verb) == 1, verb
    assert audit.verify().ok


def test_protected_customers_need_a_senior_approver(case: Case, staff: Any) -> None:
    Customer.objects.filter(pk=case.customer_id).update(protected=True)
    decision = _decide(case, staff["ana"], outcome="suspend_service")
    with pytest.raises(actions.ActionRefused, match="senior"):
        actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    actions.do_approve(decision, acting_user=staff["ben"], authenticated_at=timezone.now())


def test_an_approval_is_bound_to_the_action_payload(case: Case, staff: Any) -> None:
    decision = _decide(case, staff["ana"])
    Service.objects.create(property=case.property, kind="dns", hosts_content=False)  # what would change
    with pytest.raises(actions.ActionRefused, match="has changed"):
        actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    assert Decision.objects.get().status == DecisionStatus.VOIDED
    assert not Action.objects.exists()


def test_auditors_cannot_decide(case: Case, staff: Any) -> None:
    with pytest.raises(actions.ActionRefused, match="role"):
        _decide(case, staff["aud"], outcome="warn_customer")


def test_reporting_processing_is_idempotent(customers: Any, post_report: Any, run_jobs: Any) -> None:
    from abusedesk.pipeline.tasks import process_report

    report_id = post_report().json()["id"]
    run_jobs()
    assert process_report.call(report_id) == "already in_case"
    assert Notice.objects.count() == 1
