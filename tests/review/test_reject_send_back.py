"""The second analyst can reject a decision or send it back, with a reason, instead of approving."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.testing.factories import report_body


def _awaiting(staff: Any, post_report: Any) -> Decision:
    from abusedesk.cases.models import PolicyClause

    post_report(report_body())
    run_pending_jobs()
    case = Case.objects.get()
    policy = PolicyClause.objects.filter(code="threats-to-life").order_by("-version").first()
    assert policy is not None
    actions.do_decide(case, actions.DecisionInput(outcome="terminate_service", policy_id=policy.pk,
                                                  reasoning="A credible threat."), acting_user=staff["ana"])
    decision = Decision.objects.get()
    assert decision.status == "awaiting_approval"
    return decision


@pytest.mark.django_db
@pytest.mark.parametrize(("answer", "status", "verb"), [("reject", "rejected", "decision.rejected"),
                                                       ("send_back", "sent_back", "decision.sent_back")])
def test_second_analyst_rejects_or_sends_back_with_a_reason(staff: Any, customers: Any, post_report: Any,
                                                            client: Client, answer: str, status: str,
                                                            verb: str) -> None:
    decision = _awaiting(staff, post_report)
    client.force_login(staff["cho"])
    page = client.get(f"/console/cases/{decision.case_id}/").content.decode()
    assert 'class="reject"' in page and 'class="send-back"' in page
    response = client.post(f"/console/decisions/{decision.pk}/return/", {"answer": answer,
                                                                         "reason": "Cite the post <b>itself</b>."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == status and decision.returned_reason == "Cite the post <b>itself</b>."
    assert decision.case.status == "open" and not decision.approvals.exists()
    event = AuditEvent.objects.get(verb=verb)
    assert event.actor == "user:cho" and event.payload["reason"] == "Cite the post <b>itself</b>."
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{decision.case_id}/").content.decode()
    assert "Cite the post &lt;b&gt;itself&lt;/b&gt;." in page


@pytest.mark.django_db
def test_no_reason_no_requester_no_analyst_less_role(staff: Any, customers: Any, post_report: Any,
                                                     client: Client) -> None:
    decision = _awaiting(staff, post_report)
    with pytest.raises(actions.ActionRefused, match="say why"):
        actions.do_return_decision(decision, acting_user=staff["cho"], reason="  ", reject=True)
    with pytest.raises(actions.ActionRefused, match="cannot approve"):
        actions.do_return_decision(decision, acting_user=staff["ana"], reason="mine", reject=True)
    client.force_login(staff["aud"])
    assert client.post(f"/console/decisions/{decision.pk}/return/",
                       {"answer": "reject", "reason": "x"}).status_code in {403, 404}
    decision.refresh_from_db()
    assert decision.status == "awaiting_approval"
    actions.do_return_decision(decision, acting_user=staff["cho"], reason="no", reject=True)
    with pytest.raises(actions.ActionRefused, match="not awaiting approval"):
        actions.do_return_decision(decision, acting_user=staff["ben"], reason="again", reject=False)


@pytest.mark.django_db
def test_case_page_shows_hidden_characters_in_urls(staff: Any, customers: Any, post_report: Any,
                                                   client: Client) -> None:
    post_report(report_body(urls=["https://forum.test/threads/\u200bgpj.\u202eexe"]))
    run_pending_jobs()
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{Case.objects.get().pk}/").content.decode()
    assert "[U+200B]" in page and "[U+202E]" in page
    assert '<bdi dir="ltr" class="url">' in page
    assert "\u202e" not in page.split("<main", 1)[1]
