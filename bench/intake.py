"""Intake benchmark: accepted reports/s and latency through `POST /api/v1/reports`.

Each client count first waits for the job workers to finish earlier work, then loads `GET /healthz` on the same
server for the same time (the baseline the intake rate is a share of), then posts reports; after the burst it
measures the share of its reports filed (attributed, in a case or answered as not ours) within --filed-window
seconds (60) of its end, then the full drain.

Starts the server the README uses (`abusedesk up`: gunicorn gevent web processes + job workers) on a
fresh data directory, on PostgreSQL (+ Redis cache) and/or on the embedded SQLite (+ file cache), with a
trusted-flagger token whose rate limit is raised so the limiter counts but never refuses. Runs a closed
loop of N keep-alive clients for --duration seconds per client count, then times how long the job
workers take to drain the backlog (READY rows in django_tasks_database_dbtaskresult).

    python bench/intake.py                          # both databases, 8 and 32 clients, 20 s each
    python bench/intake.py --db postgres --clients 16 --shapes 2x8,3x8,4x4

Prints a table, writes bench/results/intake-<date>.json, stops the server (SIGTERM to its process
group) and drops the bench PostgreSQL database. Traffic goes to 127.0.0.1 only. See
docs/benchmarks.md for figures and caveats.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    REPO,
    RESULTS,
    Server,
    cpu_share,
    cpu_snapshot,
    free_port,
    machine_info,
    pg_create,
    pg_drop,
    pg_rows,
    run_cli,
    run_load,
    sqlite_rows,
    start_desk,
    wait_for_quiet,
    write_json,
)

PG_DB = "abusedesk_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
RATE = "100000000/m"
JOBS = "django_tasks_database_dbtaskresult"
_TEXT = (
    "the thread keeps posting her home address and says people should go there tonight after the stream "
    "ends they shared photos of the house and the car plate and now strangers are repeating threats in the "
    "replies please take the page down before someone acts on it this started last week and has grown every "
    "day with new accounts joining in")
WORDS = _TEXT.split()
CATEGORIES = ["threat", "doxxing", "harassment", "scam", "spam", "hate", "malware"]
SITES = ["https://forum.test/threads/{n}", "https://forum.test/threads/{n}?page=2",
         "https://derechos.test/blog/{n}", "https://shop.test/login-verify/{n}", "http://198.51.100.5/p/{n}"]
NOT_OURS = "https://elsewhere.test/item/{n}"


# --- request bodies ---------------------------------------------------------------------------------

def make_bodies(count: int, seed: int = 7) -> list[bytes]:
    """Distinct report bodies: 85% about customers' sites (some with two URLs), 15% not ours; 20-80 word
    explanations; reporter e-mail from a pool of 40 (so reporters are found again, as in real use)."""
    rng = random.Random(seed)
    bodies = []
    for i in range(count):
        n = rng.randrange(1, 100_000)
        if rng.random() < 0.15:
            urls = [NOT_OURS.format(n=n)]
        else:
            urls = [rng.choice(SITES).format(n=n)]
            if rng.random() < 0.2:
                urls.append(rng.choice(SITES).format(n=n + 1))
        words = [rng.choice(WORDS) for _ in range(rng.randint(20, 80))]
        body = {
            "urls": urls, "category": rng.choice(CATEGORIES),
            "explanation": f"Report {i}: " + " ".join(words) + ".",
            "reporter": {"name": f"Flagger {i % 40}", "email": f"flagger{i % 40}@bench.test",
                         "kind": "trusted_flagger"},
            "share_identity": {"host": "none", "site_owner": "none", "law_enforcement": "send"},
            "good_faith": True, "language": "en",
        }
        bodies.append(json.dumps(body).encode())
    return bodies


def request_factory(token: str, bodies: list[bytes], run_tag: str, idem_share: float) -> Any:
    every = max(1, round(1 / idem_share)) if idem_share > 0 else 0
    base = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def make(seq: int) -> tuple[str, str, dict[str, str], bytes]:
        headers = dict(base)
        if every and seq % every == 0:
            headers["Idempotency-Key"] = f"{run_tag}-{seq}"
        return "POST", "/api/v1/reports", headers, bodies[seq % len(bodies)]

    return make


def healthz_factory(seq: int) -> tuple[str, str, dict[str, str], bytes]:
    return "GET", "/healthz", {}, b""


# --- one database -------------------------------------------------------------------------------

class Desk:
    """A fresh abusedesk instance (data dir, database, token) and queries on its job table."""

    def __init__(self, db: str, port: int, server_options: list[str], sync_commit_off: bool = False,
                 worker_nice: int | None = None) -> None:
        self.db = db
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"abusedesk-bench-{db}-"))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
        self.env.update({"ABUSEDESK_DATA_DIR": str(self.data_dir), "ABUSEDESK_INTAKE_RATE_TOKEN": RATE,
                         # No evidence fetching: it would resolve and fetch the reported URLs off this
                         # machine, and the benchmark sends traffic to 127.0.0.1 only.
                         "ABUSEDESK_EVIDENCE_CAPTURE": "0"})
        if worker_nice is not None:
            self.env["ABUSEDESK_WORKER_NICE"] = str(worker_nice)
        self.cache = f"file cache in {self.data_dir}/cache (the embedded default)"
        if db == "postgres":
            self.env["ABUSEDESK_DATABASE_URL"] = pg_create(PG_DB)
            if sync_commit_off:
                # Diagnostic only: commits stop waiting for the WAL flush (a crash can lose acknowledged
                # reports), which shows how much of the latency is fsync under the audit-head lock.
                pg_rows(PG_DB, f"ALTER DATABASE {PG_DB} SET synchronous_commit = off")
            self.env["ABUSEDESK_REDIS_URL"] = REDIS_URL
            # A per-run key prefix instead of flushing Redis db 14.
            self.env["ABUSEDESK_CACHE_PREFIX"] = f"bench-{secrets.token_hex(4)}"
            self.cache = f"Redis {REDIS_URL}"
        self.server = Server(self.env, self.data_dir, port, server_options)

    def setup(self) -> str:
        run_cli(self.env, "migrate")
        demo = json.loads((REPO / "src/abusedesk/cli/demo_data.json").read_text())
        customers = self.data_dir / "customers.json"
        customers.write_text(json.dumps(demo["customers"]))
        run_cli(self.env, "customers", "import", str(customers))
        run_cli(self.env, "users", "add", "bencher", "--role", "analyst", "--password-stdin",
                stdin=secrets.token_urlsafe(18) + "\n")
        out = run_cli(self.env, "token", "create", "--user", "bencher", "--kind", "trusted_flagger")
        return out.strip().splitlines()[0].strip()

    def rows(self, sql: str) -> list[list[str]]:
        if self.db == "postgres":
            return pg_rows(PG_DB, sql)
        return sqlite_rows(self.data_dir / "abusedesk.sqlite3", sql)

    def report_count(self) -> int:
        return int(self.rows("SELECT count(*) FROM intake_report")[0][0])

    def filed_count(self, after: int) -> int:
        """Reports of the burst (its submissions came after the `after`-th) that left RECEIVED: attributed and filed
        into a case, or answered as not ours. Reports left from the warm-up or an earlier burst do not count."""
        sql = ("SELECT count(*) FROM (SELECT status FROM intake_report ORDER BY received_at, id "  # noqa: S608 - an int
               f"OFFSET {int(after)}) burst WHERE status <> 'received'")
        return int(self.rows(sql)[0][0])

    def filed_within(self, seconds: float, stored: int, before: int) -> dict[str, Any]:
        """Poll until every report of the burst is filed or `seconds` have passed since the burst ended."""
        started = time.monotonic()
        filed = self.filed_count(before)
        while filed < stored and time.monotonic() - started < seconds:
            time.sleep(0.5)
            filed = self.filed_count(before)
        return {"filed_window_s": seconds, "filed_in_window": filed,
                "filed_share_in_window": round(filed / stored, 3) if stored else None,
                "all_filed_after_s": round(time.monotonic() - started, 1) if filed >= stored else None}

    def job_state(self) -> tuple[dict[str, int], int, int]:
        """Jobs still to run (READY and due, or RUNNING) by job name; finished and failed totals."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        stamp += "+00" if self.db == "postgres" else ""
        due = f"(run_after <= '{stamp}' OR run_after >= '9000-01-01')"
        pending = {path.rsplit(".", 1)[-1]: int(n) for path, n in self.rows(
            f"SELECT task_path, count(*) FROM {JOBS} WHERE status = 'RUNNING' "  # noqa: S608
            f"OR (status = 'READY' AND {due}) GROUP BY task_path")}
        finished, failed = (int(v or 0) for v in self.rows(
            f"SELECT count(*), sum(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) FROM {JOBS} "  # noqa: S608
            "WHERE status IN ('SUCCESSFUL', 'FAILED')")[0])
        return pending, finished, failed

    def drain(self, timeout: float) -> dict[str, Any]:
        """Wait until no job is due or running; time when the process_report jobs were done (every
        accepted report attributed and filed) and when everything was (follow-up jobs included)."""
        started = time.monotonic()
        pending, finished0, _ = self.job_state()
        at_stop = dict(pending)
        reports_s = 0.0 if not pending.get("process_report") else None
        finished, failed = finished0, 0
        while sum(pending.values()) and time.monotonic() - started < timeout:
            time.sleep(0.5)
            pending, finished, failed = self.job_state()
            if reports_s is None and not pending.get("process_report"):
                reports_s = time.monotonic() - started
        elapsed = time.monotonic() - started
        left = sum(pending.values())
        rate = (finished - finished0) / elapsed if elapsed > 0 else 0.0
        return {"backlog_at_stop": sum(at_stop.values()), "backlog_at_stop_by_job": at_stop,
                "process_report_drain_s": None if reports_s is None else round(reports_s, 1),
                "drained": left == 0, "drain_s": round(elapsed, 1), "left": left, "left_by_job": pending,
                "jobs_per_s_while_draining": round(rate, 1),
                # Not drained within the timeout: a lower bound at the rate seen so far (jobs spawn jobs).
                "drain_s_estimated": round(elapsed + left / rate, 1) if left and rate else round(elapsed, 1),
                "failed_jobs_total": failed}

    def close(self, keep: bool) -> bool:
        clean = self.server.stop()
        if self.db == "postgres":
            pg_drop(PG_DB)
        if not keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        return clean


