"""The scoring cascade, shared by the built-in detectors and computed once per text (in batches).

1. **Whose words.** Quoted and reported speech is blanked out (`speech.mask`): a post is judged on its poster's
   own words; the blanked stretches are kept for the explanation.
2. **Linear stage, every text.** The text's language model (`ngram-<lang>.npz`: char and word n-grams plus lexicon
   concepts). A mixed-language text is also read by the model of each other language that holds at least
   `MIXED_SHARE` of it, and the higher score wins per head.
3. **Encoder stage, under a budget.** Texts whose linear scores are near a decision threshold (normalised score in
   `BAND`), texts in a language with no linear model, and Spanish texts (whose linear model has little real data)
   go to the multilingual sentence encoder, most uncertain first, at most `ABUSEDESK_DETECTION_ENCODER_SHARE` of a
   batch (default 0.8; a batch of one text may always use it; a language with no linear model is always encoded,
   since nothing else reads it). Their score is the per-language blend
   ``(1 - w) * linear + w * encoder``; the others keep the linear score.
4. **Normalise.** Each head's per-language threshold maps to 0.5, so every built-in finding reads the same way:
   >= 0.5 means "above this category's threshold for this language".
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypedDict, TypeVar

import numpy as np

from abusedesk.detection.featurize import Features, featurize
from abusedesk.detection.lexicon import LEXICON_LANGS, SENTENCE
from abusedesk.sdk.detection import PreparedText

if TYPE_CHECKING:  # scipy ships no type information: the name stands for Any
    from scipy.sparse import csr_matrix

CATEGORIES = ("threat", "doxxing", "harassment", "hate")
MODEL_LANGS = ("en", "es", "ar")
#: languages the multilingual encoder covers that have no linear model, scored by the encoder alone: those where it
#: keeps its contract examples (threats against one person in German, Italian, Polish, Turkish, Dutch and Chinese
#: were missed or scored on the threshold, and an everyday Russian sentence scored as a threat: left out until a
#: model keeps them)
OTHER_LANGS = ("fr", "pt")
MIXED_SHARE = 0.2
BAND = (0.2, 0.8)
#: languages whose linear model is trained on little real data: always offered to the encoder (within budget)
ENCODER_FIRST = ("es",)


#: quoted or reported stretches blanked out of a text: (start, end, kind)
Reported = tuple[tuple[int, int, str], ...]


class Calibration(TypedDict):
    """One language's entry in thresholds.json."""

    encoder_weight: float  # the encoder's share of the blended score
    threshold: dict[str, float]  # per category, the blended score that counts as a finding


def encoder_share() -> float:
    try:
        return min(1.0, max(0.0, float(os.environ.get("ABUSEDESK_DETECTION_ENCODER_SHARE", "0.8"))))
    except ValueError:
        return 0.8


def normalise(score: float, threshold: float) -> float:
    """Piecewise-linear map sending 0 -> 0, threshold -> 0.5, 1 -> 1."""
    t = min(max(threshold, 1e-3), 1 - 1e-3)
    return score / (2 * t) if score < t else 0.5 + (score - t) / (2 * (1 - t))


@dataclass
class Scored:
    """Everything the detectors read about one text."""

    features: Features  # of the text the models read (own words only)
    model_lang: str  # the linear model that gave the winning threat score
    linear: dict[str, float]
    scores: dict[str, float]  # normalised final scores
    raw: dict[str, float] = field(default_factory=dict)  # final probabilities before normalising
    encoder: dict[str, float] | None = None
    reported: Reported = ()
    row: csr_matrix | None = None  # the linear model's feature row, for explanations

    @property
    def stage(self) -> str:
        return "cascade" if self.encoder is not None else "linear"


K = TypeVar("K")
V = TypeVar("V")


class _LRU(Generic[K, V]):
    def __init__(self, size: int = 4096) -> None:
        self.size, self.data, self.lock = size, OrderedDict[K, V](), threading.Lock()

    def get(self, key: K) -> V | None:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key: K, value: V) -> None:
        with self.lock:
            self.data[key] = value
            if len(self.data) > self.size:
                self.data.popitem(last=False)


_Key = tuple[str, str, tuple[tuple[str, float], ...]]
_cache = _LRU[_Key, Scored]()
_lock = threading.Lock()
_table: dict[str, Calibration] = {}


