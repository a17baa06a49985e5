"""The built report: counts, suppression, time to action, files, HTML safety, statements and no personal data."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from abusedesk.cases import actions
from abusedesk.cases.models import Decision, PolicyClause
from abusedesk.transparency import dsa
from abusedesk.transparency.build import build
from abusedesk.transparency.period import parse_period
from abusedesk.transparency.report import build_report
from abusedesk.transparency.statements import statements_for

from .conftest import CANARIES, T0, Scenario, decide

pytestmark = pytest.mark.django_db


def _table(report: dict[str, Any], name: str) -> dict[str, str]:
    table = next(t for t in report["tables"] if t["name"] == name)
    return {**{row["key"]: row["display"] for row in table["rows"]}, "total": table["total"]["display"]}


def test_notices_are_counted_by_category_source_channel_and_handling(scenario: Scenario, period: Any) -> None:
    report = build_report(period, min_count=1)  # min-count 1: exact figures
    assert _table(report, "notices_by_category") == {
        "threat": "7", "doxxing": "1", "harassment": "5", "hate": "1", "csam": "0", "terrorism": "0", "ncii": "0",
        "scam": "2", "malware": "0", "spam": "0", "intellectual_property": "0", "other": "0", "total": "16"}
    assert _table(report, "notices_by_source") == {"normal": "14", "trusted": "1", "authority": "1", "total": "16"}
    assert _table(report, "authority_notices_by_country") == {"DE": "1", "total": "1"}
    assert _table(report, "notices_by_channel") == {"api": "16", "web": "0", "email": "0", "total": "16"}
    assert _table(report, "notice_handling") == {"attributed": "11", "not_our_customer": "5", "received": "0",
                                                 "total": "16"}


def test_actions_are_decisions_that_took_effect(scenario: Scenario, period: Any, staff: Any) -> None:
    decide(scenario.shop, staff["ana"], "suspend_service")  # awaiting approval: not an action
    report = build_report(period, min_count=1)
    assert _table(report, "actions_by_outcome") == {
        "no_action": "1", "warn_customer": "1", "restrict": "1", "forward_to_host": "0", "suspend_service": "0",
        "terminate_service": "1", "refer_to_law_enforcement": "0", "total": "4"}
    assert _table(report, "actions_by_ground") == {"illegal_content": "3", "incompatible_content": "1",
                                                   "total": "4"}
    assert _table(report, "actions_by_policy") == {"hate-speech@1": "2", "targeted-harassment@1": "1",
                                                   "threats-to-life@1": "1", "total": "4"}
    assert _table(report, "automated_detection") == {"yes": "1", "no": "3", "total": "4"}
    assert report["shares"][0] == {"label": "Decisions detected by automated means", "percent": 25.0,
                                   "display": "25.0%"}


def test_a_decision_reversed_on_appeal_still_took_effect(scenario: Scenario, period: Any, staff: Any) -> None:
    actions.do_reverse_decision(scenario.decisions["warn"], acting_user=staff["ben"], reason="appeal upheld")
    assert Decision.objects.get(pk=scenario.decisions["warn"].pk).status == "reversed"
    assert _table(build_report(period, min_count=1), "actions_by_outcome")["warn_customer"] == "1"
    assert f"abusedesk-decision-{scenario.decisions['warn'].pk}" in {s["puid"] for s in statements_for(period)}


def test_decisions_outside_the_period_are_left_out(scenario: Scenario) -> None:
    Decision.objects.filter(pk=scenario.decisions["terminate"].pk).update(effective_at=T0.replace(year=2027, month=1))
    h2 = build_report(parse_period("2026H2"), min_count=1)
    h1 = build_report(parse_period("2027H1"), min_count=1)
    assert _table(h2, "actions_by_outcome")["terminate_service"] == "0"
    assert _table(h1, "actions_by_outcome")["terminate_service"] == "1"
    assert _table(h1, "notices_by_category")["total"] == "0"  # notices count by when they arrived


def test_median_and_p90_time_from_notice_to_action(scenario: Scenario, period: Any) -> None:
    # Per case, first notice -> first acting decision: forum 10 h, shop 4 h, ngo 3 h (its no_action at 2 h is
    # not an action).
    timing = build_report(period, min_count=1)["time_to_action"]
    assert timing["cases"] == {"count": 3, "display": "3"}
    assert timing["median"] == {"hours": 4.0, "display": "4.0 h"}
    assert timing["p90"] == {"hours": 10.0, "display": "10.0 h"}


def test_small_counts_are_suppressed_everywhere(scenario: Scenario, period: Any) -> None:
    report = build_report(period)  # default min-count 5
    category = _table(report, "notices_by_category")
    assert category["threat"] == "7" and category["doxxing"] == "<5" and category["scam"] == "<5"
    # doxxing + hate + scam = 4 < 5 would be revealed by the total: harassment (5) is withheld with them.
    assert category["harassment"] == "withheld" and category["total"] == "16"
    assert _table(report, "notices_by_source") == {"normal": "withheld", "trusted": "<5", "authority": "<5",
                                                   "total": "16"}
    assert _table(report, "notice_handling")["not_our_customer"] == "5"
    assert _table(report, "actions_by_outcome")["terminate_service"] == "<5"
    assert _table(report, "actions_by_outcome")["total"] == "<5"
    assert {item["display"] for item in report["shares"]} == {"suppressed"}
    assert report["time_to_action"]["median"]["display"] == "suppressed"
    assert report["time_to_action"]["cases"]["display"] == "<5"
    published = [row["count"] for table in report["tables"] for row in table["rows"]]
    assert not [n for n in published if n is not None and 0 < n < 5]


def _all_text(out: Path) -> str:
    return "\n".join(path.read_text() for path in sorted(out.rglob("*")) if path.is_file())


def test_build_writes_json_csv_html_and_statement_batches(scenario: Scenario, period: Any, tmp_path: Path) -> None:
    result = build(period, tmp_path)
    names = {path.relative_to(tmp_path).as_posix() for path in result.files}
    assert {"report.json", "summary.csv", "index.html", "report.css", "notices_by_category.csv",
            "actions_by_policy.csv", "appeals_by_outcome.csv", "misuse_suspensions.csv",
            "dsa-statements/batch-0001.json"} <= names
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["period"] == {"label": "2026H2", "start": "2026-07-01", "end": "2026-12-31"}
    assert report["dsa_statements"] == {"statements": 3, "batches": 1}
    with (tmp_path / "notices_by_category.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0] == {"key": "threat", "label": "Threat of violence", "count": "7"}
    assert {"key": "doxxing", "label": "Doxxing (personal data of a private person)", "count": "<5"} in rows
    assert rows[-1] == {"key": "total", "label": "Total", "count": "16"}
    assert "Median hours from notice to action,suppressed" in (tmp_path / "summary.csv").read_text()


def test_html_is_static_and_escaped(scenario: Scenario, period: Any, tmp_path: Path) -> None:
    PolicyClause.objects.filter(code="threats-to-life").update(title='Threats <b>to life</b> & "violence"')
    build(period, tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert "<script" not in page.lower() and "<style" not in page.lower() and " style=" not in page.lower()
    assert "http://" not in page and "https://" not in page and "//" not in page.replace("<!--", "")
    assert "<b>" not in page and "Threats &lt;b&gt;to life&lt;/b&gt; &amp; &quot;violence&quot;" in page
    assert '<link rel="stylesheet" href="report.css">' in page
    assert page.count("<svg") == len(json.loads((tmp_path / "report.json").read_text())["tables"])
    assert ">&lt;5</text>" in page  # bars carry their (suppressed) value as text


def test_no_personal_data_in_any_output(scenario: Scenario, period: Any, tmp_path: Path) -> None:
    build(period, tmp_path)
    text = _all_text(tmp_path)
    for canary in (*CANARIES, "Derechos Digitales", "Example Shop", "rita@advocates.test", "http"):
        assert canary.lower() not in text.lower(), canary


def test_statements_map_outcomes_and_validate(scenario: Scenario, period: Any, tmp_path: Path) -> None:
    build(period, tmp_path)
    batch = json.loads((tmp_path / "dsa-statements" / "batch-0001.json").read_text())
    assert dsa.validate_batch(batch["statements"]) == []
    by_puid = {s["puid"]: s for s in batch["statements"]}
    puid = {name: f"abusedesk-decision-{d.pk}" for name, d in scenario.decisions.items()}
    assert puid["no_action"] not in by_puid
    terminate, warn, restrict = by_puid[puid["terminate"]], by_puid[puid["warn"]], by_puid[puid["restrict"]]
    assert terminate["decision_provision"] == "DECISION_PROVISION_TOTAL_TERMINATION"
    assert terminate["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert terminate["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"  # an authority notice is in the case
    assert terminate["illegal_content_explanation"].startswith("[redacted] ([e-mail], [number]) showed that")
    assert terminate["category"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    assert terminate["content_date"] == "2026-08-03" and terminate["application_date"] == "2026-08-03"
    assert warn["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"] and "warning" in warn[
        "decision_visibility_other"].lower()
    assert warn["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert warn["incompatible_content_ground"].startswith("Targeted harassment (targeted-harassment v1)")
    assert warn["automated_detection"] == "Yes" and warn["source_type"] == "SOURCE_ARTICLE_16"
    assert restrict["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert restrict["territorial_scope"] == ["DE"]  # GB is outside the EU/EEA list
    assert restrict["end_date_visibility_restriction"] == (T0 + timedelta(days=30)).date().isoformat()
    assert restrict["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert "source_identity" not in json.dumps(batch)


def test_statements_load_without_a_query_per_decision(scenario: Scenario, period: Any,
                                                      django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3) as few:  # decisions with policy, case, customer; their reports; targets
        statements_for(period)
    first = scenario.decisions["warn"]
    Decision.objects.bulk_create([
        Decision(case=first.case, outcome="warn_customer", policy=first.policy, ground=first.ground,
                 reasoning="r", status="effective", payload_hash="h", decided_by=first.decided_by,
                 effective_at=T0) for _ in range(20)])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(statements_for(period)) == 23
