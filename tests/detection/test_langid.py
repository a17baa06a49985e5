# ruff: noqa: RUF001 - Arabic text is the subject matter here
from __future__ import annotations

import pytest

from abusedesk.detection import langid
from abusedesk.detection.langid import DEFAULT_LANGS, configured_langs, dominant, identify_many, looks_arabizi


def test_identifies_default_languages():
    shares = identify_many(["The weather is lovely today.", "Hoy hace un tiempo estupendo.", "الطقس جميل اليوم."])
    assert [dominant(s) for s in shares] == ["en", "es", "ar"]


def test_default_languages_are_the_lexicon_languages(monkeypatch):
    monkeypatch.delenv("ABUSEDESK_DETECTION_LANGS", raising=False)
    assert DEFAULT_LANGS == ("en", "es", "ar")
    assert configured_langs() == ("en", "es", "ar")
    [shares] = identify_many(["Das Wetter ist heute wirklich sehr schön."])
    assert "de" not in shares  # not configured: never reported


def test_setting_extends_the_defaults(monkeypatch):
    monkeypatch.setenv("ABUSEDESK_DETECTION_LANGS", "de, zh")
    monkeypatch.setattr(langid, "_detector", None)
    assert configured_langs() == ("en", "es", "ar", "de", "zh")
    shares = identify_many(["Das Wetter ist heute schön.", "今天天气很好。", "Hoy hace un tiempo estupendo."])
    assert [dominant(s) for s in shares] == ["de", "zh", "es"]
    monkeypatch.setattr(langid, "_detector", None)  # the next test builds a detector for the defaults


# the second went to German with the old open language set
@pytest.mark.parametrize(
    "text", ["😂😂😂 حلو 🔥🔥", "🙏🙏 شكرا 🌹🌹🌹🌹 @user https://t.co/abc", "ههه 😂😂😂😂😂😂 #ترند", "حلو 😂 lol ok"]
)
def test_short_arabic_with_emoji_is_arabic(text):
    [shares] = identify_many([text])
    assert shares == {"ar": 1.0}


def test_short_arabic_with_emoji_is_arabic_with_more_languages_configured(monkeypatch):
    monkeypatch.setenv("ABUSEDESK_DETECTION_LANGS", "de,fr,it,nl")
    monkeypatch.setattr(langid, "_detector", None)
    [shares] = identify_many(["😂😂😂 ok حلو 🔥🔥"])
    assert dominant(shares) == "ar"
    monkeypatch.setattr(langid, "_detector", None)


def test_urls_handles_hashtags_and_digits_do_not_decide():
    text = "@johnsmith https://example.com/the-best-english-page #HappyMonday 2024 hola amigo, qué tal"
    [shares] = identify_many([text])
    assert dominant(shares) == "es"


@pytest.mark.parametrize("text", ["ana ha2tlak ya kalb", "ya 7ayawan", "wallah ra7 a2tlak", "enta 7mar w ibn kalb"])
def test_arabizi_is_arabic(text):
    assert looks_arabizi(text)
    [shares] = identify_many([text])
    assert dominant(shares) == "ar"


@pytest.mark.parametrize("text", ["Ya lo sé, el perro es mío.", "see u 2day m8, gr8 game", "Meet me at 7pm on the 3rd",
                                  "El 7 de mayo a las 9"])
def test_english_and_spanish_with_digits_are_not_arabizi(text):
    assert not looks_arabizi(text)


def test_short_sentence_takes_the_language_of_the_rest():
    [shares] = identify_many(["I am going to find where you live and make you pay. Vale."])
    assert set(shares) == {"en"}


def test_mixed_language_per_sentence():
    [shares] = identify_many(["Vi el directo anoche y fue muy raro. I will find you and hurt you tonight."])
    assert set(shares) == {"es", "en"}
    [shares] = identify_many(["I know where you live and I will come tonight. Sé dónde vives y voy a ir esta noche."])
    assert set(shares) == {"en", "es"}
    assert 0.3 < shares["en"] < 0.7


def test_no_letters_means_unknown():
    assert identify_many(["12345 !!!", "😂😂😂 🔥", "https://example.com @someone"]) == [{}, {}, {}]
    assert dominant({}) == "und"