def thresholds() -> dict[str, Calibration]:
    with _lock:
        if not _table:
            from abusedesk.detection.modelio import model_path

            _table.update(json.loads(model_path("thresholds.json").read_text("utf-8"))["languages"])
        return _table


def _calibration(lang: str) -> Calibration:
    table = thresholds()
    return table.get(lang) or table.get("other") or table["en"]


def _key(t: PreparedText) -> _Key:
    return (t.original, t.lang, tuple(sorted(t.langs.items())))


def _model_langs(t: PreparedText) -> list[str]:
    """The linear models that read `t`: its language's, and those of other languages holding enough of it."""
    langs = [t.lang] if t.lang in MODEL_LANGS else []
    langs += [x for x, share in t.langs.items() if x in MODEL_LANGS and x not in langs and share >= MIXED_SHARE]
    return langs


def _own_words(t: PreparedText) -> tuple[PreparedText, Reported, str]:
    """(the text as the models read it, the masked spans, the poster's own words as plain text)."""
    from abusedesk.detection.prepare import prepare
    from abusedesk.detection.speech import mask

    masked = mask(t.original)
    if masked is None:
        return t, (), t.original
    p = prepare(masked.text, t.lang)
    own = PreparedText(t.original, p.form, p.offsets, t.lang, t.controls, p.plain, p.plain_offsets, t.langs)
    return own, masked.spans, masked.text


def _linear(items: list[tuple[PreparedText, PreparedText]]) -> list[tuple[dict[str, float], str, Features, csr_matrix]]:
    """Per text: (best probabilities per head over its models, model language of the threat score, features, row)."""
    from abusedesk.detection.ngram import load_shipped

    cands: list[list[tuple[dict[str, float], str, Features, csr_matrix]]] = [[] for _ in items]
    by_lang: dict[str, list[int]] = {}
    for i, (t, _) in enumerate(items):
        for lang in _model_langs(t) or ["en"]:
            by_lang.setdefault(lang, []).append(i)
    for lang, idx in by_lang.items():
        model = load_shipped(f"ngram-{lang}")
        feats = [featurize(items[i][1].original, lang, _as_lang(items[i][1], lang)) for i in idx]
        x = model.features([f.prepared.form for f in feats], [f.tokens for f in feats])
        probs = 1.0 / (1.0 + np.exp(-(np.asarray(x @ model.coef.T) + model.intercept)))
        for k, (i, f, p) in enumerate(zip(idx, feats, probs, strict=True)):
            cands[i].append((dict(zip(CATEGORIES, (float(v) for v in p), strict=True)), lang, f, x[k]))
    out = []
    for found in cands:
        best = max(found, key=lambda c: c[0]["threat"])
        merged = {c: max(x[0][c] for x in found) for c in CATEGORIES}
        out.append((merged, best[1], best[2], best[3]))
    return out


def _as_lang(t: PreparedText, lang: str) -> PreparedText:
    if t.lang == lang:
        return t
    return PreparedText(t.original, t.form, t.offsets, lang, t.controls, t.plain, t.plain_offsets, t.langs)


def _uncertainty(t: PreparedText, linear: dict[str, float]) -> float | None:
    """How close the linear scores are to a threshold (0 = on it), or None when the text need not be encoded."""
    if t.lang not in MODEL_LANGS:
        return -1.0 if t.lang in OTHER_LANGS else None
    if t.lang in ENCODER_FIRST:
        return -0.5  # after other languages, before the uncertain texts of languages with a strong linear model
    th = _calibration(t.lang)["threshold"]
    gaps = [abs(normalise(linear[c], th[c]) - 0.5) for c in ("threat", "harassment", "hate", "doxxing")]
    lo, hi = BAND
    if min(gaps) <= (hi - lo) / 2:
        return min(gaps)
    return None


def prime(texts: Sequence[PreparedText], *, as_one_by_one: bool = False) -> None:
    """Score every text not yet cached, in batches: linear for all, the encoder for the uncertain ones (within the
    budget; `as_one_by_one`: every uncertain text, as each would be if analysed alone, so batching only saves time)."""
    todo = [t for t in texts if _cache.get(_key(t)) is None and t.form.strip()]
    if not todo:
        return
    own = [_own_words(t) for t in todo]
    linear = _linear([(t, o[0]) for t, o in zip(todo, own, strict=True)])
    encoded = _encode(todo, own, [lin[0] for lin in linear], [lin[2] for lin in linear], as_one_by_one)
    for t, (_, spans, _), (probs, lang, feats, row), enc in zip(todo, own, linear, encoded, strict=True):
        _cache.put(_key(t), _final(t, probs, lang, feats, row, enc, spans))


