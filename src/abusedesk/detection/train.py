"""`abusedesk detection train`: reproduce every shipped model from data the project has.

Data (detection/corpus.py): the real public sets — ThreatGram101, EDOS, ETHOS, MLMA, MPOLD, Davidson and the
Multilingual HateCheck languages in `MHC_TRAIN_LANGS` — plus the project's own contrast sets in en, es and ar
(detection/generate.py). Only `train` rows are used; every `dev` row, the held-out MHC languages and the contrast
sets' evaluation split are never trained on.

What is trained:
- one linear model per language (`ngram-<lang>.npz`): hashed char 2-5-grams, word 1-2-grams and lexicon concept
  tokens, one logistic regression per head. Spanish has no real labelled data of its own, so its model also reads
  the Romance rows (French, Italian, Portuguese), which share much of its spelling;
- logistic heads on the multilingual sentence encoder (`encoder_head.npz`), on every language at once: this is what
  carries Spanish and Arabic threats, which have little training data of their own;
- per language, the blend weight of the two stages and each head's decision threshold (`thresholds.json`), chosen on
  out-of-fold predictions of the training rows (never on a dev split): the F1-best threshold whose false-positive
  rate on that language's negatives stays under `FPR_CAP`.
Training is deterministic (liblinear, fixed folds, fixed zip timestamps): same inputs, same bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from abusedesk.detection.corpus import LABELS, MHC_TRAIN_LANGS, Corpus, build, read_generated, read_real

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix  # scipy ships no type information: the name stands for Any

    from abusedesk.detection.encoder import EncoderHead
    from abusedesk.detection.ngram import NgramModel
    from abusedesk.detection.scoring import Calibration

FOLDS = 3
MODEL_LANGS = ("en", "es", "ar")
#: the rows each language's linear model reads, by row language
LINEAR_ROWS = {"en": ("en",), "es": ("es", "pt", "it", "fr"), "ar": ("ar",)}
#: a threat threshold may not flag more than this share of a language's out-of-fold negatives
FPR_CAP = {"threat": 0.02, "doxxing": 0.03, "harassment": 1.0, "hate": 1.0}
#: the encoder's share of the blended score. Out-of-fold predictions come from the same sources as the training
#: rows, which flatters the linear stage (it memorises each source's surface forms); the encoder is what carries
#: meaning across sources and languages, so it gets at least half.
BLEND_GRID = (0.5, 0.6, 0.7)
log = logging.getLogger(__name__)


def _fit_heads(x: csr_matrix | NDArray[np.float32], corpus: Corpus, rows: NDArray[np.bool_], c: float
               ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    from sklearn.linear_model import LogisticRegression

    y, known = corpus.y, corpus.known
    coefs, intercepts = [], []
    for j in range(len(LABELS)):
        use = rows & known[:, j]
        if use.sum() < 20 or len(set(y[use, j])) < 2:
            coefs.append(np.zeros(x.shape[1], dtype=np.float32))
            intercepts.append(-8.0)  # a head with no data never fires
            continue
        clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=3000, random_state=0)
        clf.fit(x[use], y[use, j], sample_weight=corpus.weights[use])
        coefs.append(clf.coef_[0].astype(np.float32))
        intercepts.append(float(clf.intercept_[0]))
    return np.vstack(coefs), np.array(intercepts, dtype=np.float32)


def _sigmoid(z: NDArray[np.float32]) -> NDArray[np.floating[Any]]:
    return 1.0 / (1.0 + np.exp(-z))


def _out_of_fold(x: csr_matrix, corpus: Corpus, c: float) -> NDArray[np.float32]:
    folds = corpus.folds(FOLDS)
    oof = np.zeros((len(corpus.rows), len(LABELS)), dtype=np.float32)
    for k in range(FOLDS):
        held = folds == k
        coef, intercept = _fit_heads(x, corpus, ~held, c)
        oof[held] = _sigmoid(np.asarray(x[held] @ coef.T) + intercept)
    return oof


def fit_linear(corpus: Corpus, lang: str, *, c: float = 1.0) -> tuple[NgramModel, NDArray[np.float32]]:
    """(NgramModel, out-of-fold probabilities) for one language's linear model."""
    from abusedesk.detection.featurize import featurize
    from abusedesk.detection.ngram import DEFAULT_WEIGHTS, NgramModel, apply_idf, raw_features

    feats = [featurize(r.text, lang) for r in corpus.rows]
    raw = raw_features([f.prepared.form for f in feats], [f.tokens for f in feats])
    df = np.bincount(raw.indices, minlength=raw.shape[1]).astype(np.float64)
    idf = (np.log((1 + raw.shape[0]) / (1 + df)) + 1.0).astype(np.float32)
    x = apply_idf(raw, idf, DEFAULT_WEIGHTS)
    coef, intercept = _fit_heads(x, corpus, np.ones(len(corpus.rows), dtype=bool), c)
    return NgramModel(LABELS, idf, coef, intercept, DEFAULT_WEIGHTS, f"ngram-{lang}"), _out_of_fold(x, corpus, c)


