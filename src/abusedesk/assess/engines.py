"""Engines score a list of chunks and yield `(chunk index, results)` as chunks finish, in any order.

- `LocalEngine`: one `ChunkScorer` in this process, chunk after chunk.
- `RayEngine`: Ray Data. The chunks become a dataset of rows (one chunk per row and block) and stream through
  `map_batches` with an actor pool of `workers` actors, each a `ChunkScorer` that loads the detectors once.
  Without an address it starts a local Ray on this machine (no dashboard, `workers` CPUs, a small object store)
  and stops it at the end; with `address` it joins that cluster. Ray Data restarts an actor that dies and retries
  its task (its defaults for actor pools: `max_restarts=-1`, `max_task_retries=-1`), so a chunk may be answered
  twice: the caller keeps the first answer per chunk index (nothing counts twice).

Ray is imported here only, inside `RayEngine`: the desk runs without the `assess` extra.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from abusedesk.assess.posts import MissingExtra
from abusedesk.assess.scoring import ChunkScorer, TextResult

#: the detection settings a Ray worker needs to score as this process does
DETECTION_ENV = ("ABUSEDESK_DETECTION_LANGS", "ABUSEDESK_DETECTION_MODELS", "ABUSEDESK_DETECTION_ENCODER_SHARE")
LOCAL_OBJECT_STORE = 256 * 1024 * 1024


class EngineError(Exception):
    """The engine cannot run (Ray missing, an address that is not a Ray cluster)."""


@dataclass(frozen=True)
class Chunk:
    index: int
    texts: tuple[str, ...]


class LocalEngine:
    name = "local"
    workers = 1

    def __init__(self, scorer: type[ChunkScorer] = ChunkScorer) -> None:
        self._scorer_type = scorer
        self._scorer: ChunkScorer | None = None

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self._scorer = None

    def score(self, chunks: Sequence[Chunk]) -> Iterator[tuple[int, list[TextResult]]]:
        if self._scorer is None:
            self._scorer = self._scorer_type()
        for chunk in chunks:
            yield chunk.index, self._scorer.score(chunk.texts)


class RayEngine:
    name = "ray"

    def __init__(self, workers: int = 2, address: str | None = None, *, scorer: type[ChunkScorer] = ChunkScorer,
                 object_store_bytes: int = LOCAL_OBJECT_STORE) -> None:
        if workers < 1:
            raise EngineError(f"--workers {workers}: at least one worker is needed")
        self.workers, self.address, self._scorer = workers, address, scorer
        self._object_store = object_store_bytes
        self._started = False

    def __enter__(self) -> RayEngine:
        ray = _import_ray()
        if self.address:
            probe(self.address)
        if ray.is_initialized():
            return self
        env = {"env_vars": {k: os.environ[k] for k in DETECTION_ENV if k in os.environ}}
        if self.address:
            ray.init(address=self.address, runtime_env=env, log_to_driver=False, logging_level="WARNING")
        else:
            ray.init(address="local", num_cpus=self.workers, include_dashboard=False, log_to_driver=False,
                     object_store_memory=self._object_store, runtime_env=env, logging_level="WARNING")
        self._started = True
        _quiet(ray)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._started:
            _import_ray().shutdown()
            self._started = False

    def score(self, chunks: Sequence[Chunk]) -> Iterator[tuple[int, list[TextResult]]]:
        ray = _import_ray()
        rows = [{"chunk": c.index, "texts": json.dumps(list(c.texts), ensure_ascii=False)} for c in chunks]
        if not rows:
            return
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))
        scored = ds.map_batches(self._scorer, batch_size=1, batch_format="numpy", num_cpus=1,
                                compute=ray.data.ActorPoolStrategy(size=self.workers))
        for row in scored.iter_rows():
            yield int(row["chunk"]), [TextResult.from_json(r) for r in json.loads(str(row["results"]))]


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise MissingExtra("--engine ray") from None
    return ray


def _quiet(ray: Any) -> None:
    """No progress bars or execution banners from Ray Data: the assessment prints its own progress."""
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    for name in ("print_on_execution_start", "enable_operator_progress_bars"):
        if hasattr(ctx, name):
            setattr(ctx, name, False)


def probe(address: str, timeout: float = 5.0) -> None:
    """Refuse, naming it, an address that is not a Ray cluster's head, before `ray.init` waits on it for minutes.

    A Ray head's GCS is a gRPC (HTTP/2) server: it answers the HTTP/2 client preface with a SETTINGS frame.
    `ray://host:port` (Ray Client) and `auto` are passed to Ray as they are."""
    if address == "auto" or address.startswith("ray://"):
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise EngineError(f"--address {address}: expected HOST:PORT of a Ray cluster's head (e.g. 10.0.0.5:6379)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            head = conn.recv(9)
    except OSError as exc:
        raise EngineError(f"--address {address}: no Ray cluster there ({exc.strerror or exc})") from None
    if len(head) < 9 or head[3] != 0x04:
        raise EngineError(f"--address {address}: something answers there, but it is not a Ray cluster's head "
                          "(no gRPC endpoint)")
