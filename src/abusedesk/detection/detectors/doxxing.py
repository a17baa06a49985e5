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
from abusedesk.detection.detectors.base import _trim, explain
from abusedesk.detection.lexicon import LEXICON_LANGS, Match
from abusedesk.detection.targets import extract_targets
from abusedesk.sdk.detection import Detector, Finding, PreparedText, Span

CONTEXT = ("employer", "school", "routine", "family")
_TAIL = re.compile(r"[^.,;:!?؟،\n]{0,40}")


class DoxxingDetector(Detector):
    name = "doxxing"
    version = "1.0"
    categories = ("doxxing",)
    languages = LEXICON_LANGS

    def detect(self, text: PreparedText) -> list[Finding]:
        if not self.handles(text.lang) or not text.form.strip():
            return []
        cheap = scoring.cheap(text)
        score = cheap.scores["doxxing"]
        context = context_spans(text, cheap.features.matches)
        kinds = {s.type for s in context}
        rule = "doxxing.model"
        if not cheap.features.pii and not kinds and score >= 0.5:
            score, rule = 0.45, "doxxing.needs_personal_data"
        spans: list[Span] = []
        words: list[str] = []
        features: list[str] = []
        if score >= 0.5:
            targets = extract_targets(text, exclude=cheap.features.pii)
            names = [s for tg in targets for s in tg.spans if s.type == "person_name"]
            spans = sorted([*names, *context], key=lambda s: s.start)
            words, features = explain(cheap, "doxxing")
        return [self.finding("doxxing", score, spans, model="ngram-lr", rule=rule, stage="cheap",
                             raw_score=round(cheap.raw["doxxing"], 4), words=words, features=features,
                             personal_data=sorted({s.type for s in cheap.features.pii}), context=sorted(kinds))]


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
