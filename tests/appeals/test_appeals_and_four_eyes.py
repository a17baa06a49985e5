"""Statement of reasons in the customer's language, appeals reviewed by a third person, and the four-eyes
rules that need time: re-authentication, expiry, the audited S0 emergency path."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from abusedesk.appeals import service
from abusedesk.appeals.models import Appeal
from abusedesk.attribution.models import Customer, Service
from abusedesk.audit import trail as audit
from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.testing.factories import PASSWORD, report_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(customers: Any, post_report: Any, run_jobs: Any, staff: Any) -> Case:
    Customer.objects.filter(external_id="forum-op").update(language="es")
    post_report(report_body())
    run_jobs()
    mail.outbox.clear()
    return Case.objects.get()


def _terminate(case: Case, staff: Any, run_jobs: Any) -> Decision:
    policy = PolicyClause.objects.get(code="threats-to-life")
    decision = actions.do_decide(case, actions.DecisionInput(
        outcome="terminate_service", policy_id=policy.pk, reasoning="Credible threat against a located person.",
        facts="Posts 7 and 8 combine her street address with a call to visit her.",
        territorial_scope=("IE", "ES")), acting_user=staff["ana"])
    actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    run_jobs()
    decision.refresh_from_db()
    return decision


def _link(message: Any, lang: str) -> str:
    match = re.search(rf"https?://[^\s]+/{lang}/appeal/([\w-]+)/", message.body)
    assert match, message.body
    return match.group(1)


def test_statement_of_reasons_has_every_article_17_element_in_the_customer_language(
        case: Case, staff: Any, run_jobs: Any) -> None:
    _terminate(case, staff, run_jobs)
    [statement] = [m for m in mail.outbox if "owner@forum.test" in m.to]
    body = statement.body
    assert statement.subject.startswith("Declaración de motivos")
    for element in ("Terminación de nuestro servicio", "IE, ES", "Posts 7 and 8", "medios automatizados",
                    "Threats to life", "Credible threat", "/es/appeal/", "resolución extrajudicial"):
        assert element in body, element
    assert "rita" not in body.lower()  # the notifier is never named to the customer


def test_customer_appeal_reviewed_by_a_third_analyst_reverses_the_termination(
        case: Case, staff: Any, run_jobs: Any, client: Client) -> None:
    decision = _terminate(case, staff, run_jobs)
    assert Service.objects.get(property__value="forum.test").terminated_at is not None
    [statement] = [m for m in mail.outbox if "owner@forum.test" in m.to]
    token = _link(statement, "es")
    page = client.get(f"/es/appeal/{token}/")
    assert page.status_code == 200
    response = client.post(f"/es/appeal/{token}/", {"grounds": "The thread was removed by our moderators."})
    assert response.status_code == 200 and "appeal-received" in response.content.decode()
    appeal = Appeal.objects.get()
    assert appeal.role == "customer"
    with pytest.raises(service.AppealRefused, match="already submitted"):
        service.submit(token, "Second try with other words.")
    for person in ("ana", "cho"):
        with pytest.raises(service.AppealRefused, match="took part"):
            service.review(appeal, upheld=True, reasoning="x", acting_user=staff[person])
    service.review(appeal, upheld=True, reasoning="Content removed; risk ended.", acting_user=staff["ben"])
    run_jobs()
    decision.refresh_from_db()
    assert decision.status == "reversed"
    assert Service.objects.get(property__value="forum.test").terminated_at is None
    assert [m for m in mail.outbox if "owner@forum.test" in m.to and "apelación" in m.subject.lower()]
    assert audit.verify().ok


def test_appeals_after_the_window_or_with_bad_links_are_refused(case: Case, staff: Any, run_jobs: Any) -> None:
    decision = _terminate(case, staff, run_jobs)
    [statement] = [m for m in mail.outbox if "owner@forum.test" in m.to]
    token = _link(statement, "es")
    with pytest.raises(service.AppealRefused, match="not valid"):
        service.submit("not-a-token", "Long enough grounds here.")
    with pytest.raises(service.AppealRefused, match="grounds"):
        service.submit(token, "short")
    Decision.objects.filter(pk=decision.pk).update(effective_at=timezone.now() - timedelta(days=200))
    with pytest.raises(service.AppealRefused, match="appeal period ended"):
        service.submit(token, "Long enough grounds here.")
    assert not Appeal.objects.exists()


def test_reporter_gets_an_appeal_link_too(case: Case, staff: Any, run_jobs: Any) -> None:
    _terminate(case, staff, run_jobs)
    [outcome] = [m for m in mail.outbox if "rita@advocates.test" in m.to and "Decision" in m.subject]
    token = _link(outcome, "en")
    appeal = service.submit(token, "The termination should also cover the mirror site.")
    assert appeal.role == "reporter"


def test_stale_sessions_must_reauthenticate_to_approve(case: Case, staff: Any) -> None:
    policy = PolicyClause.objects.get(code="threats-to-life")
    decision = actions.do_decide(case, actions.DecisionInput(outcome="terminate_service", policy_id=policy.pk,
                                                             reasoning="x"), acting_user=staff["ana"])
    with pytest.raises(actions.ReauthenticationRequired):
        actions.do_approve(decision, acting_user=staff["cho"],
                           authenticated_at=timezone.now() - timedelta(hours=2))
    cho = Client()
    cho.post("/console/login/", {"username": "cho", "password": PASSWORD})
    session = cho.session
    session["abusedesk_authenticated_at"] = (timezone.now() - timedelta(hours=2)).isoformat()
    session.save()
    response = cho.post(f"/console/decisions/{decision.pk}/approve/")
    assert "/console/reauth/" in response["Location"]
    assert Decision.objects.get().status == "awaiting_approval"
    assert cho.post("/console/reauth/", {"password": "wrong", "next": "/console/"}).status_code == 400
    cho.post("/console/reauth/", {"password": PASSWORD, "next": "/console/"})
    cho.post(f"/console/decisions/{decision.pk}/approve/")
    assert Decision.objects.get().status == "effective"


def test_approvals_expire(case: Case, staff: Any) -> None:
    policy = PolicyClause.objects.get(code="threats-to-life")
    decision = actions.do_decide(case, actions.DecisionInput(outcome="suspend_service", policy_id=policy.pk,
                                                             reasoning="x"), acting_user=staff["ana"])
    Decision.objects.filter(pk=decision.pk).update(decided_at=timezone.now() - timedelta(hours=25))
    with pytest.raises(actions.ActionRefused, match="expired"):
        actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())


def test_emergency_path_only_for_s0_is_audited_and_reviewed(case: Case, staff: Any, run_jobs: Any) -> None:
    policy = PolicyClause.objects.get(code="threats-to-life")
    data = actions.DecisionInput(outcome="terminate_service", policy_id=policy.pk, reasoning="Imminent threat.")
    with pytest.raises(actions.ActionRefused, match="S0"):
        actions.do_decide(case, data, acting_user=staff["ana"], emergency=True)
    actions.do_set_severity(case, "S0", "analyst: address and threat together", acting_user=staff["ana"])
    decision = actions.do_decide(Case.objects.get(), data, acting_user=staff["ana"], emergency=True)
    assert decision.status == "effective" and decision.emergency
    assert AuditEvent.objects.filter(verb="decision.emergency").exists()
    with pytest.raises(actions.ActionRefused, match="cannot review"):
        actions.do_review_emergency(decision, acting_user=staff["ana"], confirm=True, reasoning="ok")
    reviewed = actions.do_review_emergency(decision, acting_user=staff["ben"], confirm=False,
                                           reasoning="Not imminent after all.")
    assert reviewed.status == "reversed"


def test_a_pending_action_waits_and_an_appeal_holds_it(case: Case, staff: Any, run_jobs: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from abusedesk.cases.models import Action

    policy = PolicyClause.objects.get(code="threats-to-life")
    decision = actions.do_decide(case, actions.DecisionInput(outcome="terminate_service", policy_id=policy.pk,
                                                             reasoning="Threat.", notice_hours=48),
                                 acting_user=staff["ana"])
    actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    run_jobs()
    action = Action.objects.get()
    assert action.status == "planned" and action.scheduled_for > timezone.now() + timedelta(hours=47)
    assert Service.objects.get(property__value="forum.test").terminated_at is None
    [statement] = [m for m in mail.outbox if "owner@forum.test" in m.to]
    assert "Se ejecutará el" in statement.body, statement.body[:600]
    service.submit(_link(statement, "es"), "We removed the thread already; please do not terminate.")
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_jobs()
    assert Action.objects.get().status == "held"
    assert Service.objects.get(property__value="forum.test").terminated_at is None
    service.review(Appeal.objects.get(), upheld=False, reasoning="Mirror still online.", acting_user=staff["ben"])
    assert AuditEvent.objects.filter(verb="action.resumed", object_id=str(action.pk)).count() == 1
    run_jobs()
    assert Action.objects.get().status == "done"
    assert Service.objects.get(property__value="forum.test").terminated_at is not None


def test_step_up_with_a_second_factor_refuses_a_replayed_code(case: Case, staff: Any, caplog: Any,
                                                               settings: Any) -> None:
    """SECURITY-TESTS 30: a stale session must re-authenticate with password and TOTP; a code works once."""
    import pyotp

    from abusedesk.accounts.mfa import TotpDevice, enrol

    settings.APPROVAL_REQUIRE_MFA = True
    enrol(staff["cho"])
    totp = pyotp.TOTP(TotpDevice.objects.get(user=staff["cho"]).secret)
    policy = PolicyClause.objects.get(code="threats-to-life")
    decision = actions.do_decide(case, actions.DecisionInput(outcome="terminate_service", policy_id=policy.pk,
                                                             reasoning="x"), acting_user=staff["ana"])
    cho = Client()
    cho.post("/console/login/", {"username": "cho", "password": PASSWORD})
    session = cho.session
    session["abusedesk_authenticated_at"] = (timezone.now() - timedelta(hours=2)).isoformat()
    session.save()
    assert "/console/reauth/" in cho.post(f"/console/decisions/{decision.pk}/approve/")["Location"]
    assert cho.post("/console/reauth/", {"password": PASSWORD, "next": "/console/"}).status_code == 400
    code = totp.now()
    assert cho.post("/console/reauth/", {"password": PASSWORD, "code": code, "next": "/console/"}).status_code == 302
    session = cho.session
    session["abusedesk_authenticated_at"] = (timezone.now() - timedelta(hours=2)).isoformat()
    session.save()
    replay = cho.post("/console/reauth/", {"password": PASSWORD, "code": code, "next": "/console/"})
    assert replay.status_code == 400 and "already used" in replay.content.decode()
    assert "replayed one-time code" in caplog.text
    assert Decision.objects.get().status == "awaiting_approval"
