# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""Language identification restricted to the configured languages, per sentence.

Lingua is restricted to the languages the project has lexicons and models for (en, es, ar by default;
ABUSEDESK_DETECTION_LANGS adds more) because an open set confuses close languages on short texts: a short
Arabic post full of emoji must not end up on a German path. Texts are split into sentences and each
sentence is identified, so a Spanish post quoting an English threat reports both languages and the
dominant one (by letters). Before identifying, URLs, @handles, #hashtags, emoji and digits are removed:
they say nothing about the language and confuse lingua on short posts. Then, per sentence:

- a sentence mostly in a script only one configured language uses (Arabic, Devanagari, Han) is decided by
  the script, without lingua (cheaper and as accurate), however many emoji surround it;
- a Latin-script sentence that reads as Arabizi (Arabic in Latin letters with digits for Arabic sounds:
  "ha2tlak", "7ayawan", "ya kalb") is Arabic;
- a very short Latin sentence (fewer than `SHORT` letters) takes the language of the rest of the text
  when the text has other sentences; otherwise lingua's most confident language.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

#: ISO 639-1 codes always identified; ABUSEDESK_DETECTION_LANGS (comma-separated) adds more.
DEFAULT_LANGS = ("en", "es", "ar")
#: sentences with fewer letters than this are too short for lingua when other sentences can decide
SHORT = 12
SENTENCE = re.compile(r"[^.!?؟。！？\n]+[.!?؟。！？\n]*")
_SCRIPTS = (
    (re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]"), "ar"),
    (re.compile(r"[\u0900-\u097F]"), "hi"),
    (re.compile(r"[\u4E00-\u9FFF\u3400-\u4DBF]"), "zh"),
)
_LETTER = re.compile(r"[^\W\d_]")
#: URLs, e-mail addresses, @handles and #hashtags: removed before identification
_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|[@#][\w.]+", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[a-z0-9']+", re.IGNORECASE)
#: digits Arabizi uses for Arabic letters (2 ء/ق, 3 ع, 5 خ, 6 ط, 7 ح, 8 غ, 9 ص/ق) inside a word with letters
_ARABIZI_DIGIT_WORD = re.compile(r"(?=\S*[a-z])(?:[a-z]*[235679][a-z']*)+", re.IGNORECASE)


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: common Arabizi words (all dialects): strong ones are rarely English or Spanish, weak ones often are
ARABIZI_STRONG = _words(
    "wallah wallahi walla yalla yallah habibi habibti inshallah enta inta enti inti ento into entu "
    "mesh msh mish mush ma3 3ala 3la keda kda leh ezay ezzay izay shu sho shou eh ehh ya3ni yaani akhi "
    "ukhti khalas 5alas kalb kelb 7mar hmar 7ayawan hayawan sharmoota sharmouta 3ars ibn bint "
    "bas2 a7a 7aram 3eib 3eb zift tayeb tab3an mafi ma7ad ra7 ha7 bade badi bidi 3ayz 3awz ghadi"
)
ARABIZI_WEAK = _words("ya ana el il al w wa bas la ma fi men min 3an")
#: English and Spanish text-speak with the same digits
TEXTSPEAK = _words("2day 2nite 2night 2morrow 2moro 2mrw 2u 2b gr8 m8 h8 l8 l8r sk8 w8 2go")
_lock = threading.Lock()
_detector: LanguageDetector | None = None


def configured_langs() -> tuple[str, ...]:
    """DEFAULT_LANGS plus the languages in ABUSEDESK_DETECTION_LANGS (comma-separated ISO 639-1 codes)."""
    import os

    extra = [x.strip().lower() for x in os.environ.get("ABUSEDESK_DETECTION_LANGS", "").split(",") if x.strip()]
    return tuple(dict.fromkeys((*DEFAULT_LANGS, *extra)))


def _lingua() -> LanguageDetector:
    """Build the lingua detector once per process (it loads its models lazily, ~100 MB)."""
    global _detector
    with _lock:
        if _detector is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, c.upper()) for c in configured_langs() if hasattr(IsoCode639_1, c.upper())]
            _detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
    return _detector


def clean(sentence: str) -> str:
    """The sentence without URLs, handles, hashtags, emoji, symbols and digits (what lingua should see)."""
    text = _NOISE.sub(" ", sentence)
    return " ".join("".join(c if c.isalpha() or c in "'’" else " " for c in text).split())


