"""The site's profile, accumulated post by post.

- **Rates**: per label, the count of posts carrying it and the rate per 1,000 posts with a 95 % Wilson score
  interval (`wilson`), overall and per month (the post's time, else the capture's; posts with neither are in
  no month).
- **Targets**: the people the detectors name in posts (`detection.targets`), grouped across threads by the
  triage stage's keys (`triage.targets.target_keys`: the blind index of each normalised name and alias, so the
  same person named as "Lena Marsh" and "Lena Marsh's" is one target). Shown as a pseudonym `T-` + the first
  ten hex digits of that key unless revealed; ranked by the flagged posts naming them, then all posts.
- **Worst threads**: ranked by a weight summed over their flagged posts (threat and doxxing 3, hate 2,
  harassment 1 per label), then by flagged posts; each keeps its `KEEP_POSTS` heaviest posts as evidence.

A flagged post is one with at least one label. Everything here is counted once per post: the reader has already
dropped duplicate records and posts.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from abusedesk.assess.posts import Input, Post, Skip
from abusedesk.assess.scoring import TextResult

LABELS = ("threat", "doxxing", "harassment", "hate")
WEIGHT = {"threat": 3, "doxxing": 3, "hate": 2, "harassment": 1}
TOP_THREADS = 20
TOP_TARGETS = 20
KEEP_POSTS = 10
EXCERPT = 1000


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of k/n, per 1,000."""
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    den = 1 + z * z / n
    return (round(1000 * max(0.0, (centre - margin) / den), 3), round(1000 * min(1.0, (centre + margin) / den), 3))


def rate(k: int, n: int) -> dict[str, Any]:
    return {"count": k, "per_1000": round(1000 * k / n, 3) if n else 0.0, "ci": list(wilson(k, n))}


@dataclass
class _Thread:
    posts: int = 0
    flagged: int = 0
    weight: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    kept: list[tuple[int, int, dict[str, Any]]] = field(default_factory=list)  # (weight, order, post)


@dataclass
class _Target:
    names: Counter[str] = field(default_factory=Counter)
    posts: int = 0
    flagged: int = 0
    threads: set[str] = field(default_factory=set)
    labels: Counter[str] = field(default_factory=Counter)


def _default_keyer(names: tuple[str, ...]) -> list[str]:
    from types import SimpleNamespace

    from abusedesk.sdk.detection import Target
    from abusedesk.triage.targets import target_keys

    return target_keys(SimpleNamespace(targets=[Target(names[0], names[1:])]))


class Profile:
    def __init__(self, keyer: Callable[[tuple[str, ...]], list[str]] = _default_keyer) -> None:
        self.keyer = keyer
        self.posts = 0
        self.labels: Counter[str] = Counter()
        self.months: dict[str, Counter[str]] = defaultdict(Counter)
        self.languages: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.skip_examples: list[dict[str, Any]] = []
        self.duplicate_posts = 0
        self.threads: dict[str, _Thread] = defaultdict(_Thread)
        self.targets: dict[str, _Target] = {}
        self._alias: dict[str, str] = {}  # any key of a target -> its canonical key

    def skip(self, item: Skip, file: str) -> None:
        self.skipped[item.reason] += 1
        if len(self.skip_examples) < 50:
            self.skip_examples.append({"file": file, "offset": item.offset, "reason": item.reason,
                                       "detail": item.detail})

    def add(self, post: Post, result: TextResult) -> None:
        self.posts += 1
        self.languages[result.lang] += 1
        month = (post.at or "")[:7]
        if len(month) == 7 and month[4] == "-":
            self.months[month]["posts"] += 1
            self.months[month].update(result.labels)
        self.labels.update(result.labels)
        self._thread(post, result)
        for names in result.targets:
            self._target(names, post, result)

    def _thread(self, post: Post, result: TextResult) -> None:
        thread = self.threads[post.thread]
        thread.posts += 1
        if not result.labels:
            return
        weight = sum(WEIGHT[label] for label in result.labels)
        thread.flagged += 1
        thread.weight += weight
        thread.labels.update(result.labels)
        entry = {"url": post.url, "author": post.author, "at": post.at, "labels": list(result.labels),
                 "scores": dict(zip(LABELS, result.scores, strict=True)), "text": post.text[:EXCERPT]}
        thread.kept.append((weight, -thread.posts, entry))
        if len(thread.kept) > KEEP_POSTS * 2:
            thread.kept = sorted(thread.kept, reverse=True)[:KEEP_POSTS]

    def _target(self, names: tuple[str, ...], post: Post, result: TextResult) -> None:
        keys = self.keyer(names)
        if not keys:
            return
        canonical = next((self._alias[k] for k in keys if k in self._alias), keys[0])
        for k in keys:
            self._alias.setdefault(k, canonical)
        target = self.targets.setdefault(canonical, _Target())
        target.names[names[0]] += 1
        target.posts += 1
        target.threads.add(post.thread)
        if result.labels:
            target.flagged += 1
            target.labels.update(result.labels)

    def duplicate(self) -> None:
        self.duplicate_posts += 1

    def to_json(self, inputs: list[Input], detectors: dict[str, str], *, engine: dict[str, Any],
                reveal: bool = False) -> dict[str, Any]:
        n = self.posts
        return {
            "posts": n,
            "threads": len(self.threads),
            "flagged_posts": sum(t.flagged for t in self.threads.values()),
            "labels": {label: rate(self.labels[label], n) for label in LABELS},
            "months": [{"month": m, "posts": c["posts"], "labels": {lb: rate(c[lb], c["posts"]) for lb in LABELS}}
                       for m, c in sorted(self.months.items())],
            "targets": self._targets_json(reveal),
            "top_threads": self._threads_json(),
            "languages": dict(self.languages.most_common()),
            "skipped": dict(sorted(self.skipped.items())),
            "skipped_examples": self.skip_examples,
            "duplicate_posts": self.duplicate_posts,
            "inputs": [{"file": i.file, "sha256": i.sha256, "bytes": i.size} for i in inputs],
            "detectors": detectors,
            "engine": engine,
        }

    def _targets_json(self, reveal: bool) -> list[dict[str, Any]]:
        ranked = sorted(self.targets.items(), key=lambda kv: (-kv[1].flagged, -kv[1].posts, kv[0]))[:TOP_TARGETS]
        out = []
        for key, t in ranked:
            row: dict[str, Any] = {"id": f"T-{key[:10]}", "posts": t.posts, "flagged_posts": t.flagged,
                                   "threads": len(t.threads), "labels": dict(sorted(t.labels.items()))}
            if reveal:
                row["name"] = t.names.most_common(1)[0][0]
            out.append(row)
        return out

    def _threads_json(self) -> list[dict[str, Any]]:
        flagged = [(k, t) for k, t in self.threads.items() if t.flagged]
        ranked = sorted(flagged, key=lambda kv: (-kv[1].weight, -kv[1].flagged, kv[0]))[:TOP_THREADS]
        return [{"thread": k, "posts": t.posts, "flagged": t.flagged, "weight": t.weight,
                 "labels": dict(sorted(t.labels.items())),
                 "flagged_posts": [e for _, _, e in sorted(t.kept, key=lambda x: (-x[0], -x[1]))[:KEEP_POSTS]]}
                for k, t in ranked]
