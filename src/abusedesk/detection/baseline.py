# ruff: noqa: RUF001 - Arabic words are the subject matter here
"""The keyword baseline that every detector figure is reported beside.

A plain list of words per language, written once from general knowledge without looking at any data set, matched
as whole words on the casefolded text (accents and Arabic letter variants folded). A text with a threat word is
`threat`; a text with an insult or slur word is `harassment`. It is what a desk without abusedesk would do with a
spam filter's word list, so a model that does not clearly beat it is not worth its cost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

THREAT = {
    "en": ("kill", "killed", "murder", "shoot", "stab", "hang", "lynch", "behead", "burn", "bomb", "beat",
           "hurt", "die", "dead", "gun", "knife", "slit", "strangle", "execute", "torture"),
    "es": ("matar", "mato", "matare", "mueres", "muerto", "muerta", "disparar", "balazo", "apunalar", "quemar",
           "colgar", "ahorcar", "golpear", "pegar", "bomba", "cuchillo", "pistola", "degollar", "torturar",
           "linchar"),
    "ar": ("اقتل", "نقتل", "قتل", "اذبح", "ذبح", "نذبح", "احرق", "حرق", "اضرب", "نضرب", "موت", "تموت", "سكين",
           "رصاص", "مسدس", "اعدام", "اشنق", "شنق", "دم", "نحر"),
}
ABUSE = {
    "en": ("idiot", "stupid", "moron", "bitch", "whore", "slut", "cunt", "retard", "retarded", "scum", "trash",
           "pig", "ugly", "loser", "fuck", "fucking", "bastard", "vermin", "animals", "disgusting", "hate"),
    "es": ("idiota", "estupido", "estupida", "imbecil", "puta", "zorra", "perra", "maricon", "basura", "escoria",
           "cerdo", "cerda", "gilipollas", "pendejo", "pendeja", "cabron", "mierda", "asco", "odio", "animales"),
    "ar": ("كلب", "كلاب", "حمار", "حيوان", "غبي", "حقير", "وسخ", "قذر", "زباله", "شرموطه", "عاهره", "منحط",
           "خنزير", "خنازير", "تافه", "كذاب", "لعنه", "اكره", "قرف", "جاهل"),
}
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_ACCENTS = str.maketrans("áéíóúüñ", "aeiouun")
_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold().translate(_ACCENTS).translate(_ARABIC)))


def classify(text: str, lang: str | None = None) -> list[str]:
    """Labels for one text: `threat` and/or `harassment` (the baseline cannot tell hate from harassment)."""
    words = _words(text)
    langs: Sequence[str] = (lang,) if lang in THREAT else tuple(THREAT)
    labels = []
    if any(words & set(THREAT[x]) for x in langs):
        labels.append("threat")
    if any(words & set(ABUSE[x]) for x in langs):
        labels.append("harassment")
    return labels
