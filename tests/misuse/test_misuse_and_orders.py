"""DSA Art. 23 (manifestly unfounded notices: warn, then suspend intake) and Art. 9 (authority orders checked
for their elements and flagged before anyone acts; a protected customer raises the bar)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from abusedesk.accounts.models import ApiToken
from abusedesk.attribution.models import Customer
from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case, PolicyClause
from abusedesk.intake.models import Report
from abusedesk.misuse.models import MisuseStep
from abusedesk.misuse.policy import stats_for
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db
SPAMMER = {"name": "Noisy", "email": "noisy@flood.test", "kind": "individual"}
ORDER = {"legal_basis": "Art. 9 DSA; Criminal Code s. 12", "issuing_authority": "Cyber Unit, National Police",
         "country": "IE", "statement_of_reasons": "The page publishes a private person's address with threats.",
         "redress": "Appeal to the District Court within 30 days.", "reference": "ORD-2026-17"}


def test_unfounded_notices_lead_to_a_warning_then_a_suspension(customers: Any, staff: Any, post_report: Any,
                                                                run_jobs: Any, settings: Any) -> None:
    settings.MISUSE_WARN_AFTER, settings.MISUSE_SUSPEND_AFTER = 2, 3
    for i in range(3):
        post_report(report_body(reporter=SPAMMER, explanation=f"Nonsense number {i}"), REMOTE_ADDR=f"192.0.2.{i}")
    run_jobs()
    for link in re.findall(r"/en/report/confirm/[^/\s]+/", "".join(m.body for m in mail.outbox)):
        Client().post(link, {"confirm": "yes"})  # the notices count once their mailbox confirmed them (issue 11)
    reports = list(Report.objects.order_by("received_at"))
    assert all(r.reporter_confirmed_at for r in reports)
    actions.do_mark_unfounded(reports[0], acting_user=staff["ana"], reason="not abuse at all")
    assert not MisuseStep.objects.exists()
    actions.do_mark_unfounded(reports[1], acting_user=staff["ana"], reason="same again")
    assert MisuseStep.objects.get().kind == "warning"
    actions.do_mark_unfounded(reports[2], acting_user=staff["ana"], reason="third")
    assert MisuseStep.objects.filter(kind="suspension").count() == 1
    assert stats_for(reports[0].reporter.email_index).unfounded == 3
    run_jobs()
    subjects = [m.subject for m in mail.outbox if "noisy@flood.test" in m.to]
    assert "Warning about manifestly unfounded notices" in subjects
    assert "Processing of your notices is suspended" in subjects
    assert AuditEvent.objects.filter(verb="misuse.suspended").exists()
    refused = post_report(report_body(reporter=SPAMMER), REMOTE_ADDR="192.0.2.99")
    assert refused.status_code == 403
    assert refused.json()["error"] == "reporter_suspended" and "Art. 23" in refused.json()["detail"]
    assert post_report(report_body(), REMOTE_ADDR="192.0.2.98").status_code == 201  # others unaffected


def test_marking_needs_a_reason_and_a_deciding_role(customers: Any, staff: Any, post_report: Any) -> None:
    post_report()
    report = Report.objects.get()
    with pytest.raises(actions.ActionRefused, match="say why"):
        actions.do_mark_unfounded(report, acting_user=staff["ana"], reason=" ")
    with pytest.raises(actions.ActionRefused, match="role"):
        actions.do_mark_unfounded(report, acting_user=staff["aud"], reason="x")


def test_misuse_statistics_page_is_pseudonymous(client: Client, customers: Any, staff: Any, post_report: Any) -> None:
    post_report(report_body(reporter=SPAMMER))
    actions.do_mark_unfounded(Report.objects.get(), acting_user=staff["ana"], reason="x")
    client.force_login(staff["aud"])
    page = client.get("/console/misuse/").content.decode()
    assert "noisy" not in page.lower() and str(Report.objects.get().reporter_id)[:8] in page


def _authority_token(staff: Any) -> str:
    return ApiToken.issue(user=staff["root"], kind="authority", label="Cyber Unit")[1]


def test_incomplete_authority_order_is_flagged_and_blocks_action(customers: Any, staff: Any, post_report: Any,
                                                                 run_jobs: Any, client: Client) -> None:
    token = _authority_token(staff)
    body = report_body(urls=["https://forum.test/"], reporter={"name": "Cyber Unit", "email": "unit@police.test",
                                                               "kind": "authority"},
                       order={k: v for k, v in ORDER.items() if k not in {"legal_basis", "redress"}})
    response = post_report(body, token=token)
    assert response.status_code == 201 and response.json()["lane"] == "authority"
    report = Report.objects.get()
    assert any("legal basis" in p for p in report.order_problems)
    assert any("redress" in p for p in report.order_problems)
    assert any("not an exact URL" in p for p in report.order_problems)
    assert AuditEvent.objects.filter(verb="order.incomplete").exists()
    run_jobs()
    case = Case.objects.get()
    policy = PolicyClause.objects.get(code="doxxing")
    with pytest.raises(actions.ActionRefused, match="authority order in this case is incomplete"):
        actions.do_decide(case, actions.DecisionInput(outcome="warn_customer", policy_id=policy.pk, reasoning="x"),
                          acting_user=staff["ana"])
    client.force_login(staff["ana"])
    assert "Authority order incomplete" in client.get(f"/console/cases/{case.pk}/").content.decode()


def test_complete_order_on_a_protected_customer_needs_a_senior_second_person(
        customers: Any, staff: Any, post_report: Any, run_jobs: Any) -> None:
    from django.utils import timezone

    Customer.objects.filter(external_id="forum-op").update(protected=True)
    body = report_body(urls=["https://forum.test/threads/123"], order=ORDER,
                       reporter={"name": "Cyber Unit", "email": "unit@police.test", "kind": "authority"})
    assert post_report(body, token=_authority_token(staff)).status_code == 201
    assert Report.objects.get().order_problems == []
    run_jobs()
    case = Case.objects.get()
    assert case.lane == "authority"
    policy = PolicyClause.objects.get(code="doxxing")
    decision = actions.do_decide(case, actions.DecisionInput(outcome="warn_customer", policy_id=policy.pk,
                                                             reasoning="Order verified."), acting_user=staff["ana"])
    assert decision.status == "awaiting_approval" and decision.requires_senior
    with pytest.raises(actions.ActionRefused, match="senior"):
        actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    actions.do_approve(decision, acting_user=staff["ben"], authenticated_at=timezone.now())
