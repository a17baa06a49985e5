"""Screening (pipeline/screen.py): a waiting report whose own text is S0 has its filing job moved to the front, so a
backlog of reports of the same kind does not hold up its page; nothing else changes."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from abusedesk.intake.models import Report
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.pipeline.screen import SCREENED_PRIORITY, screen_waiting
from abusedesk.testing.factories import report_body
from abusedesk.triage.models import Page

pytestmark = pytest.mark.django_db
S0_TEXT = "She lives at 14 Shore Road, Holywood BT18 9HX. Someone should visit her tonight and hurt her."
MILD = "This thread keeps insulting people in the comments and the moderators do nothing about it."


@pytest.fixture(autouse=True)
def _one_report_a_job(settings: Any, customers: Any) -> None:
    settings.EVIDENCE_CAPTURE = False
    settings.PIPELINE_BATCH_REPORTS = 1  # each filing job files its own report only: a backlog of one kind


def _job_priority(report_id: str) -> int:
    return int(DBTaskResult.objects.filter(task_path__endswith="process_report", args_kwargs__args__0=report_id)
               .values_list("priority", flat=True).get())


def test_an_s0_behind_a_backlog_of_its_kind_is_filed_and_pages_first(post_report: Any) -> None:
    waiting = [post_report(report_body(urls=[f"https://forum.test/threads/{n}"], category="threat",
                                       explanation=MILD)).json()["id"] for n in range(6)]
    s0 = post_report(report_body(urls=["https://derechos.test/blog/9"], category="threat",
                                 explanation=S0_TEXT)).json()["id"]
    before = {rid: _job_priority(rid) for rid in waiting}
    assert _job_priority(s0) == before[waiting[0]]  # all queue alike: the S0 is only known once read

    assert screen_waiting() == 7
    assert _job_priority(s0) == SCREENED_PRIORITY
    assert {rid: _job_priority(rid) for rid in waiting} == before
    assert not Report.objects.filter(screened_at__isnull=True).exists()
    assert screen_waiting() == 0  # a report is read once

    assert run_pending_jobs(max_tasks=1) == 1
    assert Report.objects.get(pk=s0).status == "in_case"
    assert Report.objects.filter(pk__in=waiting, status="received").count() == 6
    assert Page.objects.filter(case__reports__pk=s0).exists()


def test_screening_moves_nothing_when_no_text_is_s0_and_skips_filed_reports(post_report: Any) -> None:
    first = post_report(report_body(urls=["https://forum.test/threads/1"], category="threat", explanation=MILD))
    run_pending_jobs()
    assert Report.objects.get(pk=first.json()["id"]).status == "in_case"
    post_report(report_body(urls=["https://forum.test/threads/2"], category="threat", explanation=MILD))
    assert screen_waiting() == 1  # the filed report is not read again
    assert not DBTaskResult.objects.filter(priority=SCREENED_PRIORITY).exists()


THREAT_NO_PLACE = "Someone should visit her tonight and hurt her, she deserves it."


def test_texts_without_a_locating_span_are_not_read_by_the_models(post_report: Any, monkeypatch: Any) -> None:
    from abusedesk.detection import api

    ids = [post_report(report_body(urls=[f"https://forum.test/threads/{n}"], category="threat",
                                   explanation=text)).json()["id"]
           for n, text in enumerate([MILD, THREAT_NO_PLACE, S0_TEXT])]
    read: list[str] = []
    real = api.analyse_many

    def spy(texts: Any, langs: Any = None, **kwargs: Any) -> Any:
        read.extend(texts)
        return real(texts, langs, **kwargs)

    monkeypatch.setattr(api, "analyse_many", spy)
    assert screen_waiting() == 3  # all three are read (marked), one by the models
    assert read == [S0_TEXT]
    assert _job_priority(ids[2]) == SCREENED_PRIORITY
    assert _job_priority(ids[1]) != SCREENED_PRIORITY


def test_rules_that_make_s0_without_a_place_are_screened_in_full(post_report: Any, settings: Any,
                                                                 tmp_path: Any) -> None:
    import json

    from abusedesk.triage.rules import load_rules

    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"version": 9, "rules": [
        {"id": "s0-any-threat", "severity": "S0", "all": ["threat"], "reason": "every threat pages here"}]}))
    settings.SEVERITY_RULES_PATH = str(rules)
    load_rules.cache_clear()
    try:
        rid = post_report(report_body(urls=["https://forum.test/threads/3"], category="threat",
                                      explanation=THREAT_NO_PLACE)).json()["id"]
        assert screen_waiting() == 1
        assert _job_priority(rid) == SCREENED_PRIORITY
    finally:
        load_rules.cache_clear()


@pytest.mark.parametrize(("rule", "locating", "expected"), [
    ({"all": ["threat_at_location"]}, ["address", "coordinates", "licence_plate"], True),
    ({"all": ["located", "threat"]}, ["address"], True),
    ({"all": ["threat"]}, ["address"], False),  # S0 without a place: every text must be read
    ({"any": ["threat_at_location", "hate"]}, ["address"], False),  # `any`: hate alone would do
    ({"all": ["threat_at_location"]}, ["address", "person_name"], False),  # a span no recogniser finds
])
def test_when_s0_needs_a_location(rule: dict[str, Any], locating: list[str], expected: bool) -> None:
    from abusedesk.detection.api import personal_data_kinds_known
    from abusedesk.triage.rules import parse_rules, s0_needs_location

    ruleset = parse_rules({"version": 1, "locating_spans": locating, "rules": [
        {"id": "s0", "severity": "S0", "reason": "r", **rule},
        {"id": "s1", "severity": "S1", "all": ["threat"], "reason": "r"}]})
    assert s0_needs_location(ruleset, personal_data_kinds_known()) is expected
