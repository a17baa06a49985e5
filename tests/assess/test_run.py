"""The run's machinery with a stand-in engine (no models): counting once, windows, resuming, the profile."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from abusedesk.assess import run as run_module
from abusedesk.assess.checkpoint import CheckpointMismatch
from abusedesk.assess.engines import Chunk
from abusedesk.assess.profile import Profile, wilson
from abusedesk.assess.run import Assessment
from abusedesk.assess.scoring import CHUNK, TextResult

from .conftest import keyer


class WordEngine:
    """Labels by a word: `kill` is a threat, `street` doxxing; `Lena` is named. Records what it scored."""

    name, workers = "word", 1

    def __init__(self, fail_after: int | None = None) -> None:
        self.scored: list[int] = []
        self.fail_after = fail_after

    def score(self, chunks: Sequence[Chunk]) -> Iterator[tuple[int, list[TextResult]]]:
        for chunk in chunks:
            if self.fail_after is not None and len(self.scored) >= self.fail_after:
                raise KeyboardInterrupt  # the run is killed
            self.scored.append(chunk.index)
            yield chunk.index, [self._one(t) for t in chunk.texts]
            yield chunk.index, [TextResult(("hate",), (0, 0, 0, 1), "en")] * len(chunk.texts)  # a retried task

    @staticmethod
    def _one(text: str) -> TextResult:
        labels = tuple(lb for lb, word in (("threat", "kill"), ("doxxing", "street")) if word in text)
        targets = (("Lena Marsh",),) if "Lena" in text else ()
        return TextResult(labels, (0.9 if "kill" in text else 0.1, 0.0, 0.0, 0.0), "en", targets)


def _jsonl(path: Path, n: int) -> Path:
    rows = []
    for i in range(n):
        text = "I will kill Lena" if i % 5 == 0 else ("she lives on Main street" if i % 7 == 0 else f"chat {i}")
        rows.append({"url": f"https://f.test/t/{i % 4}", "author": f"u{i}", "at": f"2026-0{1 + i % 3}-01T00:00:00Z",
                     "text": text})
    rows += rows[:10]  # the same posts again: counted once
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(run_module, "CHUNK", 4)
    return 4


def _run(path: Path, engine: WordEngine, **kwargs: object) -> dict[str, object]:
    run = Assessment([str(path)], engine, profile=Profile(keyer=keyer), **kwargs)  # type: ignore[arg-type]
    return run.run()


def test_chunk_is_classify_batch() -> None:
    from abusedesk.cli.commands.detection import BATCH

    assert CHUNK == BATCH


def test_posts_counted_once_texts_scored_once_first_answer_wins(tmp_path: Path, small_chunks: int) -> None:
    engine = WordEngine()
    profile = _run(_jsonl(tmp_path / "p.jsonl", 40), engine, window=2)
    assert profile["posts"] == 40 and profile["duplicate_posts"] == 10
    assert profile["labels"]["threat"]["count"] == 8  # type: ignore[index]
    assert profile["labels"]["hate"]["count"] == 0  # type: ignore[index]
    unique = 1 + 1 + (40 - 8 - 4)  # one threat text, one doxxing text, the rest distinct
    assert len(engine.scored) == -(-unique // small_chunks)
    targets = profile["targets"]
    assert targets[0]["posts"] == 8 and "name" not in targets[0]  # type: ignore[index]
    assert [m["month"] for m in profile["months"]] == ["2026-01", "2026-02", "2026-03"]  # type: ignore[attr-defined]


def test_a_killed_run_resumes_from_its_checkpoint(tmp_path: Path, small_chunks: int) -> None:
    source, checkpoint = _jsonl(tmp_path / "p.jsonl", 40), tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        _run(source, WordEngine(fail_after=5), window=2, checkpoint=str(checkpoint))
    lines = checkpoint.read_text().splitlines()
    assert len(lines) == 1 + 2  # header and two windows of two chunks
    assert json.loads(lines[1])["through"][0] == 0
    engine = WordEngine()
    resumed = _run(source, engine, window=2, checkpoint=str(checkpoint))
    assert engine.scored and min(engine.scored) == 4  # the first two windows were not scored again
    fresh = _run(source, WordEngine(), window=2)
    for key in ("posts", "labels", "months", "targets", "top_threads"):
        assert resumed[key] == fresh[key]


def test_a_checkpoint_of_other_inputs_is_refused(tmp_path: Path, small_chunks: int) -> None:
    checkpoint = tmp_path / "run.ckpt"
    _run(_jsonl(tmp_path / "a.jsonl", 12), WordEngine(), window=2, checkpoint=str(checkpoint))
    with pytest.raises(CheckpointMismatch, match="other inputs"):
        _run(_jsonl(tmp_path / "b.jsonl", 13), WordEngine(), window=2, checkpoint=str(checkpoint))


def test_wilson_interval() -> None:
    assert wilson(0, 0) == (0.0, 0.0)
    low, high = wilson(10, 1000)
    assert 5.4 < low < 5.5 and 18.3 < high < 18.4
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1000.0


def test_worst_threads_rank_by_weight_and_keep_their_posts(tmp_path: Path, small_chunks: int) -> None:
    profile = _run(_jsonl(tmp_path / "p.jsonl", 40), WordEngine())
    top = profile["top_threads"]
    assert top[0]["weight"] >= top[-1]["weight"]  # type: ignore[index]
    assert all(p["labels"] for t in top for p in t["flagged_posts"])  # type: ignore[attr-defined]
