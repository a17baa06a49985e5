"""Both engines and `abusedesk classify` give the same labels, text for text; a Ray worker that dies mid-run costs
nothing and counts nothing twice. One small local Ray (2 CPUs, a 200 MB object store) serves the module."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from abusedesk.assess.engines import LocalEngine, RayEngine
from abusedesk.assess.profile import Profile
from abusedesk.assess.run import Assessment, scoring_order
from abusedesk.assess.scoring import ChunkScorer, TextResult

from .conftest import keyer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_local() -> Iterator[Any]:
    import ray
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import the tests package
    ray.init(address="local", num_cpus=2, object_store_memory=200 * 1024 * 1024, include_dashboard=False,
             log_to_driver=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


def _results(archive: Path, engine: Any) -> tuple[list[TextResult | None], dict[str, Any]]:
    with engine:
        run = Assessment([str(archive)], engine, profile=Profile(keyer=keyer), window=2)
        profile = run.run()
    return run.results, profile


@pytest.fixture(scope="module")
def local_run(small_archive: Path) -> tuple[list[TextResult | None], dict[str, Any]]:
    return _results(small_archive, LocalEngine())


def test_ray_gives_the_labels_the_local_engine_gives(ray_local: Any, small_archive: Path,
                                                     local_run: tuple[list[TextResult | None], dict[str, Any]]) -> None:
    results, profile = _results(small_archive, RayEngine(2))
    assert results == local_run[0]  # labels, scores, languages and targets of every text
    assert profile["labels"] == local_run[1]["labels"] and profile["posts"] == 600
    assert profile["engine"]["name"] == "ray"


def test_counts_match_abusedesk_classify_on_the_same_texts(small_archive: Path,
                                                           local_run: tuple[list[TextResult | None], dict[str, Any]]
                                                           ) -> None:
    from abusedesk.cli.commands.detection import classify_lines

    texts, posts = scoring_order([str(small_archive)])
    lines = [json.dumps({"id": n, "text": t}) for n, t in enumerate(texts)]
    labels = [obj["labels"] for obj, ok in classify_lines(lines) if ok]
    assert len(labels) == len(texts)
    assert [list(r.labels) for r in local_run[0] if r is not None] == labels
    counts = {c: sum(c in labels[i] for i in posts) for c in ("threat", "doxxing", "harassment", "hate")}
    assert counts == {c: v["count"] for c, v in local_run[1]["labels"].items()}


class DiesOnce(ChunkScorer):
    """Kills its own worker process on its first chunk, once per run (a marker file says it happened)."""

    marker = ""

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        if not os.path.exists(self.marker):
            Path(self.marker).write_text(str(os.getpid()))
            os._exit(1)
        return super().__call__(batch)


def test_a_worker_killed_mid_run_changes_nothing(ray_local: Any, small_archive: Path, tmp_path: Path,
                                                 local_run: tuple[list[TextResult | None], dict[str, Any]]) -> None:
    scorer = type("DiesOnceHere", (DiesOnce,), {"marker": str(tmp_path / "died")})
    results, profile = _results(small_archive, RayEngine(2, scorer=scorer))
    assert (tmp_path / "died").exists()  # a worker did die
    assert results == local_run[0]
    assert profile["posts"] == local_run[1]["posts"] == 600
    assert profile["labels"] == local_run[1]["labels"]