def _by_script(letters_only: str) -> str | None:
    """The language of a script at least half the letters are in, or all but a few Latin ones ("حلو lol")."""
    letters = len(_LETTER.findall(letters_only)) or 1
    for pattern, lang in _SCRIPTS:
        own = len(pattern.findall(letters_only))
        if lang in configured_langs() and own and (own * 2 >= letters or letters - own < SHORT):
            return lang
    return None


def arabizi_words(sentence: str) -> list[bool]:
    """For each Latin word of `sentence`, whether it reads as Arabizi (digit-letters or a known word)."""
    out = []
    for w in _LATIN_WORD.findall(_NOISE.sub(" ", sentence)):
        low = w.lower().strip("'")
        if not low or low.isdigit():
            continue
        leet = any(c in low for c in "014") or low in TEXTSPEAK or re.fullmatch(r"\d+(?:st|nd|rd|th|am|pm|h|k|m)", low)
        out.append(low in ARABIZI_STRONG or (not leet and _ARABIZI_DIGIT_WORD.fullmatch(low) is not None))
    return out


def looks_arabizi(sentence: str) -> bool:
    """A Latin-script sentence in Arabizi: a strong Arabizi word, and a quarter of its words Arabizi-like."""
    words = [w.lower() for w in _LATIN_WORD.findall(_NOISE.sub(" ", sentence)) if not w.isdigit()]
    if not words or "ar" not in configured_langs():
        return False
    strong = sum(arabizi_words(sentence))
    weak = sum(w in ARABIZI_WEAK for w in words)
    return strong >= 1 and (strong + weak / 2) / len(words) >= 0.25


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges (start, end) of `text`, skipping ones without letters (a URL's dots end none)."""
    masked = _mask(text)
    return [(m.start(), m.end()) for m in SENTENCE.finditer(masked) if _LETTER.search(clean(m.group()))]


def _mask(text: str) -> str:
    """`text` with URLs, handles and hashtags blanked out (same length, so ranges stay valid)."""
    return _NOISE.sub(lambda m: " " * len(m.group()), text)


def identify_many(texts: Sequence[str]) -> list[dict[str, float]]:
    """For each text, the share of its letters in each language, largest first ({} if none found)."""
    pieces: list[tuple[int, str, int]] = []  # (text index, cleaned sentence, weight in letters)
    langs: list[str | None] = []
    for i, text in enumerate(texts):
        masked = _mask(text)
        for a, b in sentences(text):
            raw, cleaned = masked[a:b], clean(masked[a:b])
            pieces.append((i, cleaned, len(_LETTER.findall(cleaned))))
            langs.append(_by_script(cleaned) or ("ar" if looks_arabizi(raw) else None))
    _lingua_pass(pieces, langs)
    _short_take_context(pieces, langs)
    totals: list[Counter[str]] = [Counter() for _ in texts]
    for (i, _, w), lang in zip(pieces, langs, strict=True):
        if lang:
            totals[i][lang] += w
    return [_shares(c) for c in totals]


def _lingua_pass(pieces: list[tuple[int, str, int]], langs: list[str | None]) -> None:
    """Lingua's most confident configured language for every sentence not decided by script or Arabizi."""
    todo = [k for k, lang in enumerate(langs) if lang is None]
    if not todo:
        return
    found = _lingua().compute_language_confidence_values_in_parallel([pieces[k][1] for k in todo])
    for k, values in zip(todo, found, strict=True):
        langs[k] = values[0].language.iso_code_639_1.name.lower() if values and values[0].value > 0 else None


def _short_take_context(pieces: list[tuple[int, str, int]], langs: list[str | None]) -> None:
    """A short Latin sentence in a text with longer sentences takes the language of those sentences."""
    by_text: dict[int, Counter[str]] = {}
    for (i, _, w), lang in zip(pieces, langs, strict=True):
        if lang and w >= SHORT:
            by_text.setdefault(i, Counter())[lang] += w
    for k, (i, cleaned, w) in enumerate(pieces):
        context = by_text.get(i)
        if w < SHORT and context and not _by_script(cleaned) and langs[k] != "ar":
            langs[k] = context.most_common(1)[0][0]


def _shares(counts: Counter[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: round(v / total, 3) for k, v in counts.most_common()} if total else {}


def dominant(shares: dict[str, float], default: str = "und") -> str:
    return next(iter(shares), default)
