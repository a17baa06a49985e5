"""Resumable runs: a JSON Lines checkpoint of the windows already scored.

Line 1 states what the run is: the inputs (path, SHA-256), the chunk and window sizes. Each later line is one
window: its index, the record it was read up to (`through`: source index and record offset) and the results of
its unique texts in order. Resuming re-reads the inputs (reading is cheap beside scoring), so the windows come out
the same, and takes the results of the windows already on file instead of scoring them again. A checkpoint
written for other inputs or sizes is refused, naming what differs; a torn last line (the run was killed while
writing it) is ignored and that window is scored again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from abusedesk.assess.posts import Input
from abusedesk.assess.scoring import TextResult


class CheckpointMismatch(Exception):
    """The checkpoint belongs to another run."""


class Checkpoint:
    def __init__(self, path: str | None, inputs: list[Input], chunk: int, window: int) -> None:
        self.path = Path(path) if path else None
        self.header = {"checkpoint": 1, "inputs": [[i.file, i.sha256] for i in inputs], "chunk": chunk,
                       "window": window}
        self.done: dict[int, list[TextResult]] = {}
        if self.path and self.path.exists() and self.path.stat().st_size:
            self._load()
        elif self.path:
            self._append(self.header)

    def _load(self) -> None:
        assert self.path is not None
        text = self.path.read_text("utf-8")
        if not text.endswith("\n"):  # end a torn line so the next window starts on its own line
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write("\n")
        lines = text.splitlines()
        header = json.loads(lines[0])
        for key in ("inputs", "chunk", "window"):
            if header.get(key) != self.header[key]:
                raise CheckpointMismatch(f"checkpoint {self.path} was written for other {key} "
                                         f"({header.get(key)!r}); remove it or give the same inputs")
        for line in lines[1:]:
            try:
                row = json.loads(line)
            except ValueError:  # a torn last line: that window is scored again
                continue
            self.done[int(row["window"])] = [TextResult.from_json(r) for r in row["results"]]

    def save(self, window: int, through: tuple[int, int], results: list[TextResult]) -> None:
        self.done[window] = results
        if self.path:
            self._append({"window": window, "through": list(through), "results": [r.to_json() for r in results]})

    def _append(self, row: dict[str, Any]) -> None:
        assert self.path is not None
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
