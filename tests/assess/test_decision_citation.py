"""A site-level decision that cites a stored site assessment: the console offers the case's own assessments, the
approval binds to the cited profile's hash, the audit event names it, the DSA statement of reasons carries a neutral
summary (numbers and the hash, never a name, a post or a target), and another case's evidence is refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.common.hashing import canonical_json, sha256_hex
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db
NAMES = ("Lena Marsh", "mallory_88", "14 Shore Road", "forum.test/threads/123", "leaked-forum.warc.gz")


def profile(posts: int = 20_000, threats: int = 48) -> dict[str, Any]:
    """A profile as `abusedesk assess` builds it, holding what a statement must never repeat (NAMES)."""
    def label(count: int) -> dict[str, Any]:
        return {"count": count, "per_1000": round(1000 * count / posts, 3), "ci": [1.81, 3.183]}

    post = {"url": "https://forum.test/threads/123/post-9", "author": "mallory_88", "at": "2026-02-01T10:00:00Z",
            "labels": ["threat", "doxxing"], "scores": {"threat": 0.9},
            "text": "Lena Marsh lives at 14 Shore Road, someone should visit her"}
    return {"posts": posts, "threads": 900, "flagged_posts": threats + 31, "duplicate_posts": 0, "skipped": {},
            "labels": {"threat": label(threats), "doxxing": label(31), "harassment": label(0), "hate": label(0)},
            "months": [{"month": "2025-11", "posts": 0, "labels": {}},
                       {"month": "2025-12", "posts": 9000, "labels": {"threat": label(20)}},
                       {"month": "2026-02", "posts": 11000, "labels": {"threat": label(28)}}],
            "targets": [{"id": "T-3f9c0a1b2d", "name": "Lena Marsh", "posts": 40, "flagged_posts": 30, "threads": 12,
                         "labels": {"threat": 20}}],
            "top_threads": [{"thread": "https://forum.test/threads/123", "posts": 40, "flagged": 30, "weight": 90,
                             "labels": {"threat": 20}, "flagged_posts": [post]}],
            "inputs": [{"file": "/srv/archives/leaked-forum.warc.gz", "sha256": "ab" * 32, "bytes": 123}],
            "detectors": {"threat": "2.0"}, "engine": {"name": "local", "workers": 1, "chunk": 256, "seconds": 1.0}}


@pytest.fixture
def forum_case(customers: Any, post_report: Any, run_jobs: Any) -> Case:
    post_report(report_body())
    run_jobs()
    return Case.objects.get(property__value="forum.test")


def assessment(case: Case, **kwargs: Any) -> Any:
    from abusedesk.assess.store import store_on_case

    return store_on_case(case, profile(**kwargs), actor="cli")


def policy() -> PolicyClause:
    found = PolicyClause.objects.filter(code="threats-to-life", active=True).order_by("-version").first()
    assert found is not None
    return found


def decide_form(evidence: Any, **overrides: Any) -> dict[str, Any]:
    return {"outcome": "terminate_service", "policy": policy().pk, "scope": "site",
            "assessment": str(evidence.pk) if evidence is not None else "",
            "reasoning": "Threats and doxxing are the pattern of this forum, not the exception.", **overrides}


def test_console_decision_cites_the_assessment_and_the_statement_summarises_it(
        client: Client, staff: Any, forum_case: Case) -> None:
    from abusedesk.transparency.period import parse_period
    from abusedesk.transparency.statements import statements_for

    evidence = assessment(forum_case)
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{forum_case.pk}/").content.decode()
    stamp = evidence.fetched_at.strftime("%Y-%m-%d")
    assert f"site assessment {evidence.body_sha256[:12]}, {stamp} (20,000 posts)" in page  # offered by hash and date
    assert "The whole site (every service of the property)" in page
    response = client.post(f"/console/cases/{forum_case.pk}/decide/", decide_form(evidence))
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.cited_assessment_id == evidence.pk and decision.scope == "site"
    assert decision.automated_detection  # the profile's labels are the detectors'
    made = AuditEvent.objects.get(verb="decision.made").payload
    assert made["assessment"] == {"evidence": str(evidence.pk), "profile_sha256": evidence.body_sha256}
    assert made["scope"] == "site"

    actions.do_approve(decision, acting_user=staff["ben"], authenticated_at=timezone.now())
    decision.refresh_from_db()
    assert decision.status == "effective"
    page = client.get(f"/console/cases/{forum_case.pk}/").content.decode()
    article = page[page.index(f'id="decision-{decision.pk}"'):]
    assert "About the whole site (forum.test)" in article and "Cites site assessment" in article
    assert evidence.body_sha256 in article[:article.index("</article>")]

    day = decision.effective_at.strftime("%Y-%m")
    (sor,) = statements_for(parse_period(day))
    facts = sor["decision_facts"]
    assert "20,000 posts assessed (posts dated 2025-12 to 2026-02)" in facts
    assert "Threat of violence 48 (2.40 per 1,000 posts, 95% interval 1.81 to 3.18)" in facts
    assert "Doxxing (personal data of a private person) 31" in facts
    assert f"profile has SHA-256 {evidence.body_sha256}" in facts
    assert sor["automated_detection"] == "Yes"
    assert sor["decision_provision"] == "DECISION_PROVISION_TOTAL_TERMINATION"
    text = json.dumps(sor)
    for name in (*NAMES, "T-3f9c0a1b2d", "someone should visit", "Forum Operator"):
        assert name not in text, name


def test_the_approval_is_bound_to_the_cited_profile(staff: Any, forum_case: Case) -> None:
    first, second = assessment(forum_case), assessment(forum_case, threats=60)
    assert first.body_sha256 != second.body_sha256
    base = actions.DecisionInput(outcome="terminate_service", policy_id=policy().pk, reasoning="r")
    hashes = {sha256_hex(canonical_json(actions.action_payload(forum_case, data, policy())))
              for data in (base, actions.DecisionInput(**{**base.__dict__, "scope": "site"}),
                           actions.DecisionInput(**{**base.__dict__, "scope": "site", "assessment_id": str(first.pk)}),
                           actions.DecisionInput(**{**base.__dict__, "scope": "site",
                                                    "assessment_id": str(second.pk)}))}
    assert len(hashes) == 4  # the scope and which profile is cited are both in what the approver binds to

    decision = actions.do_decide(forum_case, actions.DecisionInput(
        outcome="terminate_service", policy_id=policy().pk, reasoning="r", scope="site",
        assessment_id=str(first.pk)), acting_user=staff["ana"])
    payload = actions.action_payload(forum_case, actions.DecisionInput(
        outcome="terminate_service", policy_id=policy().pk, reasoning="r", scope="site",
        assessment_id=str(first.pk)), policy())
    assert payload["assessment"]["profile_sha256"] == first.body_sha256
    assert decision.payload_hash == sha256_hex(canonical_json(payload))
    # The stored profile changes (or its hash is altered) before approval: the approval does not go through.
    type(first).objects.filter(pk=first.pk).update(body_sha256="0" * 64)
    with pytest.raises(actions.ActionRefused, match="has changed since it was made"):
        actions.do_approve(decision, acting_user=staff["ben"], authenticated_at=timezone.now())
    decision.refresh_from_db()
    assert decision.status == "voided"


def test_a_decision_citing_nothing_keeps_the_payload_it_had(staff: Any, forum_case: Case) -> None:
    decision = actions.do_decide(forum_case, actions.DecisionInput(
        outcome="warn_customer", policy_id=policy().pk, reasoning="r"), acting_user=staff["ana"])
    assert forum_case.property is not None
    services = sorted(str(s) for s in forum_case.property.services.values_list("id", flat=True))
    old_shape = {"case": forum_case.pk, "outcome": "warn_customer", "policy": f"{policy().code}@{policy().version}",
                 "customer": str(forum_case.customer_id), "services": services, "territorial_scope": [],
                 "duration_days": None}
    assert decision.payload_hash == sha256_hex(canonical_json(old_shape))  # approvals pending at upgrade still bind
    assert decision.scope == "content" and decision.cited_assessment_id is None
    assert "assessment" not in AuditEvent.objects.get(verb="decision.made").payload


def test_another_cases_assessment_is_refused_naming_the_field(client: Client, staff: Any, forum_case: Case,
                                                             customers: Any) -> None:
    other = Case.objects.create(title="elsewhere", group_key="property:elsewhere.test")
    foreign = assessment(other)
    client.force_login(staff["ana"])
    response = client.post(f"/console/cases/{forum_case.pk}/decide/", decide_form(foreign))
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Cite site assessment: not a site assessment stored on C-{forum_case.pk}" in page
    assert not Decision.objects.exists()
    with pytest.raises(actions.ActionRefused, match=f"assessment: evidence {foreign.pk} is not a site assessment "
                                                    f"stored on case C-{forum_case.pk}"):
        actions.do_decide(forum_case, actions.DecisionInput(outcome="terminate_service", policy_id=policy().pk,
                                                            reasoning="r", scope="site",
                                                            assessment_id=str(foreign.pk)), acting_user=staff["ana"])
    with pytest.raises(actions.ActionRefused, match="assessment: 'x' is not an evidence id"):
        actions.do_decide(forum_case, actions.DecisionInput(outcome="warn_customer", policy_id=policy().pk,
                                                            reasoning="r", scope="site", assessment_id="x"),
                          acting_user=staff["ana"])
    assert not Decision.objects.exists()


def test_a_captured_page_is_not_an_assessment_and_citing_needs_the_site_scope(client: Client, staff: Any,
                                                                              forum_case: Case) -> None:
    from abusedesk.evidence.models import Evidence

    page_evidence = Evidence.objects.create(case=forum_case, url="https://forum.test/threads/123",
                                            status="captured", settled=True, text="a captured page",
                                            body_sha256="cd" * 32)
    own = assessment(forum_case)
    client.force_login(staff["ana"])
    response = client.post(f"/console/cases/{forum_case.pk}/decide/", decide_form(page_evidence))
    assert response.status_code == 400
    assert "Cite site assessment: not a site assessment" in response.content.decode()
    response = client.post(f"/console/cases/{forum_case.pk}/decide/", decide_form(own, scope="content"))
    assert response.status_code == 400
    assert "A decision citing a site assessment is about the whole site" in response.content.decode()
    with pytest.raises(actions.ActionRefused, match="scope: a decision citing a site assessment"):
        actions.check_decide(actions.DecisionInput(outcome="warn_customer", policy_id=policy().pk, reasoning="r",
                                                   assessment_id=str(own.pk)), acting_user=staff["ana"])
    assert not Decision.objects.exists()


def test_site_scope_needs_a_property(staff: Any, policies: int) -> None:
    case = Case.objects.create(title="no property", group_key="nothing")
    with pytest.raises(actions.ActionRefused, match="scope: this case is not attributed to a property"):
        actions.do_decide(case, actions.DecisionInput(outcome="warn_customer", policy_id=policy().pk,
                                                      reasoning="r", scope="site"), acting_user=staff["ana"])


def test_permissions_are_unchanged(client: Client, staff: Any, forum_case: Case) -> None:
    evidence = assessment(forum_case)
    url = f"/console/cases/{forum_case.pk}/decide/"
    assert client.post(url, decide_form(evidence)).status_code == 302  # anonymous: to the log-in page
    client.force_login(staff["aud"])  # reads cases, does not decide
    page = client.get(f"/console/cases/{forum_case.pk}/").content.decode()
    assert "Site assessment" in page and 'id="decision-form"' not in page
    assert client.post(url, decide_form(evidence)).status_code == 404
    assert not Decision.objects.exists()
    with pytest.raises(actions.ActionRefused):
        actions.do_decide(forum_case, actions.DecisionInput(
            outcome="terminate_service", policy_id=policy().pk, reasoning="r", scope="site",
            assessment_id=str(evidence.pk)), acting_user=staff["aud"])
    # Citing does not skip the second person: a termination still waits for approval, and not by its author.
    client.force_login(staff["ana"])
    client.post(url, decide_form(evidence))
    decision = Decision.objects.get()
    assert decision.status == "awaiting_approval"
    with pytest.raises(actions.ActionRefused, match="cannot approve it"):
        actions.do_approve(decision, acting_user=staff["ana"], authenticated_at=timezone.now())
    with pytest.raises(actions.ReauthenticationRequired):
        actions.do_approve(decision, acting_user=staff["ben"], authenticated_at=timezone.now() - timedelta(days=1))
