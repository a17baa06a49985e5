"""`abusedesk assess`: a whole site's archive scored and profiled (docs/assess.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from abusedesk.cli.main import CliError


def register(sub: Any) -> None:
    p = sub.add_parser("assess", help="score a whole site's archive (WARC, JSON Lines, a crawl) and profile it",
                       description="Score every post of a site's archive and print its profile: label rates with "
                                   "intervals, months, targets, worst threads, detector versions, input hashes.")
    p.add_argument("sources", nargs="*", metavar="SOURCE", help="WARC or WARC.gz files, or JSON Lines files of posts")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: this process; ray: Ray Data with an actor pool (the assess extra)")
    p.add_argument("--workers", type=int, default=2, help="Ray actors, each loading the detectors once (default 2)")
    p.add_argument("--address", help="join this Ray cluster (HOST:PORT of its head, or ray://...) instead of "
                                     "starting a local Ray")
    p.add_argument("--json", action="store_true", help="print the profile as JSON")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    p.add_argument("--case", metavar="C-N", help="store the profile as evidence on this case")
    p.add_argument("--reveal-targets", action="store_true", help="show targets' names instead of pseudonyms")
    p.add_argument("--checkpoint", metavar="FILE", help="record progress here; run again with it to resume")
    p.add_argument("--window", type=int, default=200, help="chunks of 256 texts per checkpointed window")
    p.add_argument("--crawl", metavar="URL", help="crawl this customer site politely first (robots.txt honoured)")
    p.add_argument("--max-pages", type=int, default=100, help="crawl at most this many pages (default 100)")
    p.add_argument("--rate", type=float, default=1.0, help="crawl requests per second (default 1)")
    p.add_argument("--crawl-out", metavar="FILE", help="WARC file for the crawl (default under the data directory)")
    p.add_argument("--rescore", metavar="C-N", help="re-score this case's stored evidence with the detectors "
                                                    "installed now and show what changed (writes nothing)")
    p.set_defaults(handler=cmd_assess, django=True)


def _engine(args: argparse.Namespace) -> Any:
    from abusedesk.assess.engines import LocalEngine, RayEngine

    if args.engine == "local":
        if args.address:
            raise CliError("--address needs --engine ray")
        return LocalEngine()
    return RayEngine(args.workers, args.address)


def cmd_assess(args: argparse.Namespace) -> int:
    from abusedesk.assess.checkpoint import CheckpointMismatch
    from abusedesk.assess.crawl import CrawlRefused
    from abusedesk.assess.engines import EngineError
    from abusedesk.assess.posts import MissingExtra
    from abusedesk.assess.store import CaseNotFound

    try:
        return _run(args)
    except (EngineError, CheckpointMismatch, CrawlRefused, CaseNotFound, MissingExtra) as exc:
        raise CliError(str(exc)) from None


def _run(args: argparse.Namespace) -> int:
    if args.rescore:
        return _rescore(args)
    sources = list(args.sources) + ([_crawl(args)] if args.crawl else [])
    if not sources:
        raise CliError("give at least one SOURCE file, --crawl URL or --rescore C-N")
    missing = [s for s in sources if not os.path.isfile(s)]
    if missing:
        raise CliError(f"no such file: {missing[0]}")
    if args.window < 1:
        raise CliError(f"--window {args.window}: at least 1")
    case = _case(args.case) if args.case else None
    record = _record(args, case, sources)
    try:
        profile, evidence = _assess_and_store(args, sources, case, record)
    except BaseException as exc:  # the case page shows the run as stopped, resumable with its checkpoint
        if record is not None:
            record.failed(exc)
        raise
    if record is not None:
        record.finished(evidence)
    print(json.dumps(profile, ensure_ascii=False, indent=1) if args.json else _text(profile))
    return 0


def _assess_and_store(args: argparse.Namespace, sources: list[str], case: Any,
                      record: Any) -> tuple[dict[str, Any], Any]:
    profile = _assess(args, sources, record)
    if args.html:
        from abusedesk.assess.report_html import render

        Path(args.html).write_text(render(profile), encoding="utf-8")
    if case is None:
        return profile, None
    from abusedesk.assess.store import store_on_case

    evidence = store_on_case(case, profile, actor="cli")
    print(f"stored on C-{case.pk} as evidence {evidence.pk} (profile SHA-256 {evidence.body_sha256})",
          file=sys.stderr)
    return profile, evidence


def _record(args: argparse.Namespace, case: Any, sources: list[str]) -> Any:
    """With --case, the run's progress row on the case page (assess/progress.py)."""
    if case is None:
        return None
    from abusedesk.assess.progress import RunRecord

    engine = "local" if args.engine == "local" else (
        f"ray, {args.workers} workers" + (f", cluster {args.address}" if args.address else ", on this machine"))
    checkpoint = str(Path(args.checkpoint).resolve()) if args.checkpoint else None
    return RunRecord(case, engine=engine, sources=sources, checkpoint=checkpoint)


