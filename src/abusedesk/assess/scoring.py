"""Scoring chunks of texts: the one code path both engines run.

A chunk is at most `CHUNK` unique texts, in the order they were first read; `CHUNK` is `abusedesk classify`'s
batch size. `detection.api.analyse_many` sends part of each batch to the encoder under a budget, so a text's
label can depend on the batch it is scored in: scoring exactly classify's batches, each text once, is what makes
the engines and classify agree label for label (tests/assess check it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: texts per `analyse_many` call: the same as `abusedesk classify`'s batch (a test keeps them equal)
CHUNK = 256


@dataclass(frozen=True)
class TextResult:
    """What the profile needs of one text's analysis: labels, scores, language and the people it names."""

    labels: tuple[str, ...]
    scores: tuple[float, float, float, float]  # threat, doxxing, harassment, hate
    lang: str
    targets: tuple[tuple[str, ...], ...] = ()  # (name, *aliases) per target

    def to_json(self) -> list[Any]:
        return [list(self.labels), list(self.scores), self.lang, [list(t) for t in self.targets]]

    @classmethod
    def from_json(cls, row: list[Any]) -> TextResult:
        labels, scores, lang, targets = row
        return cls(tuple(labels), (scores[0], scores[1], scores[2], scores[3]), lang,
                   tuple(tuple(t) for t in targets))


def score_texts(texts: Sequence[str]) -> list[TextResult]:
    """One chunk through the detectors (one `analyse_many` call)."""
    from abusedesk.detection.api import SCORED, analyse_many

    out = []
    for r in analyse_many(list(texts)):
        targets = tuple((t.name, *t.aliases) for t in r.targets)
        scores = tuple(round(r.scores[c], 4) for c in SCORED)
        out.append(TextResult(tuple(r.labels), (scores[0], scores[1], scores[2], scores[3]), r.lang, targets))
    return out


class ChunkScorer:
    """Loads the detectors once (at construction), then scores chunks. Ray Data builds one per actor and calls it
    with a batch of rows `{"chunk": [i], "texts": [json list]}`; it answers `{"chunk", "results"}` (JSON text)."""

    def __init__(self) -> None:
        from abusedesk.detection.api import warm_up

        warm_up()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        chunks, results = [], []
        for index, payload in zip(batch["chunk"], batch["texts"], strict=True):
            chunks.append(int(index))
            results.append(json.dumps([r.to_json() for r in self.score(json.loads(str(payload)))]))
        return {"chunk": chunks, "results": results}

    def score(self, texts: Sequence[str]) -> list[TextResult]:
        return score_texts(texts)


def detector_versions() -> dict[str, str]:
    """Every registered detector's version, and the SHA-256 of each shipped model file."""
    from abusedesk.common.hashing import sha256_hex
    from abusedesk.detection.modelio import model_path
    from abusedesk.detection.registry import default_registry

    out = {d.name: d.version for d in default_registry().detectors()}
    folder = model_path("thresholds.json").parent
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in (".npz", ".json"):
            out[f"model:{path.name}"] = sha256_hex(path.read_bytes())
    return out
