"""The statement-of-reasons validator: a valid statement passes; one negative fixture per rule fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from abusedesk.transparency import dsa

VALID: dict[str, Any] = {
    "decision_provision": "DECISION_PROVISION_TOTAL_TERMINATION",
    "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
    "illegal_content_legal_ground": "Criminal law on threats",
    "illegal_content_explanation": "A credible threat against an identifiable person.",
    "content_type": ["CONTENT_TYPE_TEXT"],
    "category": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "category_specification": ["KEYWORD_CYBER_STALKING"],
    "territorial_scope": ["DE", "IE"],
    "content_date": "2026-08-03",
    "application_date": "2026-08-04",
    "decision_facts": "Notices about a thread.",
    "source_type": "SOURCE_ARTICLE_16",
    "automated_detection": "No",
    "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    "puid": "abusedesk-decision-0b7c",
}


def _with(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def apply(statement: dict[str, Any]) -> None:
        statement.update(changes)
    return apply


def _without(*names: str) -> Callable[[dict[str, Any]], None]:
    def apply(statement: dict[str, Any]) -> None:
        for name in names:
            statement.pop(name, None)
    return apply


def test_the_valid_fixture_validates() -> None:
    assert dsa.validate(dict(VALID)) == []


NEGATIVE = {
    # required fields
    "missing puid": (_without("puid"), "puid", "is required"),
    "missing decision_facts": (_without("decision_facts"), "decision_facts", "is required"),
    "empty content_type": (_with(content_type=[]), "content_type", "is required"),
    "missing category": (_without("category"), "category", "is required"),
    "missing content_date": (_without("content_date"), "content_date", "is required"),
    "missing source_type": (_without("source_type"), "source_type", "is required"),
    "missing automated_detection": (_without("automated_detection"), "automated_detection", "is required"),
    "no decision at all": (_without("decision_provision"), "decision_visibility", "is required unless"),
    # enums
    "bad ground": (_with(decision_ground="DECISION_GROUND_RUDE"), "decision_ground", "allowed values"),
    "bad category": (_with(category="STATEMENT_CATEGORY_SPAM"), "category", "allowed values"),
    "bad provision": (_with(decision_provision="DECISION_PROVISION_BAN"), "decision_provision", "allowed values"),
    "bad automated_detection": (_with(automated_detection=True), "automated_detection", "allowed values"),
    "bad automated_decision": (_with(automated_decision="AUTOMATED_DECISION_SOMEWHAT"), "automated_decision",
                               "allowed values"),
    "bad source": (_with(source_type="SOURCE_ARTICLE_17"), "source_type", "allowed values"),
    "bad keyword": (_with(category_specification=["KEYWORD_RUDENESS"]), "category_specification",
                    "allowed values"),
    "non-EEA scope": (_with(territorial_scope=["DE", "GB"]), "territorial_scope", "'GB'"),
    "visibility not a list": (_with(decision_visibility="DECISION_VISIBILITY_OTHER",
                                    decision_visibility_other="x"), "decision_visibility", "must be an array"),
    "duplicate in array": (_with(territorial_scope=["DE", "DE"]), "territorial_scope", "duplicates"),
    # lengths
    "legal ground too long": (_with(illegal_content_legal_ground="x" * 501), "illegal_content_legal_ground",
                              "limit is 500"),
    "explanation too long": (_with(illegal_content_explanation="x" * 2001), "illegal_content_explanation",
                             "limit is 2000"),
    "facts too long": (_with(decision_facts="x" * 5001), "decision_facts", "limit is 5000"),
    "puid too long": (_with(puid="a" * 501), "puid", "limit is 500"),
    # dates
    "content date format": (_with(content_date="03/08/2026"), "content_date", "not a Y-m-d date"),
    "content date impossible": (_with(content_date="2026-02-30"), "content_date", "not a Y-m-d date"),
    "content date too early": (_with(content_date="1999-12-31"), "content_date", "outside"),
    "application date too early": (_with(application_date="2019-12-31"), "application_date", "outside"),
    "end date too late": (_with(end_date_service_restriction="2038-01-02"), "end_date_service_restriction",
                          "outside"),
    # puid pattern
    "puid with a space": (_with(puid="abusedesk decision 1"), "puid", "only letters"),
    "puid with a slash": (_with(puid="abusedesk/1"), "puid", "only letters"),
    # conditional requirements
    "illegal without legal ground": (_without("illegal_content_legal_ground"), "illegal_content_legal_ground",
                                     "required when decision_ground"),
    "illegal without explanation": (_without("illegal_content_explanation"), "illegal_content_explanation",
                                    "required when decision_ground"),
    "incompatible without ground": (_with(decision_ground="DECISION_GROUND_INCOMPATIBLE_CONTENT"),
                                    "incompatible_content_ground", "required when decision_ground"),
    "incompatible_content_illegal with illegal ground": (_with(incompatible_content_illegal="Yes"),
                                                         "incompatible_content_illegal", "only allowed"),
    "visibility other without text": (_with(decision_visibility=["DECISION_VISIBILITY_OTHER"]),
                                      "decision_visibility_other", "required when decision_visibility"),
    "monetary other without text": (_with(decision_monetary="DECISION_MONETARY_OTHER"), "decision_monetary_other",
                                    "required when decision_monetary"),
    "content type other without text": (_with(content_type=["CONTENT_TYPE_OTHER"]), "content_type_other",
                                        "required when content_type"),
    "voluntary with a source identity": (_with(source_type="SOURCE_VOLUNTARY", source_identity="Someone"),
                                         "source_identity", "left out"),
    # unknown fields (e.g. a URL or a name smuggled in)
    "unknown field": (_with(url="https://forum.test/x"), "url", "not a field"),
}


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_each_rule_is_enforced(name: str) -> None:
    change, field, message = NEGATIVE[name]
    statement = dict(VALID)
    change(statement)
    problems = dsa.validate(statement)
    assert any(p.field == field and message in p.message for p in problems), problems


def test_batches_hold_one_to_a_hundred_unique_statements() -> None:
    assert dsa.validate_batch([dict(VALID)]) == []
    assert "1 to 100" in str(dsa.validate_batch([])[0])
    too_many = [{**VALID, "puid": f"p-{i}"} for i in range(101)]
    assert any("not 101" in p.message for p in dsa.validate_batch(too_many))
    twice = dsa.validate_batch([dict(VALID), dict(VALID)])
    assert [str(p) for p in twice] == ["statements[1].puid: is used twice in the batch"]
    nested = dsa.validate_batch([{**VALID, "puid": "a b"}])
    assert nested[0].field == "statements[0].puid"
