"""Shared, cached model scores for a prepared text: the cheap stage and the encoder stage.

Several detectors read the same model outputs; computing them once per text (and in batches for
`analyse_many`) is what keeps classify above 300 texts/s. Scores are normalised so that each language's
decision threshold maps to 0.5 (`normalise`), so every built-in finding can be read the same way:
>= 0.5 means "above this category's threshold for this language".
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from abusedesk.detection.featurize import Features, featurize
from abusedesk.detection.lexicon import LEXICON_LANGS
from abusedesk.sdk.detection import PreparedText

CATEGORIES = ("threat", "doxxing", "harassment", "hate")
#: normalised cheap threat scores in this band are also sent to the encoder (the cascade)
#: Off by default (empty band): on two cores the encoder (~10-40 texts/s on 20-80-word texts) would take
#: the en/es/ar throughput below 300 texts/s for +0.0-0.04 threat F1 (docs/detection.md).
#: ABUSEDESK_DETECTION_CASCADE_BAND=0.3,0.7 turns it on for deployments with cores to spare.
UNCERTAIN_BAND = tuple(float(x) for x in os.environ.get("ABUSEDESK_DETECTION_CASCADE_BAND", "1,1").split(","))


def normalise(score: float, threshold: float) -> float:
    """Piecewise-linear map sending 0 -> 0, threshold -> 0.5, 1 -> 1."""
    t = min(max(threshold, 1e-3), 1 - 1e-3)
    return score / (2 * t) if score < t else 0.5 + (score - t) / (2 * (1 - t))


@dataclass(frozen=True)
class Cheap:
    features: Features
    raw: dict[str, float]
    scores: dict[str, float]  # normalised
    row: object = None  # the model's feature row (scipy sparse), kept for explanations


class _LRU:
    def __init__(self, size: int = 4096) -> None:
        self.size, self.data, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.data[key] = value
            if len(self.data) > self.size:
                self.data.popitem(last=False)


_cheap = _LRU()
_enc = _LRU()
_lock = threading.Lock()
_thresholds: dict = {}


def thresholds() -> dict:
    with _lock:
        if not _thresholds:
            from abusedesk.detection.modelio import model_path

            _thresholds.update(json.loads(model_path("thresholds.json").read_text("utf-8")))
        return _thresholds


def _threshold(stage: str, lang: str, category: str) -> float:
    table = thresholds().get(stage, {})
    by_lang = table.get(lang) or table.get("en") or {}
    return float(by_lang.get(category, 0.5))


def _key(t: PreparedText) -> tuple[str, str]:
    return (t.original, t.lang)


def prime_cheap(texts: Sequence[PreparedText]) -> None:
    """Score every text not yet cached in one vectorised call."""
    from abusedesk.detection.ngram import load_shipped

    todo = [t for t in texts if _cheap.get(_key(t)) is None]
    if not todo:
        return
    feats = [featurize(t.original, t.lang, t) for t in todo]
    model = load_shipped()
    x = model.features([f.prepared.form for f in feats], [f.tokens for f in feats])
    probs = 1.0 / (1.0 + np.exp(-(np.asarray(x @ model.coef.T) + model.intercept)))
    for i, (t, f, row) in enumerate(zip(todo, feats, probs, strict=True)):
        raw = {c: float(p) for c, p in zip(CATEGORIES, row, strict=True)}
        lang = t.lang if t.lang in LEXICON_LANGS else "en"
        scores = {c: normalise(raw[c], _threshold("ngram", lang, c)) for c in CATEGORIES}
        _cheap.put(_key(t), Cheap(f, raw, scores, x[i]))


def cheap(t: PreparedText) -> Cheap:
    hit = _cheap.get(_key(t))
    if hit is None:
        prime_cheap([t])
        hit = _cheap.get(_key(t))
    return hit


def needs_encoder(t: PreparedText) -> bool:
    """The cascade rule: other languages always; en/es/ar only when the cheap threat score is uncertain.

    "und" (no letters at all) never goes to the encoder: there is nothing for it to read.
    """
    if t.lang == "und":
        return False
    if t.lang not in LEXICON_LANGS:
        return True
    lo, hi = UNCERTAIN_BAND
    return lo <= cheap(t).scores["threat"] < hi


def prime_encoder(texts: Sequence[PreparedText]) -> None:
    from abusedesk.detection import encoder

    head = encoder.load_shipped()
    todo = [t for t in texts if head is not None and needs_encoder(t) and _enc.get(_key(t)) is None]
    if not todo:
        return
    probs = head.predict([t.original for t in todo])
    for t, row in zip(todo, probs, strict=True):
        lang = t.lang if t.lang in LEXICON_LANGS else "other"
        scores = {c: normalise(float(p), _threshold("encoder", lang, c)) for c, p in zip(CATEGORIES, row, strict=True)}
        _enc.put(_key(t), scores)


def encoder_scores(t: PreparedText) -> dict[str, float] | None:
    """Normalised encoder scores when the cascade sends `t` to the encoder and it is installed, else None."""
    if not needs_encoder(t):
        return None
    hit = _enc.get(_key(t))
    if hit is None:
        prime_encoder([t])
        hit = _enc.get(_key(t))
    return hit


def as_array(scores: dict[str, float]) -> np.ndarray:
    return np.array([scores[c] for c in CATEGORIES], dtype=np.float32)
