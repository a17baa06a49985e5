"""Outcome → DSA mapping rules, batching, appeals / misuse sources, and the scrubber."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from abusedesk.appeals.models import Appeal, AppealInvite
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.misuse.models import MisuseStep
from abusedesk.testing.factories import report_body
from abusedesk.transparency import dsa, sources
from abusedesk.transparency.build import build
from abusedesk.transparency.report import build_report
from abusedesk.transparency.scrub import clip, scrub
from abusedesk.transparency.statements import restriction_fields, source_type, statements_for

from .conftest import T0, decide

pytestmark = pytest.mark.django_db

AT = datetime(2026, 8, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(("outcome", "scope", "expected"), [
    ("terminate_service", [], {"decision_provision": "DECISION_PROVISION_TOTAL_TERMINATION"}),
    ("terminate_service", ["FR"], {"decision_provision": "DECISION_PROVISION_PARTIAL_TERMINATION",
                                   "territorial_scope": ["FR"]}),
    ("suspend_service", [], {"decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION",
                             "end_date_service_restriction": "2026-08-10"}),
    ("suspend_service", ["de", "IE", "GB"], {"decision_provision": "DECISION_PROVISION_PARTIAL_SUSPENSION",
                                             "territorial_scope": ["DE", "IE"],
                                             "end_date_service_restriction": "2026-08-10"}),
    ("restrict", ["AT"], {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"],
                          "territorial_scope": ["AT"], "end_date_visibility_restriction": "2026-08-10"}),
])
def test_outcomes_map_to_dsa_restrictions(outcome: str, scope: list[str], expected: dict[str, Any]) -> None:
    assert restriction_fields(outcome, scope, AT, 7) == expected


def test_interstitials_and_warnings_are_explained_as_other() -> None:
    restrict = restriction_fields("restrict", [], AT, None)
    assert restrict["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"]
    assert "interstitial" in restrict["decision_visibility_other"]
    warn = restriction_fields("warn_customer", [], AT, 30)
    assert warn["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"] and "warning" in warn[
        "decision_visibility_other"].lower()
    assert "end_date_visibility_restriction" not in warn  # a warning has no end date
    assert restriction_fields("suspend_service", [], datetime(2037, 12, 1, tzinfo=UTC), 365)[
        "end_date_service_restriction"] == "2038-01-01"  # clamped to the database's last date


def test_a_decision_without_reports_is_voluntary() -> None:
    assert source_type([]) == "SOURCE_VOLUNTARY"


def test_non_restrictive_outcomes_get_no_statement(customers: Any, staff: Any, post_report: Any, run_jobs: Any,
                                                   period: Any) -> None:
    post_report(report_body())
    run_jobs()
    case = Case.objects.get()
    for outcome in ("no_action", "forward_to_host", "refer_to_law_enforcement"):
        decide(case, staff["ana"], outcome)
    Decision.objects.update(effective_at=T0)
    assert Decision.objects.filter(status="effective").count() == 3
    assert statements_for(period) == []


def _bulk_decisions(case: Case, template: Decision, count: int) -> None:
    Decision.objects.bulk_create([
        Decision(case=case, outcome="warn_customer", policy=template.policy, ground=template.ground,
                 reasoning=f"Warning {i} sent to owner@forum.test.", status="effective", payload_hash="h",
                 decided_by=template.decided_by, effective_at=T0 + timedelta(minutes=i)) for i in range(count)])


def test_statements_come_in_batches_of_at_most_100(customers: Any, staff: Any, post_report: Any, run_jobs: Any,
                                                   period: Any, tmp_path: Path) -> None:
    post_report(report_body())
    run_jobs()
    case = Case.objects.get()
    first = decide(case, staff["ana"], "warn_customer")
    Decision.objects.filter(pk=first.pk).update(effective_at=T0)
    _bulk_decisions(case, first, 104)
    result = build(period, tmp_path)
    folder = tmp_path / "dsa-statements"
    batches = [json.loads(path.read_text()) for path in sorted(folder.glob("batch-*.json"))]
    assert [len(b["statements"]) for b in batches] == [100, 5] and result.statements == 105
    puids = [s["puid"] for b in batches for s in b["statements"]]
    assert len(set(puids)) == 105 and all(dsa.PUID.match(p) for p in puids)
    assert all(dsa.validate_batch(b["statements"]) == [] for b in batches)
    assert "owner@forum.test" not in (folder / "batch-0001.json").read_text()
    Decision.objects.exclude(pk=first.pk).delete()
    build(period, tmp_path)  # a rebuild leaves no stale batch behind
    assert sorted(p.name for p in folder.iterdir()) == ["batch-0001.json"]


def test_a_statement_that_fails_validation_is_set_aside(customers: Any, staff: Any, post_report: Any,
                                                        run_jobs: Any, period: Any, tmp_path: Path) -> None:
    post_report(report_body())
    run_jobs()
    decision = decide(Case.objects.get(), staff["ana"], "warn_customer")
    Decision.objects.filter(pk=decision.pk).update(effective_at=T0)
    PolicyClause.objects.filter(pk=decision.policy_id).update(dsa_category="STATEMENT_CATEGORY_RUDE")
    result = build(period, tmp_path)
    assert result.rejected == 1 and result.statements == 0
    rejected = json.loads((tmp_path / "dsa-statements" / "rejected.json").read_text())["rejected"]
    assert rejected[0]["problems"] == ["category: 'STATEMENT_CATEGORY_RUDE' is not one of the allowed values"]
    assert not list((tmp_path / "dsa-statements").glob("batch-*.json"))


def _table(report: dict[str, Any], name: str) -> dict[str, str]:
    table = next(t for t in report["tables"] if t["name"] == name)
    return {**{row["key"]: row["display"] for row in table["rows"]}, "total": table["total"]["display"]}


def test_appeals_and_misuse_suspensions_are_counted(scenario: Any, period: Any, tmp_path: Path) -> None:
    decision = scenario.decisions["terminate"]
    for i, status in enumerate(["upheld", "rejected", "rejected", "pending"]):
        invite, _ = AppealInvite.issue(decision=decision, role="customer" if i else "reporter")
        Appeal.objects.create(decision=decision, invite=invite, role=invite.role, status=status,
                              grounds="Zelda Canaryreporter says the page was satire.")
    Appeal.objects.update(submitted_at=T0 + timedelta(days=1))
    MisuseStep.objects.create(kind="suspension", email_index="x" * 64, unfounded_count=5)
    MisuseStep.objects.create(kind="warning", email_index="x" * 64, unfounded_count=3)
    MisuseStep.objects.update(created_at=T0)
    report = build_report(period, min_count=1)
    assert _table(report, "appeals_by_outcome") == {"pending": "1", "upheld": "1", "rejected": "2", "total": "4"}
    assert _table(report, "appeals_by_role") == {"customer": "3", "reporter": "1", "total": "4"}
    assert _table(report, "misuse_suspensions") == {"unfounded_notices": "1", "illegal_content": "0", "total": "1"}
    build(period, tmp_path)
    assert "satire" not in (tmp_path / "report.json").read_text()


def test_sources_return_nothing_for_models_that_do_not_exist(period: Any) -> None:
    assert sources._model("no_such_app", "Appeal") is None
    assert sources._model("appeals", "NoSuchModel") is None
    assert sources.appeals_in(period) == [] and sources.misuse_suspensions_in(period) == []
    assert sources.authority_orders_in(period) == []


def test_scrub_removes_contact_details_and_known_identities() -> None:
    text = ("Rita (rita@x.test, +44 28 9012 3456) saw https://forum.test/a?b=1. At 10:00:00 on 2026-08-03 "
            "also www.forum.test. IP 192.0.2.1, 2001:db8::1:2, id 0049 30 1234567; Forum Operator LLC runs it.")
    assert scrub(text, ["Rita", "Forum Operator LLC", "forum.test", "", "ab"]) == (
        "[redacted] ([e-mail], [number]) saw [url]. At 10:00:00 on 2026-08-03 also [url]. IP [address], "
        "[address], id [number]; [redacted] runs it.")
    assert clip("x" * 10, 5) == "xxxx…" and clip("short", 5) == "short"
