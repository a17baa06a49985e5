"""What `abusedesk assess` reads: WARC/WARC.gz archives and JSON Lines files of posts, told apart by their first
bytes (a gzip member or `WARC/`), not by their names.

A JSON Lines post is `{"url", "thread", "author", "at", "text"}`; only `text` is required (`thread` defaults to
the thread of `url`, `at` is ISO 8601). A line that is not such an object is skipped with its reason
(`invalid_json`, `not_object`, `bad_field`) and its line number; the file goes on. A post's `offset` is
the byte offset of its line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from abusedesk.assess.posts import MAX_POST_CHARS, Post, Skip, thread_of
from abusedesk.assess.warc import read_warc

_FIELDS = ("url", "thread", "author", "at")


def kind(path: str) -> str:
    """`warc` or `jsonl`, from the file's first bytes."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    return "warc" if head.startswith((b"\x1f\x8b", b"WARC/")) else "jsonl"


def read_source(path: str, source: int) -> Iterator[Post | Skip]:
    return read_warc(path, source) if kind(path) == "warc" else read_jsonl(path, source)


def read_jsonl(path: str, source: int) -> Iterator[Post | Skip]:
    """Posts with the byte offset of their line as `offset` (a skip's detail names the line number)."""
    offset = 0
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if raw.strip():
                yield _post(raw, source, offset, number)
            offset += len(raw)


def _post(raw: bytes, source: int, offset: int, number: int) -> Post | Skip:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return Skip(source, offset, "invalid_json", f"line {number}: {type(exc).__name__}")
    if not isinstance(obj, dict):
        return Skip(source, offset, "not_object", f"line {number}: {type(obj).__name__}")
    problem = _problem(obj)
    if problem:
        return Skip(source, offset, "bad_field", f"line {number}: {problem}")
    url = obj.get("url") or ""
    thread = obj.get("thread") or (thread_of(url) if url else "(no thread)")
    return Post(source, offset, url, thread, obj.get("author") or "", _when(obj.get("at")),
                obj["text"][:MAX_POST_CHARS])


def _problem(obj: dict[str, Any]) -> str:
    if not isinstance(obj.get("text"), str):
        return "text: missing or not a string"
    for name in _FIELDS:
        if obj.get(name) is not None and not isinstance(obj[name], str):
            return f"{name}: not a string"
    return ""


def _when(value: str | None) -> str | None:
    """ISO 8601 as given when it parses; otherwise no time (the post still counts, in no month)."""
    if not value:
        return None
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value
