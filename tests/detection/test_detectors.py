# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""Behaviour of the built-in detectors beyond their contract examples (tests/detection/test_contract.py).

Texts are written here for the behaviour they test, in the style of real posts; none is training data.
"""

from __future__ import annotations

from abusedesk.detection.api import analyse
from abusedesk.detection.registry import default_registry


def finding(result, detector):
    return next(f for f in result.findings if f.detector == detector)


def test_threat_finding_explains_itself_with_models_words_and_span() -> None:
    r = analyse("I'm going to find you and put a knife in you, count on it.", "en")
    f = finding(r, "threat")
    assert "threat" in r.labels
    assert f.explanation["model"].startswith("ngram-en") and f.explanation["stage"] in ("linear", "cascade")
    assert f.explanation["words"]
    assert any(s.type == "threat" for s in f.spans)


def test_a_quoted_threat_that_is_condemned_is_not_the_posters_threat() -> None:
    text = 'Somebody wrote "I will find you and cut your throat" under her video. This is vile, report the account.'
    r = analyse(text, "en")
    assert "threat" not in r.labels, r.scores
    others = finding(r, "threat").explanation["others_words"]
    assert any("cut your throat" in text[o["start"]:o["end"]] for o in others)


def test_the_same_threat_in_the_posters_own_words_is_one() -> None:
    r = analyse("I will find you and cut your throat, just wait.", "en")
    assert "threat" in r.labels, r.scores


def test_obfuscated_threat_is_still_caught_and_spans_index_the_original() -> None:
    r = analyse("I w1ll k\u200bіll you, you won't see it coming", "en")
    assert "threat" in r.labels
    span = next(s for s in r.spans if s.type == "threat")
    assert r.text[span.start : span.end] == span.text


def test_doxxing_needs_personal_data_or_context() -> None:
    r = analyse("Megan Doyle is actually the person behind that account, everyone knows it.", "en")
    assert "doxxing" not in r.labels


def test_a_business_address_is_not_a_private_location() -> None:
    r = analyse("Come visit our new shop at 88 Harbor Lane, Toledo, OH 43604. Open 9 to 5, call 419-555-0148.",
                "en")
    assert not finding(r, "doxxing").explanation["private_location"]


def test_a_benign_visit_with_an_address_is_not_a_threat() -> None:
    r = analyse("I'll drop by her place at 12 Hill Road, Dayton, OH 45402 tomorrow with the birthday cake.", "en")
    assert "threat" not in r.labels, r.scores


def test_pii_detector_is_language_independent() -> None:
    r = analyse("Ruf mich an: jana.novak@example.de", "de")
    assert [s.type for s in r.spans] == ["email"]


def test_every_builtin_declares_examples_for_each_language() -> None:
    for det in default_registry().detectors():
        langs = {e.lang for e in det.examples}
        assert langs >= ({x for x in det.languages if x != "*"} or {"en"}), det.name
