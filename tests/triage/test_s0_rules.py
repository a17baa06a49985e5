"""S0 means it: the poster's own threat and a PRIVATE location of the SAME person, and the verdict says where."""

from __future__ import annotations

from typing import Any

from abusedesk.triage.rules import evaluate


def post(index: int, category: str, score: float, spans: list[dict[str, Any]], *, thread: str = "t1",
         targets: list[str] | None = None, private: bool = True) -> dict[str, Any]:
    explanation = {"post_index": index, "thread": thread, "targets": targets or []}
    if category == "doxxing":
        explanation["private_location"] = private
    return {"category": category, "score": score, "spans": spans, "source": "watch", "report": None,
            "evidence": None, "explanation": explanation}


ADDRESS = [{"start": 10, "end": 40, "type": "address"}]
THREAT = [{"start": 0, "end": 30, "type": "threat"}]


def test_threat_naming_nobody_meets_an_earlier_home_address_in_the_same_thread() -> None:
    verdict = evaluate([post(5, "doxxing", 0.9, ADDRESS, targets=["k-ana"]), post(7, "threat", 0.8, THREAT)])
    assert verdict.severity == "S0"
    assert verdict.evidence == ("threat: post 7 chars 0-30", "private location (address): post 5")


def test_a_business_address_never_makes_s0() -> None:
    verdict = evaluate([post(5, "doxxing", 0.9, ADDRESS, private=False), post(7, "threat", 0.8, THREAT)])
    assert verdict.severity == "S1"


def test_bare_personal_data_is_not_a_location_for_s0() -> None:
    pii = {"category": "pii", "score": 0.9, "spans": ADDRESS, "source": "report_text", "report": "r1",
           "evidence": None, "explanation": {}}
    assert evaluate([pii, post(7, "threat", 0.8, THREAT)]).severity == "S1"


def test_threat_and_location_of_different_people_do_not_meet() -> None:
    verdict = evaluate([post(5, "doxxing", 0.9, ADDRESS, targets=["k-ana"]),
                        post(7, "threat", 0.8, THREAT, targets=["k-bea"])])
    assert verdict.severity == "S1"


def test_a_named_target_links_texts_across_threads() -> None:
    verdict = evaluate([post(5, "doxxing", 0.9, ADDRESS, thread="t1", targets=["k-ana"]),
                        post(2, "threat", 0.8, THREAT, thread="t2", targets=["k-ana", "k-x"])])
    assert verdict.severity == "S0"


def test_a_threat_naming_nobody_in_another_thread_is_not_enough() -> None:
    verdict = evaluate([post(5, "doxxing", 0.9, ADDRESS, thread="t1", targets=["k-ana"]),
                        post(2, "threat", 0.8, THREAT, thread="t2")])
    assert verdict.severity == "S1"


def test_posts_below_the_threshold_do_not_count() -> None:
    assert evaluate([post(5, "doxxing", 0.9, ADDRESS), post(7, "threat", 0.4, THREAT)]).severity == "S1"
