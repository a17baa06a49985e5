# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""Language identification restricted to the configured languages, per sentence.

Lingua is restricted to the languages the project evaluates (en, es, ar plus the MHC languages) because an
open set confuses close languages on short texts. Texts are split into sentences and each sentence is
identified, so a Spanish post quoting an English threat reports both languages and the dominant one (by
characters). Scripts that only one configured language uses (Arabic, Devanagari, Han) are decided without
lingua: cheaper and as accurate.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Sequence

#: ISO 639-1 codes identified by default; override with ABUSEDESK_DETECTION_LANGS (comma-separated).
DEFAULT_LANGS = ("en", "es", "ar", "de", "fr", "it", "nl", "pl", "pt", "hi", "zh")
SENTENCE = re.compile(r"[^.!?؟。！？\n]+[.!?؟。！？\n]*")
_SCRIPTS = (
    (re.compile(r"[\u0600-\u06FF\u0750-\u077F]"), "ar"),
    (re.compile(r"[\u0900-\u097F]"), "hi"),
    (re.compile(r"[\u4E00-\u9FFF\u3400-\u4DBF]"), "zh"),
)
_LETTER = re.compile(r"[^\W\d_]")
_lock = threading.Lock()
_detector = None


def configured_langs() -> tuple[str, ...]:
    import os

    env = os.environ.get("ABUSEDESK_DETECTION_LANGS")
    return tuple(x.strip() for x in env.split(",") if x.strip()) if env else DEFAULT_LANGS


def _lingua():
    """Build the lingua detector once per process (it loads its models lazily, ~100 MB)."""
    global _detector
    with _lock:
        if _detector is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, c.upper()) for c in configured_langs()]
            _detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
    return _detector


def _by_script(sentence: str) -> str | None:
    letters = len(_LETTER.findall(sentence)) or 1
    for pattern, lang in _SCRIPTS:
        if lang in configured_langs() and len(pattern.findall(sentence)) * 2 >= letters:
            return lang
    return None


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence ranges (start, end) of `text`, skipping ones without letters."""
    return [(m.start(), m.end()) for m in SENTENCE.finditer(text) if _LETTER.search(m.group())]


def identify_many(texts: Sequence[str]) -> list[dict[str, float]]:
    """For each text, the share of its letters in each language, largest first ({} if none found)."""
    pieces: list[tuple[int, str, int]] = []  # (text index, sentence, weight)
    for i, text in enumerate(texts):
        for a, b in sentences(text):
            pieces.append((i, text[a:b], len(_LETTER.findall(text[a:b]))))
    langs: list[str | None] = [_by_script(s) for _, s, _ in pieces]
    todo = [k for k, lang in enumerate(langs) if lang is None]
    if todo:
        found = _lingua().detect_languages_in_parallel_of([pieces[k][1] for k in todo])
        for k, lang in zip(todo, found, strict=True):
            langs[k] = lang.iso_code_639_1.name.lower() if lang else None
    totals: list[Counter[str]] = [Counter() for _ in texts]
    for (i, _, w), lang in zip(pieces, langs, strict=True):
        if lang:
            totals[i][lang] += w
    return [_shares(c) for c in totals]


def _shares(counts: Counter[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: round(v / total, 3) for k, v in counts.most_common()} if total else {}


def dominant(shares: dict[str, float], default: str = "und") -> str:
    return next(iter(shares), default)
