"""Throughput of `abusedesk assess` on a synthetic forum archive: the local engine, Ray with 1 worker and Ray with 2
workers in one run, peak memory, the check against `abusedesk classify`, and a projection for 10M posts.

    .venv/bin/python bench/assess.py [--posts 200000] [--archive FILE] [--skip-classify]

The archive comes from bench/assess_archive.py (written to a temporary folder unless --archive names an existing
one). Each engine scores the same archive from a fresh start (a new Ray for each Ray run, so its start-up counts).
Profile counts must equal the counts `abusedesk classify` gives on the same unique texts in the same order, on
every engine; the script exits 1 if they differ. Posts/s are for the whole run (reading, scoring, profile).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == HERE:  # bench/ after the standard library: no shadowing
    sys.path.append(sys.path.pop(0))

from assess_archive import gold_counts, synthetic_posts, write_archive  # noqa: E402

REPO = HERE.parent
LABELS = ("threat", "doxxing", "harassment", "hate")


def _keyer(names: tuple[str, ...]) -> list[str]:
    return [" ".join(n.casefold().split()) for n in names if n.strip()]


def _ray_peak_mb() -> float:
    """Sum of the peak resident memory of this machine's Ray worker processes (read before Ray stops)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"ray::" not in cmd and b"default_worker" not in cmd:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run_engine(archive: str, engine: Any) -> dict[str, Any]:
    from abusedesk.assess.profile import Profile
    from abusedesk.assess.run import Assessment

    started = time.monotonic()
    with engine:
        run = Assessment([archive], engine, profile=Profile(keyer=_keyer))
        profile = run.run()
        workers_mb = _ray_peak_mb() if engine.name == "ray" else 0.0
    seconds = time.monotonic() - started
    texts = sum(r is not None for r in run.results)
    return {"engine": engine.name, "workers": engine.workers, "seconds": round(seconds, 1),
            "posts_per_s": round(profile["posts"] / seconds, 1), "posts": profile["posts"],
            "texts_per_s": round(texts / seconds, 1),
            "counts": {k: profile["labels"][k]["count"] for k in LABELS}, "ray_workers_peak_mb": round(workers_mb),
            "driver_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def classify_counts(archive: str) -> dict[str, int]:
    """Counts per label from `abusedesk classify` on the run's unique texts, in its order, mapped back to posts."""
    from abusedesk.assess.run import scoring_order

    texts, posts = scoring_order([archive])
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for n, text in enumerate(texts):
            handle.write(json.dumps({"id": n, "text": text}, ensure_ascii=False) + "\n")
    out = subprocess.run([str(Path(sys.executable).with_name("abusedesk")), "classify", handle.name],
                         capture_output=True, text=True, check=False).stdout
    os.unlink(handle.name)
    labels = {row["id"]: row.get("labels", []) for row in map(json.loads, out.splitlines())}
    return {k: sum(k in labels[i] for i in posts) for k in LABELS}


def main(argv: list[str] | None = None) -> int:
    from abusedesk.assess.engines import LocalEngine, RayEngine
    from abusedesk.assess.run import scoring_order
    from abusedesk.assess.scoring import ChunkScorer

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--archive", help="use (or write) this archive")
    parser.add_argument("--skip-classify", action="store_true")
    parser.add_argument("--engines", default="local,ray1,ray2",
                        help="which runs, comma-separated from local, ray1, ray2 (the projection needs ray1 and ray2)")
    args = parser.parse_args(argv)
    chosen = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(chosen) - {"local", "ray1", "ray2"})
    if unknown or not chosen:
        parser.error(f"--engines: unknown or empty {unknown or chosen}; choose from local, ray1, ray2")
    archive = args.archive or str(Path(tempfile.mkdtemp()) / "forum.warc.gz")
    gold: dict[str, int] = {}
    if not os.path.exists(archive):
        posts = synthetic_posts(args.posts)
        gold = gold_counts(posts)
        write_archive(archive, posts)
    started = time.monotonic()
    ChunkScorer()
    load_s = time.monotonic() - started
    started = time.monotonic()
    texts, posts_ix = scoring_order([archive])
    read_rate = len(posts_ix) / (time.monotonic() - started)
    print(json.dumps({"archive": archive, "bytes": os.path.getsize(archive), "posts": len(posts_ix),
                      "unique_texts": len(texts), "gold": gold, "model_load_s": round(load_s, 1),
                      "driver_read_posts_per_s": round(read_rate), "nproc": os.cpu_count(),
                      "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}), flush=True)
    fixed = 0.0
    if "ray1" in chosen or "ray2" in chosen:
        fixed = run_engine(str(REPO / "scenarios" / "reference-forum.warc.gz"), RayEngine(1))["seconds"]
        print(json.dumps({"ray_fixed_s": fixed, "what": "a one-worker Ray run over 8 posts: start-up, model loading"}))
    engines = {"local": LocalEngine, "ray1": lambda: RayEngine(1), "ray2": lambda: RayEngine(2)}
    runs = []
    for name in chosen:
        runs.append(run_engine(archive, engines[name]()))
        print(json.dumps(runs[-1]), flush=True)
    ok = len({json.dumps(r["counts"]) for r in runs}) == 1
    if not args.skip_classify:
        expected = classify_counts(archive)
        ok = ok and all(r["counts"] == expected for r in runs)
        print(json.dumps({"classify": expected, "match": ok}))
    if chosen == ["local", "ray1", "ray2"]:
        print(json.dumps(projection(runs, read_rate, fixed)))
    return 0 if ok else 1


def projection(runs: list[dict[str, Any]], read_rate: float, fixed: float) -> dict[str, Any]:
    """Hours for 10M posts on N workers: Ray's fixed cost (measured on a tiny archive) plus the posts over N times
    the one-worker Ray rate net of that cost, scaled by the two-worker efficiency measured here (capped at 1; the
    driver shares the two cores with the workers). The driver reads and parses every page alone, so throughput is
    capped at its measured read rate."""
    _, one, two = runs
    rate = one["posts"] / max(1e-9, one["seconds"] - fixed)
    efficiency = min(1.0, two["posts"] / max(1e-9, two["seconds"] - fixed) / (2 * rate))

    def hours(n: int, eff: float) -> float:
        return round((fixed + 10_000_000 / min(n * rate * eff, read_rate)) / 3600, 2)

    workers = (1, 2, 8, 32, 64)
    return {"per_worker_posts_per_s": round(rate, 1), "ray_fixed_s": round(fixed, 1),
            "two_worker_efficiency": round(efficiency, 2), "driver_read_posts_per_s": round(read_rate),
            "hours_10M_measured_efficiency": {n: hours(n, efficiency) for n in workers},
            "hours_10M_linear": {n: hours(n, 1.0) for n in workers}}


if __name__ == "__main__":
    sys.exit(main())