FOCUS_CHARS = 400
FOCUS_SENTENCES = 2
#: concepts that point at the sentence worth encoding in a long post
FOCUS_CONCEPTS = frozenset({"violence", "incite", "veiled", "deadline", "cond", "insult", "pileon", "group", "dehum",
                            "home", "routine", "family", "employer", "school"})


def focus(text: str, features: Features) -> str:
    """What the encoder reads: a short text whole; of a long one, the (at most two) sentences holding the most
    threat, abuse or exposure concepts, in their order — a threat in one sentence of a long post is not diluted by
    the rest, and the encoder's cost stays bounded. Training embeds the same focus."""
    if len(text) <= FOCUS_CHARS:
        return text
    hits = [features.prepared.to_original(m.start, m.end)[0] for m in features.matches
            if m.concept in FOCUS_CONCEPTS]
    sentences = [(m.start(), m.end()) for m in SENTENCE.finditer(text) if m.group().strip()]
    ranked = sorted(sentences, key=lambda s: (-sum(s[0] <= h < s[1] for h in hits), s[0]))[:FOCUS_SENTENCES]
    picked = " ".join(text[a:b].strip() for a, b in sorted(ranked))
    return picked[:FOCUS_CHARS * 2] if picked.strip() else text[:FOCUS_CHARS]


def _encode(todo: list[PreparedText], own: list[tuple[PreparedText, Reported, str]], linear: list[dict[str, float]],
            feats: list[Features], as_one_by_one: bool = False) -> list[dict[str, float] | None]:
    from abusedesk.detection import encoder

    out: list[dict[str, float] | None] = [None] * len(todo)
    head = encoder.load_shipped()
    if head is None:
        return out
    ranked = sorted((u, i) for i, t in enumerate(todo)
                    if (u := _uncertainty(t, linear[i])) is not None)
    # a language with no linear model is always encoded (nothing else can read it); the budget is for the rest
    others = [i for u, i in ranked if u < -0.5]
    # alone, a text's budget is max(1, round(share)) = 1: every uncertain text is encoded
    budget = (len(todo) if as_one_by_one else max(1, round(encoder_share() * len(todo)))) if encoder_share() > 0 else 0
    chosen = others + [i for u, i in ranked if u >= -0.5][:max(0, budget - len(others))]
    if not chosen:
        return out
    probs = head.predict([focus(own[i][2], feats[i]) for i in chosen])
    for i, row in zip(chosen, probs, strict=True):
        out[i] = dict(zip(CATEGORIES, (float(v) for v in row), strict=True))
    return out


def _final(t: PreparedText, linear: dict[str, float], lang: str, feats: Features, row: csr_matrix,
           enc: dict[str, float] | None, spans: Reported) -> Scored:
    cal = _calibration(t.lang if t.lang in MODEL_LANGS else "other")
    if enc is None:
        raw = dict(linear)
    elif t.lang not in MODEL_LANGS:
        raw = dict(enc)
    else:
        w = float(cal["encoder_weight"])
        raw = {c: (1 - w) * linear[c] + w * enc[c] for c in CATEGORIES}
    scores = {c: normalise(raw[c], float(cal["threshold"][c])) for c in CATEGORIES}
    return Scored(feats, lang, linear, scores, raw, enc, spans, row)


def scored(t: PreparedText) -> Scored:
    hit = _cache.get(_key(t))
    if hit is None:
        prime([t])
        hit = _cache.get(_key(t))
    if hit is None:  # an empty text
        feats = featurize(t.original, t.lang if t.lang in LEXICON_LANGS else "en", t)
        zero = dict.fromkeys(CATEGORIES, 0.0)
        return Scored(feats, t.lang, zero, dict(zero), dict(zero))
    return hit


def warm() -> None:
    """Load every model now (workers call this at start, so no request or job pays for it)."""
    from abusedesk.detection import encoder
    from abusedesk.detection.ngram import load_shipped

    thresholds()
    for lang in MODEL_LANGS:
        load_shipped(f"ngram-{lang}")
    head = encoder.load_shipped()
    if head is not None:
        encoder.embed(["warm-up"])
