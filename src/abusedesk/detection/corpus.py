"""Training and evaluation corpora: real public data sets plus the project's own contrast sets.

Every row becomes (text, lang, source, split, y, known): `y` holds the four heads (threat, doxxing, harassment,
hate) and `known` says which of them the source actually labels, so a head is never trained on a guess. How each
source's labels map to the heads:

| source | threat | hate | harassment | doxxing |
|---|---|---|---|---|
| threatgram101 (en) | label 2 (violent) = 1; 0 and 1 (non-violent punishment) = 0 | unknown | unknown | unknown |
| edos (en) | threat = 1 | sexist (incl. threats) = 1 | unknown | unknown |
| ethos (en) | incites violence = 1 | hate (incl. threats) = 1 | unknown | unknown |
| mlma (en, fr, ar) | normal = 0, else unknown | hateful/offensive/... = 1 | unknown | unknown |
| mpold (ar) | non-offensive = 0, else unknown | HS sub-label = 1, non-offensive = 0 | offensive = 1 | unknown |
| davidson (en) | none = 0, else unknown | class 0 = 1, none = 0 | offensive or hate = 1 | unknown |
| mhc (8 languages) | threat = 1 | hateful (incl. threats) = 1 | unknown | unknown |
| own contrast sets (en, es, ar) | from the template family | same | same | same |

Real sources without a split of their own are split by the data's hash rule (80 % train, 20 % dev). Multilingual
HateCheck has one split per language, so its languages are divided instead: `MHC_TRAIN_LANGS` train the model (they
teach the encoder what a threat against a group and counter-speech look like in other languages; the Romance ones,
Portuguese and Italian above all, are the nearest thing to Spanish data the project has, and Spanish's linear model
reads them too), the others (Dutch, Hindi, Chinese) are held out entirely and measure transfer to languages the
model never saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Required, TypedDict

import numpy as np
from numpy.typing import NDArray

LABELS = ("threat", "doxxing", "harassment", "hate")
FILES = {
    "threatgram101": "threatgram101/threatgram101.jsonl",
    "edos": "edos/edos-train-dev.jsonl",
    "ethos": "ethos/ethos.jsonl",
    "mlma": "mlma/mlma.jsonl",
    "mpold": "mpold/mpold.jsonl",
    "davidson": "davidson/davidson.jsonl",
    "mhc": "mhc-dev/mhc-dev-languages.jsonl",
}
MHC_TRAIN_LANGS = ("de", "fr", "it", "pl", "pt")
MHC_DEV_LANGS = ("nl", "hi", "zh")
#: Davidson is 80 % profanity ("offensive"), which is not a threat and only weakly harassment: it would teach the
#: model that swearing is abuse, so its rows count for less.
SOURCE_WEIGHT = {"davidson": 0.35}
#: the contrast sets are the only source of threats against one person, veiled threats and doxxing, and a tenth of
#: the rows: each counts twice in the linear heads (the networks see balanced samples instead)
CONTRAST_WEIGHT = 2.0
U = -1  # unknown: the source does not label this head


class PublicRow(TypedDict, total=False):
    """One line of the public data format (docs/detection.md, 'Training data')."""

    text: Required[str]
    lang: Required[str]
    source: Required[str]
    label: Required[str]  # threat | hate_harassment | none
    split: str  # train | dev (Multilingual HateCheck has none: split by language)
    meta: dict[str, Any]  # functionality and what else the source records
    hn_type: str | None
    orig_label: dict[str, Any]  # the source's own labels, as it published them


@dataclass(frozen=True)
class Row:
    text: str
    lang: str
    source: str
    split: str
    y: tuple[int, int, int, int]  # 1 / 0 / U per head in LABELS
    functionality: str = ""
    hn_type: str = ""


def _heads(threat: int, harassment: int, hate: int, doxxing: int = U) -> tuple[int, int, int, int]:
    return (threat, doxxing, harassment, hate)


def map_real(r: PublicRow) -> tuple[int, int, int, int]:
    """The four heads for one row of the public data format (see the module table)."""
    source, label = r["source"], r["label"]
    threat = 1 if label == "threat" else 0
    if source == "threatgram101":
        return _heads(threat, U, U)
    if source in ("edos", "ethos", "mhc"):
        return _heads(threat, U, int(label != "none"))
    if source == "mlma":
        return _heads(0 if label == "none" else U, U, int(label != "none"))
    if source == "mpold":
        orig = str((r.get("orig_label") or {}).get("Vulgar:V/HateSpeech:HS/None:-", ""))
        if label == "none":
            return _heads(0, 0, 0)
        return _heads(U, 1, 1 if "HS" in orig else U)
    if source == "davidson":
        if label == "none":
            return _heads(0, 0, 0)
        cls = (r.get("orig_label") or {}).get("class")
        return _heads(U, 1, 1 if cls == 0 else U)
    return _heads(threat, U, int(label != "none"))


def _split_of(r: PublicRow) -> str:
    if r["source"] == "mhc":
        return "train" if r["lang"] in MHC_TRAIN_LANGS else "dev"
    return "train" if r["split"] == "train" else "dev"


def read_real(data: Path, sources: Iterable[str] = tuple(FILES)) -> Iterator[Row]:
    for source in sources:
        path = data / FILES[source]
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                r: PublicRow = json.loads(line)
                meta = r.get("meta") or {}
                yield Row(r["text"], r["lang"], r["source"], _split_of(r), map_real(r),
                          str(meta.get("functionality") or ""), str(r.get("hn_type") or ""))


def read_generated(split: str, *, per_family: int, seed: int = 13, langs: Iterable[str] = ("en", "es", "ar")
                   ) -> Iterator[Row]:
    """The own contrast sets (detection/generate.py): every head is known for them."""
    from abusedesk.detection.generate import generate

    for lang in langs:
        for s in generate(lang, "train" if split == "train" else "eval", per_family=per_family, seed=seed):
            threat, doxxing, harassment, hate = (int(label in s.labels) for label in LABELS)
            yield Row(s.text, lang, f"contrast-{lang}", split, (threat, doxxing, harassment, hate), s.functionality,
                      s.hn_type or "")


@dataclass
class Corpus:
    rows: list[Row]
    weights: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.rows]

    @property
    def langs(self) -> list[str]:
        return [r.lang for r in self.rows]

    @property
    def y(self) -> NDArray[np.int8]:
        return np.array([r.y for r in self.rows], dtype=np.int8).reshape(-1, len(LABELS))

    @property
    def known(self) -> NDArray[np.bool_]:
        return self.y >= 0

    def folds(self, k: int) -> NDArray[np.int_]:
        """Fold ids: contrast rows by template family index is not known here, so by a hash of the text."""
        return np.array([int(hashlib.sha256(r.text.encode()).hexdigest()[:8], 16) % k for r in self.rows])

    def subset(self, mask: NDArray[np.bool_]) -> Corpus:
        idx = np.flatnonzero(mask)
        return Corpus([self.rows[i] for i in idx], self.weights[idx] if len(self.weights) else self.weights)


def build(rows: Iterable[Row]) -> Corpus:
    rows = list(rows)
    weights = np.array([CONTRAST_WEIGHT if r.source.startswith("contrast") else SOURCE_WEIGHT.get(r.source, 1.0)
                        for r in rows], dtype=np.float64)
    return Corpus(rows, weights)
