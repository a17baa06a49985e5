"""Personal-data recognisers: positives in each language/format and hard negatives."""

from __future__ import annotations

import dataclasses

import pytest

from abusedesk.detection.pii import find_pii
from abusedesk.detection.prepare import prepare


def spans(text: str, lang: str) -> list[tuple[str, str]]:
    found = find_pii(prepare(text, lang))
    for s in found:
        assert text[s.start : s.end] == s.text
    return [(s.type, s.text) for s in found]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("She lives at 1600 Pennsylvania Avenue, Apt 4B, Washington, DC 20500 now", "en",
         ("address", "1600 Pennsylvania Avenue, Apt 4B, Washington, DC 20500")),
        ("his flat: Flat 3, 22 Donegall Road, Belfast BT12 5JN.", "en",
         ("address", "Flat 3, 22 Donegall Road, Belfast BT12 5JN")),
        ("postcode is SW1A 2AA apparently", "en", ("address", "SW1A 2AA")),
        ("she moved to 8 Castle Park, Galway H91 R2PK last year", "en", ("address", "8 Castle Park, Galway H91 R2PK")),
        ("vive en Calle del Pez 12, 2º A, 28004 Madrid desde marzo", "es",
         ("address", "Calle del Pez 12, 2º A, 28004 Madrid")),
        ("su casa: Av. Revolución 455, Col. San Ángel, C.P. 01000, Ciudad de México.", "es",
         ("address", "Av. Revolución 455, Col. San Ángel, C.P. 01000, Ciudad de México")),
        ("تسكن في شارع فلسطين، عمارة 4، الطابق الثاني، شقة 9، حي الروضة، جدة", "ar",
         ("address", "شارع فلسطين، عمارة 4، الطابق الثاني، شقة 9، حي الروضة، جدة")),
        ("text her on (312) 555-7788 tonight", "en", ("phone", "(312) 555-7788")),
        ("móvil 655 12 34 56", "es", ("phone", "655 12 34 56")),
        ("جوالها ٠٥٥١٢٣٤٥٦٧", "ar", ("phone", "٠٥٥١٢٣٤٥٦٧")),
        ("mail her at maria.lopez77@gmail.com", "es", ("email", "maria.lopez77@gmail.com")),
        ("DNI 12345678Z", "es", ("national_id", "12345678Z")),
        ("NIE X1234567L", "es", ("national_id", "X1234567L")),
        ("SSN 536-22-8726", "en", ("national_id", "536-22-8726")),
        ("NI number AB123456C", "en", ("national_id", "AB123456C")),
        ("PPS 1234567TW", "en", ("national_id", "1234567TW")),
        ("CURP HEGG560427MVZRRL04", "es", ("national_id", "HEGG560427MVZRRL04")),
        ("رقم الهوية 1000000008", "ar", ("national_id", "1000000008")),
        ("she is at 54.5973, -5.9301 every night", "en", ("coordinates", "54.5973, -5.9301")),
        ("40°25'08\"N 3°41'31\"W", "es", ("coordinates", "40°25'08\"N 3°41'31\"W")),
        ("her car reg is BD51 SMR", "en", ("licence_plate", "BD51 SMR")),
        ("matrícula 4821 KLM", "es", ("licence_plate", "4821 KLM")),
        ("her plate 7ABC123 in the lot", "en", ("licence_plate", "7ABC123")),
        ("رقم اللوحة ح ط ر 4821", "ar", ("licence_plate", "ح ط ر 4821")),
    ],
)
def test_recognises(text, lang, expected):
    assert expected in spans(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I walked 3 miles down the road and paid 12 dollars on 2024-05-01.", "en"),
        ("The match ended 3-1 after 90 minutes; 45,000 fans attended.", "en"),
        ("Version 2.10.3 fixes bug 123456789.", "en"),
        ("Ganamos 2-0 y costó 15 euros la entrada.", "es"),
        ("حصلنا على 95 درجة في الامتحان يوم 12 مايو", "ar"),
        ("Read chapter 12, pages 100-145, before class.", "en"),
    ],
)
def test_hard_negatives(text, lang):
    assert spans(text, lang) == []


def mixed(text: str, lang: str, langs: dict[str, float]) -> list[tuple[str, str]]:
    t = dataclasses.replace(prepare(text, lang), langs=langs)
    return [(s.type, s.text) for s in find_pii(t)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("I know where you live, Calle Mayor 5, 3º B, Madrid. Te vamos a encontrar muy pronto.",
      ("address", "Calle Mayor 5, 3º B, Madrid")),
     ("I know where you live: Calle Ancha 3 2ºA Cádiz. Nos vemos pronto, ya sabes.",
      ("address", "Calle Ancha 3 2ºA Cádiz")),
     ("I know where you live. Llámame al 612 345 678 si te atreves.", ("phone", "612 345 678"))],
)
def test_mixed_language_text_uses_the_patterns_of_every_language(text, expected):
    assert expected in mixed(text, "en", {"en": 0.55, "es": 0.45})


def test_phone_regions_follow_the_text_languages():
    text = "I know where you live. Llámame al 612 345 678 si te atreves."
    assert ("phone", "612 345 678") not in mixed(text, "en", {"en": 1.0})  # no Spanish share: US/GB/IE rules
    assert ("phone", "612 345 678") in mixed(text, "en", {"en": 0.6, "es": 0.4})


@pytest.mark.parametrize("text", ["خذ طريق الملك فهد ثم ارجع", "الطريق طويل جدا", "على طريقك يا صديقي",
                                  "هذا طريق الخير والسلام", "وقفنا في ميدان التحرير"])
def test_arabic_road_alone_is_not_an_address(text):
    assert spans(text, "ar") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("تسكن في طريق الملك فهد 12، الرياض", "طريق الملك فهد 12، الرياض"),
     ("بيتها على طريق المطار، حي النزهة، جدة", "طريق المطار، حي النزهة، جدة"),
     ("ساكنه في جادة الحمرا", "جادة الحمرا")],
)
def test_arabic_road_with_a_number_or_components_is_an_address(text, expected):
    assert ("address", expected) in spans(text, "ar")