def _case(ref: str) -> Any:
    from abusedesk.assess.store import find_case

    return find_case(ref)


def _assess(args: argparse.Namespace, sources: list[str], record: Any = None) -> dict[str, Any]:
    from abusedesk.assess.run import Assessment

    with _engine(args) as engine:
        run = Assessment(sources, engine, checkpoint=args.checkpoint, window=args.window,
                         on_progress=_Progress(record))
        if record is not None:  # the inputs are hashed and the checkpoint read: the start goes into the audit trail
            record.started(run.inputs, windows_done=len(run.checkpoint.done))
        run.run()
        print(file=sys.stderr)
        return run.profile_json(reveal=args.reveal_targets)


class _Progress:
    """posts/s and ETA on stderr: redrawn in place on a terminal, a line every 10 s otherwise; with --case also on
    the case page (the run's row, written at most every 2 s)."""

    def __init__(self, record: Any = None) -> None:
        self.tty, self.last, self.record = sys.stderr.isatty(), 0.0, record

    def __call__(self, p: Any) -> None:
        if self.record is not None:
            self.record.progress(p)
        now = time.monotonic()
        if now - self.last < (0.5 if self.tty else 10.0) and p.fraction < 1.0:
            return
        self.last = now
        eta = f"{p.eta_s / 60:.1f} min" if p.eta_s is not None else "?"
        line = (f"assess: {p.posts:,} posts read, {p.scored:,} texts scored, {p.posts_per_s:,.0f} posts/s, "
                f"{100 * p.fraction:.0f} %, ETA {eta}")
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)


def _crawl(args: argparse.Namespace) -> str:
    from django.conf import settings

    from abusedesk.assess.crawl import crawl

    out = args.crawl_out or str(Path(settings.DATA_DIR) / "assess" / f"crawl-{time.strftime('%Y%m%d-%H%M%S')}.warc.gz")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    summary = crawl(args.crawl, out, max_pages=args.max_pages, rate=args.rate)
    print(f"crawled {summary.pages} pages into {out} ({summary.refused_by_robots} refused by robots.txt"
          f"{', failed: ' + str(summary.failed) if summary.failed else ''})", file=sys.stderr)
    return out


def _rescore(args: argparse.Namespace) -> int:
    from abusedesk.assess.store import find_case, rescore_case

    case = find_case(args.rescore)
    with _engine(args) as engine:
        result = rescore_case(case, engine)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print(f"{result['case']}: {result['items']} stored items re-scored, {len(result['changed'])} changed")
    for row in result["changed"]:
        print(f"  {row['kind']} {row['ref']}: {','.join(row['before']) or '-'} -> {','.join(row['now']) or '-'}")
    return 0


def _text(p: dict[str, Any]) -> str:
    lines = [f"{p['posts']:,} posts in {p['threads']:,} threads ({p['flagged_posts']:,} flagged, "
             f"{p['duplicate_posts']:,} duplicates counted once; skipped: {p['skipped'] or 'none'})"]
    for label, v in p["labels"].items():
        lines.append(f"  {label:<11} {v['count']:>8,}  {v['per_1000']:8.2f} per 1,000  (95% {v['ci'][0]:.2f}-"
                     f"{v['ci'][1]:.2f})")
    named = [f"{t.get('name') or t['id']} ({t['flagged_posts']} flagged posts, {t['threads']} threads)"
             for t in p["targets"][:5]]
    lines.append("most targeted: " + (", ".join(named) or "nobody named"))
    lines.append("worst threads:")
    lines += [f"  {t['thread']}  {t['flagged']}/{t['posts']} flagged  {t['labels']}" for t in p["top_threads"][:5]]
    lines += [f"input {i['file']}  sha256 {i['sha256']}" for i in p["inputs"]]
    return "\n".join(lines)
