from __future__ import annotations

from abusedesk.detection.langid import dominant, identify_many


def test_identifies_configured_languages():
    shares = identify_many(["The weather is lovely today.", "Hoy hace un tiempo estupendo.", "الطقس جميل اليوم.",
                            "Das Wetter ist heute schön.", "今天天气很好。"])
    assert [dominant(s) for s in shares] == ["en", "es", "ar", "de", "zh"]


def test_mixed_language_per_sentence():
    [shares] = identify_many(["Vi el directo anoche y fue muy raro. I will find you and hurt you tonight."])
    assert set(shares) == {"es", "en"}


def test_no_letters_means_unknown():
    assert identify_many(["12345 !!!"]) == [{}]
    assert dominant({}) == "und"
