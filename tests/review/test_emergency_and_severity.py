"""Console paths for setting severity (with the S0 rule) and for the S0 emergency decision and its review."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision, PolicyClause

pytestmark = pytest.mark.django_db


def _as(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def _severity(client: Client, case: Case, severity: str, reason: str = "Checked: a film quote, no threat.") -> Any:
    return client.post(f"/console/cases/{case.pk}/severity/", {"severity": severity, "reason": reason})


def _s0(case: Case, staff: Any) -> Case:
    return actions.do_set_severity(case, "S0", "Her address is in the thread.", acting_user=staff["ana"])


@pytest.mark.parametrize("who", ["ana", "ben", "root"])
def test_deciding_roles_lower_severity_with_a_reason(client: Client, staff: Any, case: Case, who: str) -> None:
    response = _severity(_as(client, staff[who]), case, "S3")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.severity == "S3" and case.severity_reason == "Checked: a film quote, no threat."
    event = AuditEvent.objects.get(verb="case.severity_changed")
    assert event.actor == f"user:{who}" and event.payload == {"from": "S1", "to": "S3",
                                                              "reason": "Checked: a film quote, no threat."}
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "Severity S3 because: Checked: a film quote, no threat." in page


def test_auditor_cannot_set_severity_nor_sees_the_form(client: Client, staff: Any, case: Case) -> None:
    _as(client, staff["aud"])
    assert 'id="severity-form"' not in client.get(f"/console/cases/{case.pk}/").content.decode()
    assert _severity(client, case, "S3").status_code == 404
    case.refresh_from_db()
    assert case.severity == "S1" and not AuditEvent.objects.filter(verb="case.severity_changed").exists()


@pytest.mark.parametrize(("data", "field"), [({"severity": "S3", "reason": "  "}, "reason"),
                                             ({"severity": "S9", "reason": "why"}, "severity"),
                                             ({"severity": "S3", "reason": "x" * 501}, "reason")])
def test_bad_severity_form_is_a_400_naming_the_field(client: Client, staff: Any, case: Case, data: Any,
                                                     field: str) -> None:
    response = _as(client, staff["ana"]).post(f"/console/cases/{case.pk}/severity/", data)
    assert response.status_code == 400
    assert response.context["severity_form"].errors.keys() == {field}
    case.refresh_from_db()
    assert case.severity == "S1"


def test_only_a_senior_or_admin_takes_a_case_out_of_s0(client: Client, staff: Any, case: Case) -> None:
    _as(client, staff["ana"])
    assert _severity(client, case, "S0", "Her address is in the thread.").status_code == 302
    case.refresh_from_db()
    assert case.severity == "S0"
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "Only a senior analyst or an admin may take a case out of S0." in page
    response = _severity(client, case, "S2")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.severity == "S0"
    assert "only a senior analyst or an admin" in client.get(response["Location"]).content.decode()
    assert _severity(_as(client, staff["ben"]), case, "S2").status_code == 302
    case.refresh_from_db()
    assert case.severity == "S2"
    assert list(AuditEvent.objects.filter(verb="case.severity_changed").values_list("actor", flat=True)
                .order_by("seq")) == ["user:ana", "user:ben"]


def test_severity_refused_on_a_closed_case_and_when_unchanged(staff: Any, case: Case) -> None:
    with pytest.raises(actions.ActionRefused, match="already S1"):
        actions.do_set_severity(case, "S1", "same", acting_user=staff["ana"])
    actions.do_close_case(case, reason="done", acting_user=staff["ana"])
    with pytest.raises(actions.ActionRefused, match="closed"):
        actions.do_set_severity(case, "S3", "late", acting_user=staff["ana"])


def test_severity_and_emergency_posts_need_the_csrf_token(staff: Any, case: Case) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["ben"])
    assert _severity(client, case, "S3").status_code == 403
    case.refresh_from_db()
    assert case.severity == "S1"


def _decide(client: Client, case: Case, **extra: Any) -> Any:
    policy = PolicyClause.objects.filter(code="threats-to-life", active=True).order_by("-version").first()
    assert policy is not None
    return client.post(f"/console/cases/{case.pk}/decide/", {
        "outcome": "terminate_service", "policy": policy.pk, "reasoning": "Imminent threat with her address.",
        "facts": "", "notice_hours": 0, **extra})


def test_emergency_is_offered_on_s0_only_and_refused_elsewhere(client: Client, staff: Any, case: Case) -> None:
    _as(client, staff["ana"])
    assert 'name="emergency"' not in client.get(f"/console/cases/{case.pk}/").content.decode()
    response = _decide(client, case, emergency="on")
    assert response.status_code == 302
    assert "only for suspending or terminating on an S0 case" in client.get(response["Location"]).content.decode()
    assert not Decision.objects.exists()
    _s0(case, staff)
    assert 'name="emergency"' in client.get(f"/console/cases/{case.pk}/").content.decode()


def test_emergency_decision_then_review_by_a_second_analyst(client: Client, staff: Any, case: Case) -> None:
    _s0(case, staff)
    assert _decide(_as(client, staff["ana"]), case, emergency="on").status_code == 302
    decision = Decision.objects.get()
    assert decision.emergency and decision.status == "effective"
    assert AuditEvent.objects.get(verb="decision.emergency").actor == "user:ana"
    url = f"/console/decisions/{decision.pk}/emergency-review/"
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "not yet reviewed" in page and 'class="emergency-review-form"' not in page  # not by its maker
    client.post(url, {"answer": "confirm", "reasoning": "mine"})
    assert Decision.objects.get().emergency_reviewed_by is None
    assert _as(client, staff["aud"]).post(url, {"answer": "reverse", "reasoning": "x"}).status_code == 404
    _as(client, staff["cho"])
    assert 'class="emergency-review-form"' in client.get(f"/console/cases/{case.pk}/").content.decode()
    client.post(url, {"answer": "reverse", "reasoning": "  "})
    assert Decision.objects.get().status == "effective"
    response = client.post(url, {"answer": "reverse", "reasoning": "Not imminent: the address is a shop."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == "reversed" and decision.emergency_reviewed_by == staff["cho"]
    event = AuditEvent.objects.get(verb="decision.emergency_reviewed")
    assert event.actor == "user:cho" and event.payload == {"confirmed": False,
                                                           "reasoning": "Not imminent: the address is a shop."}
    assert "Emergency reviewed by cho." in client.get(f"/console/cases/{case.pk}/").content.decode()
