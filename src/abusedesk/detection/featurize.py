"""One text in, everything the cheap stage needs out: prepared text, PII spans, concept matches, tokens.

Training and inference call the same function, so the model never sees features built differently from
the ones it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

from abusedesk.detection import lexicon, pii
from abusedesk.detection.prepare import prepare
from abusedesk.sdk.detection import PreparedText, Span


@dataclass(frozen=True)
class Features:
    prepared: PreparedText
    pii: list[Span]
    matches: list[lexicon.Match]
    tokens: str


def featurize(text: str, lang: str, prepared: PreparedText | None = None) -> Features:
    t = prepared or prepare(text, lang)
    spans = pii.find_pii(t)
    found = lexicon.matches(t, lang)
    return Features(t, spans, found, lexicon.concept_tokens(t, found, spans, lang))
