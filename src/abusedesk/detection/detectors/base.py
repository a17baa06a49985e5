"""Shared logic of the built-in cheap-stage detectors (threat, doxxing, harassment, hate)."""

from __future__ import annotations

from typing import ClassVar

from abusedesk.detection import scoring
from abusedesk.detection.lexicon import LEXICON_LANGS, Match, sentence_concepts
from abusedesk.sdk.detection import Detector, Finding, PreparedText, Span


class CheapCategoryDetector(Detector):
    """Scores one category with the n-gram + concept model; spans the sentence its anchor concepts are in.

    Subclasses set `category` (and `categories = (category,)`), `anchors` (concepts that locate the
    evidence) and `span_type`.
    """

    version = "2.0"
    languages = LEXICON_LANGS
    category: ClassVar[str]
    anchors: ClassVar[tuple[str, ...]]
    span_type: ClassVar[str]

    def detect(self, text: PreparedText) -> list[Finding]:
        if not self.handles(text.lang) or not text.form.strip():
            return []
        s = scoring.scored(text)
        score = s.scores[self.category]
        spans: list[Span] = []
        words: list[str] = []
        features: list[str] = []
        if score >= 0.5:
            spans = self.evidence(s.features.prepared, s.features.matches)
            words, features = explain(s, self.category)
        return [self.finding(self.category, score, spans, **explanation(s, self.category, f"{self.name}.model"),
                             words=words, features=features)]

    def evidence(self, text: PreparedText, found: list[Match]) -> list[Span]:
        """The sentences holding the most anchor concepts (at most two)."""
        ranked = []
        for start, end, concepts in sentence_concepts(text, found):
            hits = len(concepts & set(self.anchors))
            if hits:
                ranked.append((-hits, start, end))
        out = []
        for _, start, end in sorted(ranked)[:2]:
            a, b = _trim(text.form, start, end)
            if b > a:
                out.append(text.span(a, b, self.span_type))
        return sorted(out, key=lambda s: s.start)


def explanation(s: scoring.Scored, category: str, rule: str) -> dict[str, object]:
    """What every model-based finding records: models, stage, the scores before blending, others' words."""
    out: dict[str, object] = {
        "model": f"ngram-{s.model_lang}" + ("+use-mlp" if s.encoder is not None else ""), "rule": rule,
        "stage": s.stage, "raw_score": round(s.raw[category], 4), "linear_score": round(s.linear[category], 4),
    }
    if s.encoder is not None:
        out["encoder_score"] = round(s.encoder[category], 4)
    if s.reported:
        out["others_words"] = [{"start": a, "end": b, "kind": kind} for a, b, kind in s.reported]
    return out


def explain(cheap: scoring.Scored, category: str, k: int = 8) -> tuple[list[str], list[str]]:
    """(words, features): the text's words behind the strongest model features, and those features.

    Concept features (c_violence__fut) are translated back into the words that matched the concepts, so
    the analyst sees "kill", "will", not feature names; personal-data features become their span types.
    """
    from abusedesk.detection.ngram import load_shipped

    f = cheap.features
    features = load_shipped(f"ngram-{cheap.model_lang}").explain(f.prepared.form, f.tokens, category, k=k,
                                                                   row=cheap.row)
    by_concept: dict[str, list[str]] = {}
    for m in f.matches:
        by_concept.setdefault(m.concept, []).append(m.text.strip())
    words: list[str] = []
    for feat in features:
        if feat.startswith("c_"):
            parts = feat[2:].split("__")
            candidates = [w for c in parts for w in by_concept.get(c, [])]
        elif feat.startswith("p_"):
            candidates = [] if feat.startswith("p_any") else [feat[2:]]
        else:
            candidates = [feat]
        words.extend(w for w in candidates if w and w not in words)
    return words[:k], features


def _trim(form: str, start: int, end: int) -> tuple[int, int]:
    while start < end and form[start].isspace():
        start += 1
    while end > start and form[end - 1].isspace():
        end -= 1
    return start, end