def shape_options(web: int | None, threads: int | None, workers: int | None) -> list[str]:
    options = []
    for flag, value in (("--web-processes", web), ("--threads", threads), ("--workers", workers)):
        if value is not None:
            options += [flag, str(value)]
    return options


def bench_one(db: str, shape: tuple[int | None, int | None], args: argparse.Namespace,
              bodies: list[bytes]) -> list[dict[str, Any]]:
    web, threads = shape
    label = f"{web or 'default'}x{threads or 'default'}, workers {args.workers or 'default'}"
    print(f"\n== {db}: web processes x threads = {label}", flush=True)
    desk = Desk(db, free_port(args.port), shape_options(web, threads, args.workers), args.pg_async_commit,
                args.worker_nice)
    rows: list[dict[str, Any]] = []
    try:
        token, boot = start_desk(desk, pause=30)
        print(f"   server up in {boot:.1f}s on port {desk.server.port}; cache: {desk.cache}", flush=True)
        tag = secrets.token_hex(4)
        if args.warmup > 0:
            warm = run_load(desk.server.port, request_factory(token, bodies, f"{tag}-warm", args.idem),
                            clients=max(args.clients), duration=args.warmup)
            print(f"   warm-up: {warm.summary(201)['accepted']} accepted in {args.warmup:.0f}s", flush=True)
        for clients in args.clients:
            # The baseline is the same server at rest: the job workers first file what the warm-up (or the last
            # client count) left, or /healthz would be measured against workers busy with it.
            idle = desk.drain(args.idle_timeout)
            if not idle["drained"]:
                print(f"   not idle after {args.idle_timeout:.0f}s ({idle['left_by_job']} left); measuring anyway",
                      flush=True)
            other_before = wait_for_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
            health = run_load(desk.server.port, healthz_factory, clients=clients, duration=args.duration).summary(200)
            print(f"   {clients:>3} clients on /healthz: {health['accepted_per_s']:>7.1f}/s  "
                  f"p50 {health['p50_ms']} ms  p99 {health['p99_ms']} ms  errors {health['errors']}", flush=True)
            before = desk.report_count()
            cpu_before = cpu_snapshot()
            res = run_load(desk.server.port, request_factory(token, bodies, f"{tag}-c{clients}", args.idem),
                           clients=clients, duration=args.duration)
            summary = res.summary(201)
            cores = cpu_share(cpu_before, cpu_snapshot(), res.duration_s)
            summary["cpu_cores_used"] = cores
            # CPU per accepted report by process group: less sensitive to other load than reports/s.
            accepted = max(1, summary["accepted"])
            summary["cpu_ms_per_report"] = {g: round(c * res.duration_s * 1000 / accepted, 2)
                                            for g, c in cores.items() if g not in ("other",)}
            summary["other_cores"] = cores.get("other", 0.0)
            summary["other_cores_before_run"] = other_before
            stored = desk.report_count() - before
            window = desk.filed_within(args.filed_window, stored, before)
            cpu_before = cpu_snapshot()
            drain = desk.drain(args.drain_timeout)
            drain["cpu_cores_while_draining"] = cpu_share(cpu_before, cpu_snapshot(),
                                                          max(0.1, drain["drain_s"]))
            share = (round(summary["accepted_per_s"] / health["accepted_per_s"], 3)
                     if health["accepted_per_s"] else None)
            row = {"db": db, "cache": desk.cache, "healthz_per_s": health["accepted_per_s"],
                   "healthz_p99_ms": health["p99_ms"], "intake_share_of_healthz": share, **window,
                   "pg_synchronous_commit_off": args.pg_async_commit and db == "postgres",
                   "worker_nice": args.worker_nice,
                   "web_processes": web, "threads": threads,
                   "workers": args.workers, "shape": label, **summary, **drain, "reports_stored": stored}
            rows.append(row)
            filed = drain["process_report_drain_s"]
            print(f"   {clients:>3} clients: {summary['accepted_per_s']:>7.1f} accepted/s  "
                  f"p50 {summary['p50_ms']} ms  p99 {summary['p99_ms']} ms  errors {summary['errors']}  "
                  f"backlog {drain['backlog_at_stop']}, reports filed after "
                  f"{filed if filed is not None else '>' + str(drain['drain_s'])}s, "
                  f"all jobs done after {drain['drain_s']}s"
                  f"{'' if drain['drained'] else ' (NOT drained: ' + str(drain['left_by_job']) + ' left)'}"
                  f" at {drain['jobs_per_s_while_draining']} jobs/s",
                  flush=True)
            print(f"   intake = {share} of the /healthz rate; {window['filed_in_window']} of {stored} reports "
                  f"({window['filed_share_in_window']}) filed within {args.filed_window:.0f}s of the burst's end",
                  flush=True)
            print(f"   cores used during the run: {cores}", flush=True)
            print(f"   CPU ms per accepted report: {summary['cpu_ms_per_report']}", flush=True)
            if summary["other_cores"] > 0.2:
                print(f"   WARNING: processes outside the benchmark used {summary['other_cores']} cores "
                      "during this run; figures are depressed", flush=True)
            if summary["errors"]:
                print(f"   statuses {summary['statuses']} samples {summary['error_samples']}", flush=True)
    finally:
        clean = desk.close(args.keep)
        print(f"   server stopped {'cleanly' if clean else 'with SIGKILL'}"
              f"{'' if not args.keep else '; data kept in ' + str(desk.data_dir)}", flush=True)
        for row in rows:
            row["stopped_cleanly"] = clean
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    cols = [("db", "db", 8), ("shape", "shape", 26), ("clients", "clients", 7), ("requests", "requests", 8),
            ("errors", "errors", 6), ("healthz_per_s", "hz/s", 7), ("accepted_per_s", "acc/s", 7),
            ("intake_share_of_healthz", "share", 6), ("filed_share_in_window", "filed60", 7), ("p50_ms", "p50", 6),
            ("p90_ms", "p90", 6), ("p99_ms", "p99", 6), ("max_ms", "max", 7),
            ("backlog_at_stop", "backlog", 7), ("process_report_drain_s", "filed s", 7),
            ("drain_s", "all s", 7), ("other_cores", "other", 5)]
    print("\n" + "  ".join(f"{title:>{width}}" for _, title, width in cols))
    for row in rows:
        cells = []
        for key, _, width in cols:
            value = row.get(key)
            if key == "process_report_drain_s" and value is None:
                value = f">{row.get('drain_s')}"
            if key == "drain_s" and not row.get("drained"):
                value = f"~{row.get('drain_s_estimated')}"
            cells.append(f"{'-' if value is None else value!s:>{width}}")
        print("  ".join(cells))


