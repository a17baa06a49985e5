# ruff: noqa: RUF001, RUF003 - lookalike and non-ASCII characters are the subject matter here
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from abusedesk.detection.pii import find_pii
from abusedesk.detection.prepare import fold, prepare


def test_zero_width_and_bidi_are_removed_and_counted():
    t = prepare("I will k\u200bill y\u202eou")
    assert t.form == "i will kill you"
    assert t.controls["zero_width"] == 1
    assert t.controls["bidi"] == 1


def test_homoglyphs_fold_only_in_mixed_script_words():
    assert prepare("kіll her").form == "kill her"  # Cyrillic і inside a Latin word
    assert prepare("привет").form == "привет"  # a whole Cyrillic word is left alone


def test_fullwidth_and_leetspeak():
    t = prepare("Ｉ ｗｉｌｌ k1ll y0u")
    assert t.form == "i will kill you"
    assert t.controls["fullwidth"] >= 5
    assert t.controls["leet"] == 2


def test_leetspeak_does_not_touch_numbers_or_postcodes_in_plain_form():
    t = prepare("Call 555 0142, postcode SW1A 1AA")
    assert "555 0142" in t.form
    assert "SW1A 1AA" in t.plain


def test_arabic_normalisation_alef_ya_ta_marbuta_diacritics_tatweel():
    t = prepare("سَأقتلــك يا إيمان في المدرسة على")
    assert t.form == "ساقتلك يا ايمان في المدرسه علي"
    assert t.controls["tatweel"] == 2
    assert t.controls["arabic_marks"] == 1


def test_spanish_accents_are_folded():
    assert fold("Te mataré, Ñandú") == "te matare, nandu"


def test_arabic_indic_digits_become_ascii_in_plain_form():
    assert prepare("٠٥٥١٢٣٤٥٦٧").plain == "0551234567"


def test_span_maps_back_to_original():
    original = "Ｈｅｒ number: 0\u200b7\u200b700 900 123"
    t = prepare(original)
    start = t.form.index("number")
    span = t.span(start, start + len("number"), "x")
    assert span.text == "number"
    assert original[span.start : span.end] == span.text


noise = st.sampled_from(["\u200b", "\u200d", "\u202e", "\u0640", "ﬁ", "Ａ", "а", "é", "ّ", "1", " ", "@", "$"])
text = st.lists(st.one_of(st.characters(blacklist_categories=("Cs",)), noise), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(text, st.data())
def test_any_form_range_maps_to_an_original_slice(s, data):
    t = prepare(s)
    assert len(t.offsets) == len(t.form) + 1
    assert list(t.offsets) == sorted(t.offsets)
    a = data.draw(st.integers(0, len(t.form)))
    b = data.draw(st.integers(a, len(t.form)))
    span = t.span(a, b, "x")
    assert span.text == s[span.start : span.end]
    assert 0 <= span.start <= span.end <= len(s)
    assert len(t.plain_offsets) == len(t.plain) + 1


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["", "\u200b", "\u202e", "Ｘ", "ﬁ"]), st.text(max_size=20), st.text(max_size=20))
def test_pii_spans_index_the_original_text(obfuscation, before, after):
    original = f"{before} {obfuscation}contact jane.doe{obfuscation}@example.org now {after}"
    for s in find_pii(prepare(original, "en")):
        assert original[s.start : s.end] == s.text


def test_arabizi_is_transliterated_for_arabic_only():
    t = prepare("ya ibn el kalb, ana ha2tlak", "ar")
    assert t.form == "يا ابن الكلب, انا هقتلك"
    assert t.controls["arabizi"] == 1
    assert prepare("ya ibn el kalb, ana ha2tlak", "en").form == "ya ibn el kalb, ana ha2tlak"
    assert prepare("I will find you at 7pm.", "ar").form == "i will find you at 7pm."  # not Arabizi


arabizi = st.lists(st.sampled_from(["ya", "el", "kalb", "ha2tlak", "7ayawan", "3'", "sh", "aa", " ", ".", "\u200b",
                                    "Ａ", "1", "w", "-", "ou", "x", "'"]), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(arabizi, st.data())
def test_arabizi_form_ranges_map_to_original_slices(s, data):
    t = prepare(s, "ar")
    assert len(t.offsets) == len(t.form) + 1
    assert list(t.offsets) == sorted(t.offsets)
    a = data.draw(st.integers(0, len(t.form)))
    b = data.draw(st.integers(a, len(t.form)))
    span = t.span(a, b, "x")
    assert span.text == s[span.start : span.end]
