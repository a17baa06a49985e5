"""A period's worth of real activity, made through intake, triage and cases.actions, then moved into 2026H2.

Scenario (all reports through the API, processed by the job worker):
- forum.test (customer "Forum Operator LLC"): 6 threat + 1 doxxing notices from individuals, one reporter is
  the canary "Zelda Canaryreporter"; decision: terminate_service (four eyes), 10 hours after the first notice;
- shop.test: 2 scam notices; decision: warn_customer, 4 hours after;
- derechos.test: 1 hate notice from a trusted flagger; decisions: no_action, then restrict in DE and GB;
- elsewhere.test: 5 harassment notices, not our customer;
- 1 complete authority order (country "de") about forum.test (same case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from abusedesk.accounts.models import ApiToken, User
from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.intake.models import Report
from abusedesk.testing.factories import report_body
from abusedesk.transparency.period import parse_period

T0 = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
CANARY_NAME = "Zelda Canaryreporter"
CANARY_EMAIL = "zelda.canary@secret.test"
CANARY_PHONE = "+44 28 9012 3456"
CUSTOMER_NAME = "Forum Operator LLC"
CANARIES = (CANARY_NAME, "Canaryreporter", CANARY_EMAIL, "9012 3456", CUSTOMER_NAME, "forum.test", "owner@forum")


@dataclass
class Scenario:
    forum: Case
    shop: Case
    ngo: Case
    decisions: dict[str, Decision]


def _reporter(name: str, email: str) -> dict[str, str]:
    return {"name": name, "email": email, "kind": "individual"}


def _post_notices(post_report: Any, flagger_token: str, authority_token: str) -> None:
    for i in range(6):
        who = _reporter(CANARY_NAME, CANARY_EMAIL) if i == 0 else _reporter(f"Person {i}", f"p{i}@mail.test")
        assert post_report(report_body(urls=[f"https://forum.test/threads/{i}"], reporter=who)).status_code == 201
    post_report(report_body(urls=["https://forum.test/u/7"], category="doxxing"))
    for i in range(2):
        post_report(report_body(urls=[f"https://shop.test/p/{i}"], category="scam"))
    post_report(report_body(urls=["https://derechos.test/a"], category="hate"), token=flagger_token)
    for i in range(5):
        post_report(report_body(urls=[f"https://elsewhere.test/{i}"], category="harassment"))
    order = {"legal_basis": "StGB § 241", "issuing_authority": "Staatsanwaltschaft Berlin", "country": "de",
             "statement_of_reasons": "A threat to kill.", "redress": "Objection within one month.",
             "reference": "ORD-1"}
    assert post_report(report_body(urls=["https://forum.test/threads/9"], order=order),
                       token=authority_token).status_code == 201


def decide(case: Case, user: Any, outcome: str, policy: str = "threats-to-life", **kw: Any) -> Decision:
    clause = PolicyClause.objects.get(code=policy, version=1)
    data = actions.DecisionInput(outcome=outcome, policy_id=clause.pk, **{"reasoning": "Reasoned.", **kw})
    return actions.do_decide(case, data, acting_user=user)


def _decisions(scenario_cases: dict[str, Case], staff: dict[str, Any]) -> dict[str, Decision]:
    reasoning = (f"{CANARY_NAME} ({CANARY_EMAIL}, {CANARY_PHONE}) showed that {CUSTOMER_NAME} serves "
                 "https://forum.test/threads/0 with a credible threat and a home address; see also www.forum.test.")
    terminate = decide(scenario_cases["forum"], staff["ana"], "terminate_service", reasoning=reasoning,
                       facts=f"Seven notices; the page names {CANARY_NAME}'s street. Host forum.test.")
    actions.do_approve(terminate, acting_user=staff["cho"], authenticated_at=timezone.now())
    warn = decide(scenario_cases["shop"], staff["ana"], "warn_customer", policy="targeted-harassment",
                  automated_detection=True)
    nothing = decide(scenario_cases["ngo"], staff["ana"], "no_action", policy="hate-speech")
    restrict = decide(scenario_cases["ngo"], staff["ana"], "restrict", policy="hate-speech",
                      territorial_scope=("DE", "GB"), duration_days=30)
    return {"terminate": terminate, "warn": warn, "no_action": nothing, "restrict": restrict}


def _move_into_period(found: dict[str, Decision]) -> None:
    """Notices at T0; decisions take effect 10 h (forum), 4 h (shop), 2 h and 3 h (ngo) later."""
    Report.objects.update(received_at=T0)
    offsets = {"terminate": 10, "warn": 4, "no_action": 2, "restrict": 3}
    for name, hours in offsets.items():
        Decision.objects.filter(pk=found[name].pk).update(decided_at=T0 + timedelta(hours=hours - 1),
                                                          effective_at=T0 + timedelta(hours=hours))


@pytest.fixture
def authority_token(staff: dict[str, Any]) -> str:
    user = User.objects.create_user(username="authority-org", password="x" * 20, role="auditor")
    return ApiToken.issue(user=user, kind="authority")[1]


@pytest.fixture
def period() -> Any:
    return parse_period("2026H2")


@pytest.fixture
def scenario(customers: Any, staff: dict[str, Any], post_report: Any, run_jobs: Any, flagger_token: str,
             authority_token: str) -> Scenario:
    _post_notices(post_report, flagger_token, authority_token)
    run_jobs()
    cases = {name: Case.objects.get(property__value=f"{host}.test")
             for name, host in (("forum", "forum"), ("shop", "shop"), ("ngo", "derechos"))}
    found = _decisions(cases, staff)
    run_jobs()
    _move_into_period(found)
    return Scenario(forum=cases["forum"], shop=cases["shop"], ngo=cases["ngo"],
                    decisions={k: Decision.objects.get(pk=v.pk) for k, v in found.items()})