HIDDEN = 256


def _balanced_rows(y: NDArray[np.int8], use: NDArray[np.bool_], seed: int) -> NDArray[np.intp]:
    """Row indices with every positive (at most 3 negatives' worth) and up to twice as many negatives."""
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(use & (y == 1)), np.flatnonzero(use & (y == 0))
    k = min(len(neg), max(2 * len(pos), 5000))
    neg = rng.choice(neg, k, replace=False)
    if len(pos) > 3 * k:
        pos = rng.choice(pos, 3 * k, replace=False)
    return np.sort(np.concatenate([pos, neg]))


def _fit_encoder_heads(x: NDArray[np.float32], corpus: Corpus, rows: NDArray[np.bool_]) -> EncoderHead:
    """Per head a ReLU network (sklearn's MLPClassifier, fixed seed) and a logistic regression, for EncoderHead."""
    from sklearn.neural_network import MLPClassifier

    from abusedesk.detection.encoder import EncoderHead

    y, known = corpus.y, corpus.known
    w1 = np.zeros((len(LABELS), x.shape[1], HIDDEN), dtype=np.float32)
    b1 = np.zeros((len(LABELS), HIDDEN), dtype=np.float32)
    coef = np.zeros((len(LABELS), HIDDEN), dtype=np.float32)
    intercept = np.full(len(LABELS), -8.0, dtype=np.float32)
    for j in range(len(LABELS)):
        use = rows & known[:, j]
        if (y[use, j] == 1).sum() < 20 or (y[use, j] == 0).sum() < 20:
            continue
        idx = _balanced_rows(y[:, j], use, seed=j)
        clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), alpha=1e-3, early_stopping=True, random_state=0,
                            max_iter=200)
        clf.fit(x[idx], y[idx, j])
        w1[j], b1[j] = clf.coefs_[0], clf.intercepts_[0]
        coef[j], intercept[j] = clf.coefs_[1][:, 0], clf.intercepts_[1][0]
    lr_coef, lr_intercept = _fit_heads(x, corpus, rows, 1.0)
    return EncoderHead(LABELS, w1, b1, coef, intercept, lr_coef, lr_intercept)


