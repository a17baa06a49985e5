# ruff: noqa: RUF003 - Arabic text is the subject matter here
"""Concept lexicons: whole-word and clitic-aware Arabic matching, dialects, Arabizi, general entries only."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from abusedesk.detection import lexicon
from abusedesk.detection.lexicon import LEXICON_LANGS, matches
from abusedesk.detection.prepare import prepare

MODEL_CONCEPTS = {
    "violence", "fut", "you", "her_him", "cond", "deadline", "incite", "veiled", "group", "dehum", "insult",
    "pileon", "news", "fiction", "gaming", "figurative", "court", "quote", "condemn", "home", "expose",
    "employer", "school", "routine", "family", "business", "own", "first_person",
}


def concepts(text: str, lang: str) -> set[str]:
    return {m.concept for m in matches(prepare(text, lang), lang)}


def words(text: str, lang: str, concept: str) -> set[str]:
    return {m.text for m in matches(prepare(text, lang), lang) if m.concept == concept}


def raw(lang: str) -> dict:
    path = resources.files("abusedesk.detection").joinpath("data", "lexicon", f"{lang}.json")
    return json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize("lang", LEXICON_LANGS)
def test_every_lexicon_keeps_the_model_concepts_and_its_source_note(lang):
    data = raw(lang)
    assert data["_source"].startswith("Own work")
    assert MODEL_CONCEPTS | {"report", "negation", "nonviolent"} <= set(data["concepts"])


@pytest.mark.parametrize("lang", LEXICON_LANGS)
def test_no_infix_entries_and_no_whole_sentences(lang):
    for concept, entries in raw(lang)["concepts"].items():
        for e in entries:
            assert not e.startswith("~"), (concept, e)
            if not e.startswith("re:"):
                assert len(e.split()) <= 4, (concept, e)


@pytest.mark.parametrize(
    ("lang", "phrase"),
    [("en", "pay her a visit"), ("en", "visit her"), ("en", "visit him"), ("en", "bring gasoline"),
     ("es", "hacerle una visita"), ("es", "visitar a"), ("es", "revise los frenos"),
     ("ar", "يزورها"), ("ar", "يجب ان يزور"), ("ar", "ما دمت"), ("ar", "كل يوم"), ("ar", "حيه")],
)
def test_drill_shaped_phrases_are_gone(lang, phrase):
    entries = {e.lstrip("~") for es in raw(lang)["concepts"].values() for e in es}
    assert phrase not in entries


@pytest.mark.parametrize(
    ("text", "concept"),
    [("تحية طيبة للجميع", "violence"),  # حية ("snake/alive") inside تحية ("greetings")
     ("ما دمت هنا فاهلا بك", "veiled"),  # "as long as you are here"
     ("كل يوم اشرب القهوه في المكتب", "routine"),  # "every day" alone
     ("اخذنا الطريق الطويل الي البحر", "home")],
)
def test_arabic_does_not_match_inside_words_or_on_bare_phrases(text, concept):
    assert concept not in concepts(text, "ar")


def test_arabic_entry_matches_whole_tokens_only():
    assert "violence" not in concepts("مقتلع", "ar")  # not قتل + ع: ع is no enclitic
    assert "insult" not in concepts("مكلبش", "ar")  # كلب inside another word


@pytest.mark.parametrize(
    ("text", "expected"),
    [("وبيتها قريب", {"home", "her_him"}),  # و + بيت + ها
     ("بالسكين", {"violence"}),  # بال + سكين
     ("سيارتها وعائلتك", {"family", "you", "her_him"}),  # ta marbuta written ت before an enclitic
     ("ساقتلك", {"violence", "fut", "you"}),  # س + ا + قتل + ك
     ("وسنحرق بيوتهم", {"violence", "fut"})],
)
def test_arabic_clitics(text, expected):
    assert expected <= concepts(text, "ar")


def test_pronoun_entries_take_no_article():
    assert "her_him" not in concepts("والله", "ar")  # و + ال + له is not a pronoun


@pytest.mark.parametrize(
    "text",
    ["هقتلك يا حيوان",  # Egyptian ه future
     "حدبحك",  # Egyptian ح future, د for ذ
     "رح اقتلك يا كلب",  # Levantine رح
     "بطخك",  # Levantine ب + طخ
     "بذبحك والله",  # Gulf ب future
     "راح اذبحك",  # Gulf راح
     "غادي نقتلك",  # Maghrebi غادي
     "غنقتلك"],  # Maghrebi غ prefix
)
def test_dialect_threat_markers(text):
    found = concepts(text, "ar")
    assert {"violence", "fut"} <= found
    assert "you" in found


@pytest.mark.parametrize(("text", "concept"), [("يا حمار", "insult"), ("انت جحش", "insult"), ("يا مكلخ", "insult"),
                                               ("اسكت يا عبيط", "insult"), ("ساكنه في حي النزهه", "home"),
                                               ("بتشتغل في البنك", "employer"), ("عيالها في المدرسه", "family")])
def test_dialect_vocabulary(text, concept):
    assert concept in concepts(text, "ar")


def test_routine_needs_a_time_tied_to_a_person():
    assert "routine" in concepts("كل يوم الساعه 8 تخرج من البيت", "ar")
    assert "routine" in concepts("كل يوم بتطلع من الشغل", "ar")
    assert "routine" in concepts("every day at 8 she leaves for work", "en")
    assert "routine" in concepts("she leaves the gym at 7pm", "en")
    assert "routine" not in concepts("every day I think about it", "en")
    assert "routine" in concepts("todos los dias a las 8 sale de casa", "es")
    assert "routine" not in concepts("todos los dias pienso en ti", "es")


@pytest.mark.parametrize("text", ["ana ha2tlak ya kalb", "ra7 a2tlak ya 7ayawan", "wallah ha2tolak ya 7mar"])
def test_arabizi_matches_the_arabic_lexicon(text):
    found = matches(prepare(text, "ar"), "ar")
    got = {m.concept for m in found}
    assert {"violence", "insult"} <= got
    for m in found:  # spans still index the original Latin text
        span = prepare(text, "ar").span(m.start, m.end, m.concept)
        assert span.text == text[span.start : span.end]


def test_new_concepts():
    assert "report" in concepts("He said he threatened to kill her", "en")
    assert "nonviolent" in concepts("te voy a meter en la carcel y una demanda", "es")
    assert "nonviolent" in concepts("هرفع عليك قضيه في المحكمه", "ar")
    assert "negation" in concepts("I would never hurt anyone", "en")
    assert "report" in concepts("قال انه هددها", "ar")


def test_lexicon_entries_are_whole_words_in_english_and_spanish():
    assert "violence" not in concepts("the skill of the stable hand", "en")


def test_infix_entries_are_rejected():
    with pytest.raises(ValueError, match="infix"):
        lexicon._build({"violence": ["~قتل"]})
