"""Doxxing: personal data of a private person in a context that exposes them.

A phone number or an address alone is not doxxing: a shop's address, a support email or someone sharing
their own number are ordinary. The model scores the context around the personal data (a third person,
"lives at", "real name", employer, school, family, daily routine, calls to act) against business and
first-person cues ("our office", "call me"). Rule on top: without any personal-data span, at least one
kind of context (employer, school, routine, family) is needed, otherwise the score is capped below the
threshold: a name alone is not doxxing.
"""

from __future__ import annotations

import re

from abusedesk.detection import scoring
from abusedesk.detection.detectors import examples as contract
from abusedesk.detection.detectors.base import _trim, explain, explanation
from abusedesk.detection.lexicon import LEXICON_LANGS, Match, sentence_concepts
from abusedesk.detection.targets import extract_targets
from abusedesk.sdk.detection import Detector, Finding, PreparedText, Span

CONTEXT = ("employer", "school", "routine", "family")
_TAIL = re.compile(r"[^.,;:!?؟،\n]{0,40}")


LOCATING = ("address", "coordinates", "licence_plate")
BUSINESS = ("business",)


class DoxxingDetector(Detector):
    name = "doxxing"
    version = "2.0"
    categories = ("doxxing",)
    languages = LEXICON_LANGS
    examples = contract.DOXXING

    def detect(self, text: PreparedText) -> list[Finding]:
        if not self.handles(text.lang) or not text.form.strip():
            return []
        s = scoring.scored(text)
        score = s.scores["doxxing"]
        pii = s.features.pii
        own = s.features.prepared  # the poster's own words; its offsets index the original text
        context = context_spans(own, s.features.matches)
        kinds = {sp.type for sp in context}
        rule = "doxxing.model"
        if not pii and not kinds and score >= 0.5:
            score, rule = 0.45, "doxxing.needs_personal_data"
        business = _business_sentences(own, s.features.matches)
        private = [sp for sp in pii if sp.type in LOCATING and not _inside(sp, business)]
        if pii and score >= 0.5 and not private and not kinds and any(sp.type in LOCATING for sp in pii):
            score, rule = 0.45, "doxxing.business_location"
        spans: list[Span] = []
        words: list[str] = []
        features: list[str] = []
        if score >= 0.5:
            targets = extract_targets(text, exclude=pii)
            names = [sp for tg in targets for sp in tg.spans if sp.type == "person_name"]
            spans = sorted([*names, *context, *private], key=lambda sp: sp.start)
            words, features = explain(s, "doxxing")
        return [self.finding("doxxing", score, spans, **explanation(s, "doxxing", rule), words=words,
                             features=features, personal_data=sorted({sp.type for sp in pii}),
                             context=sorted(kinds), private_location=bool(private) and score >= 0.5)]


def _business_sentences(text: PreparedText, found: list[Match]) -> list[tuple[int, int]]:
    """Original-text ranges of the sentences that read as a business, an office or a public listing."""
    out = []
    for start, end, concepts in sentence_concepts(text, found):
        if concepts & set(BUSINESS):
            out.append(text.to_original(start, end))
    return out


def _inside(span: Span, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= span.start and span.end <= b + 1 for a, b in ranges)


def context_spans(text: PreparedText, found: list[Match]) -> list[Span]:
    """Employer, school, routine and family cues, each extended over the words that follow it."""
    out = []
    for m in found:
        if m.concept not in CONTEXT:
            continue
        end = m.end
        if m.concept in ("employer", "school", "routine"):
            tail = _TAIL.match(text.form, end)
            end = min(len(text.form), tail.end()) if tail else end
            end = _word_limit(text.form, m.start, end, 7)
        a, b = _trim(text.form, m.start, end)
        if b > a:
            out.append(text.span(a, b, m.concept))
    return _dedupe(out)


def _word_limit(form: str, start: int, end: int, words: int) -> int:
    pieces = list(re.finditer(r"\S+", form[start:end]))
    return start + pieces[min(words, len(pieces)) - 1].end() if pieces else end


def _dedupe(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if not out or s.start >= out[-1].end:
            out.append(s)
    return out