def cached_embed(texts: list[str]) -> NDArray[np.float32]:
    """Embeddings, reusing ABUSEDESK_TRAIN_CACHE/embeddings.npz (keyed by SHA-1 of the text) when that variable
    names a folder: re-training after a change to the heads then skips the slowest step."""
    import os

    from abusedesk.detection.encoder import embed

    folder = os.environ.get("ABUSEDESK_TRAIN_CACHE")
    if not folder:
        return embed(texts)
    path = Path(folder) / "embeddings.npz"
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]  # noqa: S324 - a cache key, not security
    known: dict[str, NDArray[np.floating[Any]]] = {}  # float16 rows from the file, float32 fresh ones
    if path.exists():
        with np.load(path) as z:
            known = dict(zip((str(k) for k in z["keys"]), z["vectors"], strict=True))
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if todo:
        known.update(zip((k for k, _ in todo), embed([t for _, t in todo]), strict=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=np.array(list(known)), vectors=np.vstack(list(known.values())).astype(np.float16))
    return np.vstack([known[k] for k in keys]).astype(np.float32)


def focused(corpus: Corpus) -> list[str]:
    """The text the encoder reads for each row, chosen exactly as at run time (scoring.focus)."""
    from abusedesk.detection.featurize import featurize
    from abusedesk.detection.scoring import FOCUS_CHARS, MODEL_LANGS, focus

    return [focus(r.text, featurize(r.text, r.lang if r.lang in MODEL_LANGS else "en"))
            if len(r.text) > FOCUS_CHARS else r.text for r in corpus.rows]


def fit_encoder(corpus: Corpus) -> tuple[EncoderHead, NDArray[np.float32]]:
    """(EncoderHead, out-of-fold probabilities) on multilingual sentence embeddings."""
    x = cached_embed(focused(corpus))
    head = _fit_encoder_heads(x, corpus, np.ones(len(corpus.rows), dtype=bool))
    folds = corpus.folds(FOLDS)
    oof = np.zeros((len(corpus.rows), len(LABELS)), dtype=np.float32)
    for k in range(FOLDS):
        held = folds == k
        oof[held] = _fit_encoder_heads(x, corpus, ~held).predict_embedded(x[held])
    return head, oof


def best_threshold(y: NDArray[np.int8], p: NDArray[np.floating[Any]], cap: float, *,
                   ordinary: NDArray[np.bool_] | None = None) -> float:
    """The F1-best threshold on a grid whose false-positive rate on `ordinary` negatives (all, by default) stays at
    or under `cap` (0.5 without data)."""
    if y.sum() == 0 or (y == 0).sum() == 0:
        return 0.5
    negatives = (y == 0) & (ordinary if ordinary is not None else True)
    grid = np.round(np.arange(0.3, 0.96, 0.025), 3)
    best, best_f1 = float(grid[-1]), -1.0
    for t in grid:
        pred = p >= t
        fpr = float((pred & negatives).sum()) / max(1, int(negatives.sum()))
        f1 = 2 * float((pred & (y == 1)).sum()) / max(1.0, float(y.sum()) + float(pred.sum()))
        if fpr <= cap and f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def _ordinary(corpus: Corpus) -> NDArray[np.bool_]:
    """Rows that are not hard negatives: the false-positive cap is about ordinary posts (hard negatives — quotes,
    figurative speech, calls for jail — are reported on their own and weigh in through F1)."""
    return np.array([r.hn_type in ("", "neutral") for r in corpus.rows])


def _calibrate_rows(y: NDArray[np.int8], known: NDArray[np.bool_], ordinary: NDArray[np.bool_], rows: NDArray[np.bool_],
                    blend: NDArray[np.floating[Any]]) -> tuple[float, dict[str, float]]:
    th, f1 = {}, 0.0
    for j, lab in enumerate(LABELS):
        use = rows & known[:, j]
        # the threat cap is about ordinary posts (benign posts flagged as threats); hard negatives weigh in via F1
        th[lab] = best_threshold(y[use, j], blend[use, j], FPR_CAP[lab],
                                 ordinary=ordinary[use] if lab == "threat" else None)
        f1 += _f1(y[use, j], blend[use, j] >= th[lab])
    return f1, th


def calibrate(corpus: Corpus, lin: dict[str, NDArray[np.float32]], enc: NDArray[np.float32],
              grid: tuple[float, ...] = BLEND_GRID) -> dict[str, Calibration]:
    """Per language: blend weight of the encoder and each head's threshold on the blended score.

    A language is calibrated on the rows its linear model reads (`LINEAR_ROWS`): Spanish, whose own rows are only
    the contrast sets, also on the French and Italian rows, so that its thresholds come from real posts too.
    `lin[lang]` holds that model's out-of-fold probabilities for every row (NaN where it did not read the row).
    "other" (languages scored by the encoder alone) is calibrated on the HateCheck training languages and French.
    """
    langs = np.array(corpus.langs)
    y, known, ordinary = corpus.y, corpus.known, _ordinary(corpus)
    out: dict[str, Calibration] = {}
    for lang in MODEL_LANGS:
        rows = np.isin(langs, LINEAR_ROWS[lang]) & ~np.isnan(lin[lang][:, 0])
        if not rows.any():
            continue
        best = max(((_calibrate_rows(y, known, ordinary, rows, (1 - w) * lin[lang] + w * enc), w) for w in grid),
                   key=lambda b: b[0][0])
        out[lang] = {"encoder_weight": best[1], "threshold": best[0][1]}
    other = np.isin(langs, MHC_TRAIN_LANGS)  # French is among them, with MLMA's French rows
    if other.any() and grid != (0.0,):
        out["other"] = {"encoder_weight": 1.0, "threshold": _calibrate_rows(y, known, ordinary, other, enc)[1]}
    return out


def _f1(y: NDArray[np.int8], pred: NDArray[np.bool_]) -> float:
    tp = float((y.astype(bool) & pred).sum())
    return 2 * tp / max(1.0, float(y.sum()) + float(pred.sum()))


def _keep_oof(lin: dict[str, NDArray[np.float32]], enc: NDArray[np.float32]) -> None:
    """With ABUSEDESK_TRAIN_CACHE, keep the out-of-fold predictions (to study calibration without re-training)."""
    import os

    folder = os.environ.get("ABUSEDESK_TRAIN_CACHE")
    if folder:
        # the keys (lin_<lang>) never name savez's own allow_pickle argument, which mypy cannot tell
        np.savez(Path(folder) / "oof.npz", enc=enc, **{f"lin_{k}": v for k, v in lin.items()})  # type: ignore[arg-type]


def training_corpus(data: Path, *, per_family: int) -> Corpus:
    rows = [r for r in read_real(data) if r.split == "train"]
    rows += list(read_generated("train", per_family=per_family))
    return build(rows)


def train_all(out: Path, data: Path, *, per_family: int = 120, encoder: bool = True) -> dict[str, str]:
    """Train and write ngram-<lang>.npz, encoder_head.npz and thresholds.json; return {file: sha256}."""
    out.mkdir(parents=True, exist_ok=True)
    corpus = training_corpus(data, per_family=per_family)
    log.info("training rows: %d", len(corpus.rows))
    langs = np.array(corpus.langs)
    enc_oof = np.zeros((len(corpus.rows), len(LABELS)), dtype=np.float32)
    if encoder:
        head, enc_oof = fit_encoder(corpus)
        head.save(out / "encoder_head.npz")
        log.info("encoder head trained")
    lin_oof: dict[str, NDArray[np.float32]] = {}
    for lang in MODEL_LANGS:
        part = np.isin(langs, LINEAR_ROWS[lang])
        model, oof = fit_linear(corpus.subset(part), lang)
        model.save(out / f"ngram-{lang}.npz")
        lin_oof[lang] = np.full(enc_oof.shape, np.nan, dtype=np.float32)
        lin_oof[lang][np.flatnonzero(part)] = oof
        log.info("linear model %s trained on %d rows", lang, int(part.sum()))
    _keep_oof(lin_oof, enc_oof)
    table = calibrate(corpus, lin_oof, enc_oof, BLEND_GRID if encoder else (0.0,))
    meta = {"_source": "computed by `abusedesk detection train` from out-of-fold predictions on training rows",
            "languages": table}
    (out / "thresholds.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir()) if p.is_file()}
