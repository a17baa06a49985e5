"""Reporters and targeted people leave no trace in anything sent out "anonymously" or published: not verbatim,
and not in the shapes names travel in online (joins, handles, plus-tagged addresses, bare domains)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.common.redaction import Identity, redact_identities
from abusedesk.enforcement.outbound import redact_reporter
from abusedesk.testing.factories import report_body
from abusedesk.transparency.period import parse_period
from abusedesk.transparency.statements import statements_for
from abusedesk.triage.targets import link

REPORTER = {"name": "Qwertyvane Canaryson", "email": "qwertyvane@canary-mail.test", "phone": "+44 28 9099 7777",
            "kind": "individual"}
VICTIM, VICTIM_ALIAS = "Moriella Victimsdottir", "mvictim_77"
TOKENS = ("qwertyvane", "canaryson", "canary-mail", "moriella", "victimsdottir", "mvictim", "9099")
ANALYST_TEXT = ("Qwertyvane_Canaryson (QwertyvaneCanaryson99, qwertyvane+abuse@canary-mail.test, canary-mail.test) "
                "showed the thread naming MoriellaVictimsdottir, alias mvictim_77, and her street; the page "
                "calls moriella.victimsdottir a target.")


def _assert_clean(text: str, where: str) -> None:
    for token in TOKENS:
        assert token not in text.lower(), f"{token!r} leaked into {where}: {text}"


def test_anonymous_forward_redacts_name_joins_handles_plus_tags_and_domains() -> None:
    text = ("I am Qwertyvane_Canaryson on the forum (QwertyvaneCanaryson99 elsewhere). Write to "
            "qwertyvane+abuse@canary-mail.test or anything @canary-mail.test. They posted her street.")
    out = redact_reporter(text, name=REPORTER["name"], email=REPORTER["email"], phone=REPORTER["phone"])
    _assert_clean(out, "the anonymous forward")
    assert out.endswith("They posted her street.")
    assert "[redacted]+abuse" not in out  # the plus-tag goes with the address


def test_redaction_keeps_ordinary_words_and_third_parties() -> None:
    people = [Identity(name="Ann Li", email="ann@mail.test")]
    out = redact_identities("Ann's annual post; Li wrote to bully@mail.test; see Annie.", people)
    assert out == "[redacted]'s annual post; Li wrote to bully@[redacted]; see Annie."


@pytest.fixture
def decided(customers: Any, staff: Any, post_report: Any, run_jobs: Any) -> Decision:
    assert post_report(report_body(reporter=REPORTER)).status_code == 201
    run_jobs()
    case = Case.objects.get()
    link(case, VICTIM, [VICTIM_ALIAS])
    mail.outbox.clear()
    decision = actions.do_decide(case, actions.DecisionInput(
        outcome="terminate_service", policy_id=PolicyClause.objects.get(code="threats-to-life").pk,
        reasoning=ANALYST_TEXT, facts=ANALYST_TEXT), acting_user=staff["ana"])
    actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    run_jobs()
    return decision


@pytest.mark.django_db
def test_statement_of_reasons_carries_no_reporter_or_victim_name(decided: Decision) -> None:
    [statement] = [m for m in mail.outbox if "owner@forum.test" in m.to]
    _assert_clean(statement.body, "the statement of reasons")
    assert "showed the thread naming [redacted], alias [redacted], and her street" in statement.body


@pytest.mark.django_db
def test_dsa_statements_carry_no_reporter_or_victim_name(decided: Decision) -> None:
    Decision.objects.filter(pk=decided.pk).update(effective_at=datetime(2026, 8, 3, 12, tzinfo=UTC))
    [published] = statements_for(parse_period("2026H2"))
    _assert_clean(published["decision_facts"] + published["illegal_content_explanation"], "the DSA statement")
    assert "and her street" in published["decision_facts"]
