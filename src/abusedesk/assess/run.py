"""One assessment run: read the sources, count each post once, score each unique text once in classify-sized
chunks on the engine, window by window, and fold the results into the profile.

A window is `window` chunks of texts not seen before. Windows bound memory (a window's posts wait in memory
until it is scored), carry the checkpoint (one line per window) and are the unit an engine runs: on Ray one
Data pipeline per window, its actor pool loading the detectors once per window.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from abusedesk.assess.checkpoint import Checkpoint
from abusedesk.assess.engines import Chunk
from abusedesk.assess.posts import Input, Post, Skip, describe
from abusedesk.assess.profile import Profile
from abusedesk.assess.scoring import CHUNK, TextResult, detector_versions
from abusedesk.assess.sources import read_source

WINDOW = 200  # chunks per window: 51,200 texts


class Engine(Protocol):
    name: str
    workers: int

    def score(self, chunks: Sequence[Chunk]) -> Iterator[tuple[int, list[TextResult]]]: ...


@dataclass(frozen=True)
class Progress:
    posts: int  # posts read so far
    scored: int  # unique texts scored in this run (not taken from a checkpoint)
    fraction: float  # share of the input bytes read and scored
    elapsed: float

    @property
    def posts_per_s(self) -> float:
        return self.posts / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        return self.elapsed * (1 - self.fraction) / self.fraction if self.fraction > 0.001 else None


@dataclass
class _Window:
    texts: list[str] = field(default_factory=list)
    posts: list[tuple[Post, int]] = field(default_factory=list)
    through: tuple[int, int] = (0, 0)
    read_fraction: float = 0.0


class Assessment:
    def __init__(self, paths: Sequence[str], engine: Engine, *, checkpoint: str | None = None, window: int = WINDOW,
                 on_progress: Callable[[Progress], None] | None = None, profile: Profile | None = None) -> None:
        self.paths, self.engine, self.window_chunks = list(paths), engine, window
        self.inputs: list[Input] = [describe(p) for p in self.paths]
        self.checkpoint = Checkpoint(checkpoint, self.inputs, CHUNK, window)
        self.on_progress = on_progress or (lambda p: None)
        self.profile = profile or Profile()
        self.results: list[TextResult | None] = []
        self.text_ids: dict[bytes, int] = {}
        self.post_keys: set[bytes] = set()
        self.window_index, self.posts_read, self.scored = 0, 0, 0
        self.started = time.monotonic()
        self._last_fraction = 0.0
        self._total = sum(i.size for i in self.inputs) or 1
        self._before = [sum(i.size for i in self.inputs[:n]) for n in range(len(self.inputs))]

    def run(self) -> dict[str, Any]:
        window = _Window()
        for source, path in enumerate(self.paths):
            for item in read_source(path, source):
                if isinstance(item, Skip):
                    self.profile.skip(item, self.inputs[source].file)
                elif self._take(item, window) and len(window.texts) >= self.window_chunks * CHUNK:
                    self._flush(window)
                    window = _Window()
        self._flush(window)
        self._report(1.0, window)
        return self.profile_json()

    def profile_json(self, *, reveal: bool = False) -> dict[str, Any]:
        engine = {"name": self.engine.name, "workers": self.engine.workers, "chunk": CHUNK,
                  "seconds": round(time.monotonic() - self.started, 1)}
        return self.profile.to_json(self.inputs, detector_versions(), engine=engine, reveal=reveal)

    def _take(self, post: Post, window: _Window) -> bool:
        key = post.key
        if key in self.post_keys:
            self.profile.duplicate()
            return False
        self.post_keys.add(key)
        self.posts_read += 1
        digest = hashlib.sha256(post.text.encode("utf-8", "surrogatepass")).digest()[:16]
        text_id = self.text_ids.get(digest)
        if text_id is None:
            text_id = self.text_ids[digest] = len(self.results)
            self.results.append(None)
            window.texts.append(post.text)
        window.posts.append((post, text_id))
        window.through = (post.source, post.offset)
        window.read_fraction = (self._before[post.source] + post.offset) / self._total
        return True

    def _flush(self, window: _Window) -> None:
        first = len(self.results) - len(window.texts)
        results = self.checkpoint.done.get(self.window_index)
        if results is None or len(results) != len(window.texts):
            results = self._score(window, first)
            if results:
                self.checkpoint.save(self.window_index, window.through, results)
        self.results[first:first + len(results)] = results
        for post, text_id in window.posts:
            result = self.results[text_id]
            assert result is not None  # every text of this or an earlier window is scored by now
            self.profile.add(post, result)
        self.window_index += 1
        self._report(window.read_fraction, window)

    def _score(self, window: _Window, first: int) -> list[TextResult]:
        if not window.texts:
            return []
        base = first // CHUNK
        chunks = [Chunk(base + n, tuple(window.texts[s:s + CHUNK])) for n, s in enumerate(range(0, len(window.texts),
                                                                                              CHUNK))]
        answers: dict[int, list[TextResult]] = {}
        for index, results in self.engine.score(chunks):
            if index in answers:  # a retried task answered twice: the first answer counts
                continue
            answers[index] = results
            self.scored += len(results)
            self._report(None, window, done=len(answers) / len(chunks))
        missing = [c.index for c in chunks if c.index not in answers]
        if missing:
            raise RuntimeError(f"the engine returned no result for chunks {missing[:5]}")
        return [r for c in chunks for r in answers[c.index]]

    def _report(self, fraction: float | None, window: _Window, done: float = 1.0) -> None:
        if fraction is None:
            start = self._last_fraction
            fraction = start + (window.read_fraction - start) * done
        else:
            self._last_fraction = fraction
        self.on_progress(Progress(self.posts_read, self.scored, min(1.0, fraction),
                                  time.monotonic() - self.started))


def scoring_order(paths: Sequence[str]) -> tuple[list[str], list[int]]:
    """The unique texts in the order a run scores them, and each counted post's index into them: what to give
    `abusedesk classify` (in that order) to check a profile's counts."""
    texts: list[str] = []
    ids: dict[bytes, int] = {}
    seen: set[bytes] = set()
    posts: list[int] = []
    for source, path in enumerate(paths):
        for item in read_source(path, source):
            if isinstance(item, Skip) or item.key in seen:
                continue
            seen.add(item.key)
            digest = hashlib.sha256(item.text.encode("utf-8", "surrogatepass")).digest()[:16]
            if digest not in ids:
                ids[digest] = len(texts)
                texts.append(item.text)
            posts.append(ids[digest])
    return texts, posts