def parse_shapes(text: str) -> list[tuple[int | None, int | None]]:
    shapes = []
    for part in text.split(","):
        web, _, threads = part.strip().lower().partition("x")
        shapes.append((int(web), int(threads)))
    return shapes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--clients", default="8,32", help="comma-separated concurrent client counts")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per client count")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of discarded load first")
    parser.add_argument("--web-processes", type=int, default=None, help="default: abusedesk up's (2)")
    parser.add_argument("--threads", type=int, default=None, help="default: abusedesk up's (8)")
    parser.add_argument("--workers", type=int, default=None, help="job workers; default: abusedesk up's (1)")
    parser.add_argument("--shapes", default=None,
                        help="try several server shapes, WEBxTHREADS comma-separated (e.g. 2x8,3x8,4x4); "
                             "overrides --web-processes/--threads")
    parser.add_argument("--port", type=int, default=8765, help="port (a free one is used if taken)")
    parser.add_argument("--idem", type=float, default=0.5, help="share of requests with an Idempotency-Key")
    parser.add_argument("--drain-timeout", type=float, default=30.0,
                        help="longest wait for the job backlog to drain after each load run")
    parser.add_argument("--filed-window", type=float, default=60.0,
                        help="seconds after a burst within which the share of its reports filed is measured")
    parser.add_argument("--pg-async-commit", action="store_true",
                        help="diagnostic: synchronous_commit=off on the bench database (not durable)")
    parser.add_argument("--quiet-wait", type=float, default=10.0,
                        help="before each run, wait up to this many seconds for other processes on the "
                             "machine to use under 0.25 cores (0: do not wait)")
    parser.add_argument("--idle-timeout", type=float, default=120.0,
                        help="seconds to wait for the job workers to finish earlier work before /healthz is measured")
    parser.add_argument("--worker-nice", type=int, default=None,
                        help="ABUSEDESK_WORKER_NICE for the job workers (default: the desk's own default)")
    parser.add_argument("--keep", action="store_true", help="keep the data directories (server logs)")
    parser.add_argument("--out", type=Path, default=None, help="JSON result path")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in str(args.clients).split(",") if c.strip()]
    if not args.clients or min(args.clients) < 1 or args.duration <= 0:
        parser.error("--clients must list positive counts and --duration must be positive")
    dbs = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    shapes = parse_shapes(args.shapes) if args.shapes else [(args.web_processes, args.threads)]

    info = machine_info()
    print(f"machine: {info['nproc']} cpus ({info['cpu_model']}), Python {info['python']}, "
          f"PostgreSQL {info['postgresql']}, {info['date_utc']} UTC", flush=True)
    bodies = make_bodies(512)
    rows: list[dict[str, Any]] = []
    started = time.monotonic()
    try:
        for db in dbs:
            for shape in shapes:
                rows += bench_one(db, shape, args, bodies)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
    print_table(rows)
    out = args.out or RESULTS / f"intake-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}.json"
    write_json(out, {"benchmark": "intake", "command": [Path(sys.executable).name, *sys.argv],
                     "machine": info, "settings": {"rate_token": RATE, "idempotency_share": args.idem,
                                                   "duration_s": args.duration, "warmup_s": args.warmup,
                                                   "drain_timeout_s": args.drain_timeout},
                     "total_runtime_s": round(time.monotonic() - started, 1), "runs": rows})
    print(f"\nwrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
