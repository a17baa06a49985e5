"""The integration contract other stages depend on: analyse / analyse_many / AnalysisResult."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from abusedesk.detection.api import AnalysisResult, analyse, analyse_many
from abusedesk.sdk.detection import Finding, Span, Target

DOX = ("Everyone, @ktm is actually Kate Morgan. She lives at 12 Elm Road, Belfast BT7 1NN, "
       "her kids go to St Anne's Primary. Someone should go round there and break her legs.")


def test_result_shape_and_json_line():
    r = analyse(DOX, "en")
    assert isinstance(r, AnalysisResult)
    assert r.lang == "en"
    assert set(r.scores) == {"threat", "doxxing", "harassment", "hate"}
    assert all(0.0 <= v <= 1.0 for v in r.scores.values())
    assert {"threat", "doxxing"} <= set(r.labels)
    assert all(isinstance(f, Finding) for f in r.findings)
    j = r.to_json()
    assert list(j) == ["lang", "labels", "scores", "spans", "explanations"]
    assert set(j["scores"]) == {"threat", "doxxing", "harassment", "hate"}
    for s in j["spans"]:
        assert DOX[s["start"] : s["end"]] == s["text"]
        assert set(s) == {"start", "end", "type", "text"}
    for e in j["explanations"]:
        assert e["detector"] and e["version"] and "words" in e


def test_spans_cover_address_names_and_context():
    r = analyse(DOX, "en")
    types = {s.type for s in r.spans}
    assert {"address", "person_name", "threat"} <= types
    assert {"family", "school"} & types
    assert all(isinstance(s, Span) for s in r.spans)


def test_targets_merge_name_and_handle():
    r = analyse(DOX, "en")
    assert r.targets and isinstance(r.targets[0], Target)
    kate = r.targets[0]
    assert kate.name == "Kate Morgan"
    assert "@ktm" in kate.aliases
    assert any(s.type == "pronoun" for s in kate.spans)
    for s in kate.spans:
        assert DOX[s.start : s.end] == s.text


def test_language_is_identified_when_not_given():
    r = analyse("Te voy a matar mañana, sé dónde vives.")
    assert r.lang == "es"
    assert "threat" in r.labels


def test_mixed_language_reports_dominant_and_shares():
    r = analyse("Mira lo que escribió anoche en el foro, es increíble. I will kill you.")
    assert r.lang == "es"
    assert set(r.langs) == {"es", "en"}


def test_analyse_many_keeps_order_and_matches_analyse():
    texts = ["I'd kill for a coffee", DOX, "سأقتلك يا نورة", ""]
    many = analyse_many(texts, ["en", "en", "ar", "en"])
    assert [m.text for m in many] == texts
    for m, t, lang in zip(many, texts, ["en", "en", "ar", "en"], strict=True):
        assert m.to_json() == analyse(t, lang).to_json()


def test_empty_text_is_fine():
    r = analyse("", "en")
    assert r.labels == [] and r.spans == []


def test_thread_safe():
    texts = [f"{DOX} #{i}" for i in range(24)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda t: analyse(t, "en"), texts))
    assert all("doxxing" in r.labels for r in results)


def test_control_characters_are_reported():
    r = analyse("I will k\u200bill you", "en")
    assert r.controls.get("zero_width") == 1
