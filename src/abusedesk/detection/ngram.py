"""Char n-gram, word n-gram and concept logistic-regression model: the cheap stage for en/es/ar.

Three hashed blocks (no vocabulary to ship: the model file is the IDF vector plus one weight row per label,
a few MB, loaded in milliseconds): character 2-5-grams (robust to spelling), word 1-2-grams, and the
concept tokens of lexicon.py (which generalise beyond the training templates). Each block is
l2-normalised on its own and weighted, so a long text's hundreds of char n-grams cannot drown the handful
of concept tokens. Inputs are the detection form with handles, URLs and digits masked.
The same hashing explains a score: each n-gram of the text is hashed again and its contribution
(weight x tf-idf value) ranked.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # neither scipy nor scikit-learn ships type information: both names stand for Any
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**17
N_CONCEPTS = 2**12
CHAR_RANGE = (2, 5)
WORD_RANGE = (1, 2)
#: block weights (char, word, concept); chosen on template-grouped out-of-fold F1, see docs/detection.md
DEFAULT_WEIGHTS = (0.35, 0.5, 1.0)
_HANDLE = re.compile(r"@\w+|\[user\]")
_URL = re.compile(r"https?://\S+|\[url\]")
_DIGIT = re.compile(r"\d")


def model_input(form: str) -> str:
    """Mask what varies without meaning: handles, URLs and digits."""
    return _DIGIT.sub("0", _URL.sub(" url ", _HANDLE.sub(" @user ", form)))


def vectorizers() -> tuple[HashingVectorizer, HashingVectorizer, HashingVectorizer]:
    from sklearn.feature_extraction.text import HashingVectorizer

    common = {"alternate_sign": False, "norm": None, "lowercase": False, "dtype": np.float32}
    return (
        HashingVectorizer(analyzer="char_wb", ngram_range=CHAR_RANGE, n_features=N_FEATURES, **common),
        HashingVectorizer(analyzer="word", ngram_range=WORD_RANGE, token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regex, not a password
                          n_features=N_FEATURES, **common),
        HashingVectorizer(analyzer=str.split, n_features=N_CONCEPTS, **common),
    )


def raw_features(texts: Sequence[str], concepts: Sequence[str]) -> csr_matrix:
    """Sublinear term counts of the three blocks side by side (before IDF)."""
    import scipy.sparse as sp

    char, word, concept = vectorizers()
    inputs = [model_input(t) for t in texts]
    x = sp.hstack([char.transform(inputs), word.transform(inputs), concept.transform(list(concepts))],
                  format="csr", dtype=np.float32)
    x.data = (1.0 + np.log(x.data)).astype(np.float32)
    return x


BLOCKS = ((0, N_FEATURES), (N_FEATURES, 2 * N_FEATURES), (2 * N_FEATURES, 2 * N_FEATURES + N_CONCEPTS))


def apply_idf(x: csr_matrix, idf: NDArray[np.float32], weights: Sequence[float]) -> csr_matrix:
    """Multiply by IDF, l2-normalise each block separately, then weight the blocks."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    x = sp.csr_matrix(x.multiply(idf))
    parts = [normalize(x[:, a:b], norm="l2") * w for (a, b), w in zip(BLOCKS, weights, strict=True)]
    return sp.hstack(parts, format="csr", dtype=np.float32)


@dataclass
class NgramModel:
    labels: tuple[str, ...]
    idf: NDArray[np.float32]
    coef: NDArray[np.float32]  # (n_labels, n_features)
    intercept: NDArray[np.float32]  # (n_labels,)
    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    model_id: str = "ngram-lr"
    thresholds: dict[str, float] = field(default_factory=dict)

    def features(self, texts: Sequence[str], concepts: Sequence[str]) -> csr_matrix:
        return apply_idf(raw_features(texts, concepts), self.idf, self.weights)

    def predict(self, texts: Sequence[str], concepts: Sequence[str]) -> NDArray[np.floating[Any]]:
        """Probabilities, shape (len(texts), len(labels))."""
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logits: NDArray[np.float32] = np.asarray(self.features(texts, concepts) @ self.coef.T) + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def explain(self, text: str, concepts: str, label: str, k: int = 6, row: csr_matrix | None = None) -> list[str]:
        """The concepts and words of `text` that pushed `label` up most, strongest first.

        `row` is the text's feature row if the caller kept it (saves featurising twice). Only concept
        tokens and word n-grams are named: char n-gram fragments do not help an analyst.
        """
        j = self.labels.index(label)
        x = row if row is not None else self.features([text], [concepts])
        x = x.tocsr()
        weights = self.coef[j, x.indices] * x.data
        top = {int(i): float(v) for i, v in zip(x.indices, weights, strict=True) if v > 0}
        _, word, concept = vectorizers()
        scored: dict[str, float] = {}
        for offset, vec, source, size in ((2 * N_FEATURES, concept, concepts, N_CONCEPTS),
                                          (N_FEATURES, word, model_input(text), N_FEATURES)):
            for g in vec.build_analyzer()(source):
                idx = offset + _index(g, size)
                if idx in top:
                    scored[g] = top[idx]
        return [g for g, _ in sorted(scored.items(), key=lambda t: -t[1])][:k]

    def save(self, path: Path) -> None:
        from abusedesk.detection.modelio import save_arrays

        save_arrays(path, {
            "labels": np.array(self.labels), "idf": self.idf.astype(np.float16),
            "coef": self.coef.astype(np.float16), "intercept": self.intercept.astype(np.float32),
            "weights": np.array(self.weights, dtype=np.float32),
        })

    @classmethod
    def load(cls, path: Path) -> NgramModel:
        with np.load(path) as z:
            return cls(tuple(str(x) for x in z["labels"]), z["idf"].astype(np.float32),
                       z["coef"].astype(np.float32), z["intercept"].astype(np.float32),
                       tuple(float(w) for w in z["weights"]), path.stem)


def _index(gram: str, size: int) -> int:
    """The column HashingVectorizer gives `gram` (FeatureHasher: abs(murmurhash3_32) mod n_features)."""
    from sklearn.utils import murmurhash3_32

    column: int = abs(murmurhash3_32(gram, seed=0)) % size
    return column


_lock = threading.Lock()
_cache: dict[str, NgramModel] = {}


def load_shipped(name: str = "ngram") -> NgramModel:
    """The model shipped in detection/models/, loaded once per process."""
    with _lock:
        if name not in _cache:
            from abusedesk.detection.modelio import model_path

            _cache[name] = NgramModel.load(model_path(f"{name}.npz"))
        return _cache[name]
