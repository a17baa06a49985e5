"""Escalation benchmark: S0 report → on-call page latency under background load, and watch throughput.

Part 1 (paging): starts the server the README's way (`abusedesk up`) on a fresh data directory and database
(PostgreSQL + Redis by default; SQLite with --db sqlite/both), with the on-call webhook pointed at a small
loopback HTTP receiver in this process. Background load: --rate reports/s (default 50) through
`POST /api/v1/reports`, paced open-loop over a few keep-alive clients, mostly low-severity categories. Every
--probe-interval seconds one S0 probe report (a threat plus a home address in the explanation, about its own
customer property `probeN.test`, so each probe opens its own case and pages once) is sent; the figure is the
time from its 201 answer to the page's arrival at the receiver. Repeated for each --workers count.

Part 2 (watch): in-process on SQLite, one watched thread served by `abusedesk.watch.forum.ScenarioForum`
gains --posts posts; time to fetch, split, analyse and store them (posts/s overall and per phase), then the
incremental case (--posts already seen + 100 new).

    python bench/escalation.py                                # postgres, workers 1 and 2, 60 s each; watch 10k
    python bench/escalation.py --duration 20 --posts 2000     # shorter
    python bench/escalation.py --db both --workers 1,2

Traffic goes to 127.0.0.1 only. Prints tables, writes bench/results/escalation-<date>.json, stops the server
(SIGTERM to its process group) and drops the bench PostgreSQL database. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import logging
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    HOST,
    REPO,
    RESULTS,
    Server,
    cpu_share,
    cpu_snapshot,
    free_port,
    machine_info,
    pct,
    pg_create,
    pg_drop,
    pg_rows,
    run_cli,
    run_load,
    sqlite_rows,
    start_desk,
    write_json,
)

PG_DB = "abusedesk_escbench"
REDIS_URL = "redis://127.0.0.1:6379/13"
JOBS = "django_tasks_database_dbtaskresult"
S0_TEXT = ("She lives at 14 Shore Road, Holywood BT18 9HX. Someone should visit her tonight and hurt her. "
           "Probe {n}.")
def _words(text: str) -> list[str]:
    return text.split()


_WORDS = _words("this page keeps sending messages asking for my bank login and card number it looks like a copy of the "
          "real shop with a fake checkout and the seller never answers the account posts the same advert every "
          "few minutes in every thread and people complain about the spam links")
_HARASS = _words("they keep posting insulting comments about me under every photo and tagging my friends and calling "
           "me names")
BG_CATEGORIES = [("spam", 35), ("scam", 30), ("other", 20), ("harassment", 15)]
BG_SITES = ["https://shop.test/item/{n}", "https://shop.test/login-verify/{n}", "http://198.51.100.5/p/{n}",
            "https://elsewhere.test/post/{n}", "https://unrelated-{m}.test/x/{n}"]


# --- the on-call webhook receiver ---------------------------------------------------------------------

class Receiver:
    """Loopback HTTP server recording (monotonic arrival time, JSON body) of every POST."""

    def __init__(self) -> None:
        self.pages: list[tuple[float, dict[str, Any]]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                arrived = time.monotonic()
                try:
                    body = json.loads(data or b"{}")
                except ValueError:
                    body = {"_raw": data[:200].decode(errors="replace")}
                with outer.lock:
                    outer.pages.append((arrived, body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def snapshot(self) -> list[tuple[float, dict[str, Any]]]:
        with self.lock:
            return list(self.pages)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- request bodies -------------------------------------------------------------------------------

def background_bodies(count: int, threat_share: float = 0.0, seed: int = 11) -> list[bytes]:
    """Low-severity reports; with threat_share > 0 that share is category "threat" (S1, no address: never S0),
    whose process_report jobs queue at the same priority as the S0 probes' (S0 is only known after detection)."""
    rng = random.Random(seed)
    cats = [c for c, w in BG_CATEGORIES for _ in range(w)]
    out = []
    for i in range(count):
        cat = "threat" if rng.random() < threat_share else rng.choice(cats)
        n = rng.randrange(1, 1_000_000)
        if cat == "threat":
            text = "they wrote that someone should hurt me and that I will regret posting " + str(n)
        else:
            words = _HARASS if cat == "harassment" else _WORDS
            text = " ".join(rng.choice(words) for _ in range(rng.randint(15, 60)))
        out.append(json.dumps({
            "urls": [rng.choice(BG_SITES).format(n=n, m=n % 97)], "category": cat,
            "explanation": f"Background {i}: {text}.",
            "reporter": {"name": f"Reader {i % 50}", "email": f"reader{i % 50}@bench.test", "kind": "individual"},
            "share_identity": {"host": "none", "site_owner": "none", "law_enforcement": "none"},
            "good_faith": True, "language": "en"}).encode())
    return out


def probe_body(n: int) -> bytes:
    return json.dumps({
        "urls": [f"https://probe{n}.test/threads/{n}"], "category": "threat", "explanation": S0_TEXT.format(n=n),
        "reporter": {"name": "Worried Friend", "email": f"friend{n}@bench.test", "kind": "individual"},
        "share_identity": {"host": "none", "site_owner": "none", "law_enforcement": "send"},
        "good_faith": True, "language": "en"}).encode()


# --- paced open-loop HTTP -------------------------------------------------------------------------

async def _request(state: dict[str, Any], port: int, body: bytes, timeout: float) -> tuple[int, bytes]:
    if state.get("writer") is None:
        state["reader"], state["writer"] = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    head = (f"POST /api/v1/reports HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    state["writer"].write(head + body)
    return await asyncio.wait_for(_read(state), timeout)


async def _read(state: dict[str, Any]) -> tuple[int, bytes]:
    reader = state["reader"]
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    length, close = 0, False
    for line in head[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    data = await reader.readexactly(length) if length else b""
    if close:
        _drop(state)
    return status, data


def _drop(state: dict[str, Any]) -> None:
    if state.get("writer") is not None:
        state["writer"].close()
    state["writer"] = state["reader"] = None


async def _background(port: int, bodies: list[bytes], rate: float, clients: int, duration: float,
                      stats: dict[str, Any]) -> None:
    """`clients` keep-alive connections; client c sends request k at start + (k*clients + c)/rate (open loop:
    a client that falls behind sends at once and the lag is recorded)."""
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def client(c: int) -> None:
        state: dict[str, Any] = {}
        k = 0
        while True:
            due = start + (k * clients + c) / rate
            if due >= start + duration:
                break
            now = loop.time()
            if due > now:
                await asyncio.sleep(due - now)
            else:
                stats["max_lag_s"] = max(stats["max_lag_s"], now - due)
            k += 1
            seq = k * clients + c
            t0 = time.perf_counter()
            try:
                status, _ = await _request(state, port, bodies[seq % len(bodies)], 30.0)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                stats["errors"] += 1
                if len(stats["samples"]) < 5:
                    stats["samples"].append(f"{exc.__class__.__name__}: {exc}")
                _drop(state)
                continue
            stats["latencies_ms"].append((time.perf_counter() - t0) * 1000)
            stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
            if status != 201:
                stats["errors"] += 1
        _drop(state)

    await asyncio.gather(*(client(c) for c in range(clients)))


async def _probes(port: int, interval: float, duration: float, probes: list[dict[str, Any]]) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    state: dict[str, Any] = {}
    n = 0
    while True:
        due = start + 1.0 + n * interval
        if due >= start + duration:
            break
        await asyncio.sleep(max(0.0, due - loop.time()))
        n += 1
        sent = time.monotonic()
        entry: dict[str, Any] = {"n": n, "sent": sent}
        try:
            status, data = await _request(state, port, probe_body(n), 30.0)
            entry.update(accepted=time.monotonic(), status=status)
            if status == 201:
                entry["report"] = json.loads(data).get("id")
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            entry.update(status=None, error=f"{exc.__class__.__name__}: {exc}")
            _drop(state)
        probes.append(entry)
    _drop(state)


# --- one paging run -----------------------------------------------------------------------------------

class Desk:
    def __init__(self, db: str, port: int, workers: int, receiver: Receiver, n_probes: int,
                 args: argparse.Namespace) -> None:
        self.db = db
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"abusedesk-escbench-{db}-"))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
        self.env.update({
            "ABUSEDESK_DATA_DIR": str(self.data_dir),
            "ABUSEDESK_ONCALL_WEBHOOK_URL": f"http://oncall.bench.test:{receiver.port}/page",
            "ABUSEDESK_EVIDENCE_STATIC_HOSTS": json.dumps({"oncall.bench.test": HOST}),
            "ABUSEDESK_EVIDENCE_ALLOW_NETWORKS": "127.0.0.1/32",
            "ABUSEDESK_INTAKE_RATE_ANONYMOUS": "1000000/m",
            "ABUSEDESK_JOBS_POLL_INTERVAL": str(args.poll_interval),
        })
        if args.worker_nice is not None:
            self.env["ABUSEDESK_WORKER_NICE"] = str(args.worker_nice)
        if db == "postgres":
            self.env["ABUSEDESK_DATABASE_URL"] = pg_create(PG_DB)
            self.env["ABUSEDESK_REDIS_URL"] = REDIS_URL
            self.env["ABUSEDESK_CACHE_PREFIX"] = f"escbench-{secrets.token_hex(4)}"
        options = ["--workers", str(workers)]
        if args.web_processes:
            options += ["--web-processes", str(args.web_processes)]
        if args.threads:
            options += ["--threads", str(args.threads)]
        self.server = Server(self.env, self.data_dir, port, options)
        self.n_probes = n_probes

    def setup(self) -> None:
        run_cli(self.env, "migrate")
        demo = json.loads((REPO / "src/abusedesk/cli/demo_data.json").read_text())
        customers = list(demo["customers"]) + [
            {"id": f"probe-{n}", "name": f"Probe {n}", "email": f"owner@probe{n}.test", "language": "en",
             "protected": False, "properties": [{"domain": f"probe{n}.test", "services": ["hosting"]}]}
            for n in range(1, self.n_probes + 1)]
        path = self.data_dir / "customers.json"
        path.write_text(json.dumps({"customers": customers}))
        run_cli(self.env, "customers", "import", str(path))

    def rows(self, sql: str) -> list[list[str]]:
        if self.db == "postgres":
            return pg_rows(PG_DB, sql)
        return sqlite_rows(self.data_dir / "abusedesk.sqlite3", sql)

    def backlog(self) -> dict[str, int]:
        """READY jobs that are due (delayed re-page jobs excluded) and RUNNING, by job name."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") + ("+00" if self.db == "postgres" else "")
        return {p.rsplit(".", 1)[-1]: int(n) for p, n in self.rows(
            f"SELECT task_path, count(*) FROM {JOBS} WHERE status = 'RUNNING' OR (status = 'READY' AND "  # noqa: S608
            f"(run_after <= '{stamp}' OR run_after >= '9000-01-01')) GROUP BY task_path")}

    def close(self, keep: bool) -> bool:
        clean = self.server.stop()
        if self.db == "postgres":
            pg_drop(PG_DB)
        if not keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        return clean


def paging_run(db: str, workers: int, args: argparse.Namespace, bodies: list[bytes]) -> dict[str, Any]:
    print(f"\n== paging: {db}, --workers {workers}, {args.rate:.0f} reports/s background for "
          f"{args.duration:.0f}s, a probe every {args.probe_interval:.1f}s", flush=True)
    receiver = Receiver()
    n_probes = int(args.duration / args.probe_interval) + 2
    desk = Desk(db, free_port(args.port), workers, receiver, n_probes, args)
    row: dict[str, Any] = {"db": db, "workers": workers}
    try:
        _prepared, boot = start_desk(desk, pause=20)
        print(f"   server up in {boot:.1f}s on port {desk.server.port}; receiver on {receiver.port}", flush=True)
        uptime_before = _uptime()
        health = run_load(desk.server.port, lambda seq: ("GET", "/healthz", {}, b""), clients=args.clients,
                          duration=min(10.0, args.duration)).summary(200)
        print(f"   /healthz on the same server, {args.clients} clients: {health['accepted_per_s']}/s "
              f"p99 {health['p99_ms']} ms", flush=True)
        row.update({"healthz_per_s": health["accepted_per_s"], "healthz_p99_ms": health["p99_ms"]})
        stats: dict[str, Any] = {"errors": 0, "samples": [], "latencies_ms": [], "statuses": {}, "max_lag_s": 0.0}
        probes: list[dict[str, Any]] = []

        async def main() -> None:
            await asyncio.gather(_background(desk.server.port, bodies, args.rate, args.clients, args.duration, stats),
                                 _probes(desk.server.port, args.probe_interval, args.duration, probes))

        cpu0 = cpu_snapshot()
        t0 = time.monotonic()
        asyncio.run(main())
        load_s = time.monotonic() - t0
        cores = cpu_share(cpu0, cpu_snapshot(), load_s)
        backlog_at_end = desk.backlog()
        # Wait (bounded) for the pages of the last probes.
        wait_until = time.monotonic() + args.page_wait
        accepted = [p for p in probes if p.get("status") == 201]
        while time.monotonic() < wait_until and len(_match(accepted, receiver.snapshot())) < len(accepted):
            time.sleep(0.1)
        matched = _match(accepted, receiver.snapshot())
        lat = sorted(matched.values())
        unpaged = [p["n"] for p in accepted if p["n"] not in matched]
        ok = stats["statuses"].get(201, 0)
        bl = sorted(stats["latencies_ms"])
        row.update({
            "boot_s": round(boot, 1), "load_s": round(load_s, 1), "background_sent": sum(stats["statuses"].values())
            + stats["errors"] - sum(v for k, v in stats["statuses"].items() if k != 201),
            "background_accepted": ok, "background_rate": round(ok / load_s, 1), "background_errors": stats["errors"],
            "background_statuses": {str(k): v for k, v in stats["statuses"].items()},
            "background_error_samples": stats["samples"], "background_max_lag_s": round(stats["max_lag_s"], 2),
            "background_p50_ms": pct(bl, 50), "background_p99_ms": pct(bl, 99),
            "probes_sent": len(probes), "probes_accepted": len(accepted), "probes_paged": len(matched),
            "probes_not_paged": unpaged,
            "probe_accept_ms_p50": pct(sorted((p["accepted"] - p["sent"]) * 1000 for p in accepted), 50),
            "page_s_p50": _r(pct(lat, 50)), "page_s_p95": _r(pct(lat, 95)), "page_s_p99": _r(pct(lat, 99)),
            "page_s_max": _r(lat[-1] if lat else None), "page_s_min": _r(lat[0] if lat else None),
            "page_latencies_s": [round(v, 3) for v in lat],
            "page_latency_by_probe_s": {str(k): round(v, 3) for k, v in sorted(matched.items())},
            "ready_backlog_at_end_of_load": backlog_at_end,
            "ready_backlog_at_end_total": sum(backlog_at_end.values()),
            "cpu_cores_used": cores, "uptime_before": uptime_before, "uptime_after": _uptime(),
        })
        row["meets_target_p99_5s"] = bool(lat) and not unpaged and (pct(lat, 99) or 99) <= 5.0
        row["background_share_of_healthz"] = (round(row["background_rate"] / health["accepted_per_s"], 3)
                                              if health["accepted_per_s"] else None)
        print(f"   background: {ok} accepted ({row['background_rate']}/s = {row['background_share_of_healthz']} of "
              f"/healthz), errors {stats['errors']}, "
              f"p50 {row['background_p50_ms']} ms p99 {row['background_p99_ms']} ms, max lag "
              f"{row['background_max_lag_s']} s", flush=True)
        print(f"   probes: {len(accepted)} accepted, {len(matched)} paged; accept->page p50 {row['page_s_p50']} s "
              f"p95 {row['page_s_p95']} s p99 {row['page_s_p99']} s max {row['page_s_max']} s", flush=True)
        print(f"   job backlog (due READY + RUNNING) at end of load: {backlog_at_end}", flush=True)
        print(f"   cores used: {cores}", flush=True)
    finally:
        clean = desk.close(args.keep)
        receiver.close()
        row["stopped_cleanly"] = clean
        print(f"   server stopped {'cleanly' if clean else 'with SIGKILL'}", flush=True)
    return row


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def _match(accepted: list[dict[str, Any]], pages: list[tuple[float, dict[str, Any]]]) -> dict[int, float]:
    """probe n -> seconds from its 201 to the first page whose title names probe{n}.test."""
    first: dict[str, float] = {}
    for arrived, body in pages:
        title = str(body.get("title", ""))
        domain = title.rsplit(": ", 1)[-1].strip()
        if domain not in first:
            first[domain] = arrived
    out = {}
    for p in accepted:
        arrived = first.get(f"probe{p['n']}.test")
        if arrived is not None:
            out[p["n"]] = arrived - p["accepted"]
    return out


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


# --- watch throughput (in-process) ----------------------------------------------------------------

_CHATTER = _words("anyone else watching the stream tonight lol she was so annoying the mods are asleep again "
            "this thread is going nowhere post more clips please who even cares about her opinion first time poster "
            "long time reader that outfit though honestly the drama is the only reason I come here")
_DOX = ["she lives at {h} Shore Road, Holywood BT18 9HX apparently", "her address is {h} Main Street, Bangor BT20 5AA",
        "found her place: {h} Victoria Avenue, Belfast BT4 1AB, blue door"]
_THREAT = ["someone should visit her tonight and hurt her",
           "I will find her and make her pay, she deserves to get hurt",
           "go there and teach her a lesson she won't forget"]


def forum_posts(count: int, seed: int = 5) -> list[dict[str, str]]:
    """~94% chatter, 3% insults, 2% doxxing (an address), 1% threats; one post per simulated minute."""
    rng = random.Random(seed)
    posts = []
    for i in range(count):
        r = rng.random()
        if r < 0.02:
            text = rng.choice(_DOX).format(h=rng.randint(1, 200))
        elif r < 0.03:
            text = rng.choice(_THREAT)
        elif r < 0.06:
            text = "she is a stupid worthless idiot and everyone hates her " + str(i)
        else:
            text = " ".join(rng.choice(_CHATTER) for _ in range(rng.randint(5, 40)))
        posts.append({"at": f"{i}m", "author": f"user{rng.randrange(400)}", "text": f"{text} (#{i})"})
    return posts


def watch_bench(args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n== watch: one thread gains {args.posts} posts, then +100 (in-process, SQLite)", flush=True)
    data_dir = Path(tempfile.mkdtemp(prefix="abusedesk-escbench-watch-"))
    saved = {k: v for k, v in os.environ.items() if k.startswith("ABUSEDESK_") or k == "DJANGO_SETTINGS_MODULE"}
    for k in saved:
        os.environ.pop(k)
    os.environ.update({"DJANGO_SETTINGS_MODULE": "abusedesk.settings", "ABUSEDESK_DATA_DIR": str(data_dir),
                       "ABUSEDESK_EVIDENCE_CAPTURE": "0"})
    try:
        return _watch(args, data_dir)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def _watch(args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # evaluate() logs one INFO line per re-triage (so per post here); keep the console readable.
    logging.getLogger("abusedesk.triage").setLevel(logging.WARNING)
    import abusedesk.detection.api as det_api
    import abusedesk.referrals.location as loc_mod
    import abusedesk.triage.tasks as tri_tasks
    import abusedesk.watch.posts as posts_mod
    import abusedesk.watch.service as svc
    from abusedesk.cases.models import Case
    from abusedesk.net import FetchPolicy, StaticResolver, fetch
    from abusedesk.net.client import fetch as _unused  # noqa: F401 - same function, import check
    from abusedesk.watch.forum import ScenarioForum

    total = args.posts + 100
    sites = [{"domain": "forum.test", "threads": [{"path": "/threads/big.1", "title": "Big thread",
                                                     "posts": forum_posts(total)}]}]
    case = Case.objects.create(title="Forum Operator LLC: forum.test", severity="S2")
    timers = {"split_posts": 0.0, "analyse": 0.0, "locate": 0.0, "retriage": 0.0, "record": 0.0}
    record_ends: list[float] = []

    budget = {"deadline": float("inf")}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                timers[name] += time.perf_counter() - t
                if name == "record":
                    record_ends.append(time.perf_counter())
                    if record_ends[-1] > budget["deadline"]:
                        raise _BudgetHit  # after the post's own transaction committed
        return wrapper

    originals = (posts_mod.split_posts, det_api.analyse, loc_mod.locate, tri_tasks.retriage, svc._record)
    posts_mod.split_posts = timed("split_posts", originals[0])
    det_api.analyse = timed("analyse", originals[1])
    loc_mod.locate = timed("locate", originals[2])
    tri_tasks.retriage = timed("retriage", originals[3])
    svc._record = timed("record", originals[4])
    originals[1]("warm-up: she lives at 1 Shore Road, Holywood BT18 9HX", None)  # load models once
    out: dict[str, Any] = {"posts": args.posts}
    forum = ScenarioForum(sites)
    try:
        url = f"http://forum.test:{forum.port}/threads/big.1"
        policy = FetchPolicy(allow_networks=("127.0.0.1/32",), max_bytes=50 * 1024 * 1024)
        resolver = StaticResolver({"forum.test": HOST})
        from django.db import transaction

        with transaction.atomic():
            thread = svc.start(case, url)

        def one_pass(clock: float, label: str, limit: float) -> dict[str, Any]:
            for k in timers:
                timers[k] = 0.0
            record_ends.clear()
            forum.set_clock(clock)
            t0 = time.perf_counter()
            res = fetch(url, policy=policy, resolver=resolver)
            t_fetch = time.perf_counter() - t0
            if not res.ok or res.body is None:
                raise RuntimeError(f"fetch failed: {res.reason} {res.status}")
            t1 = time.perf_counter()
            budget["deadline"] = t1 + limit
            stopped = False
            try:
                n = len(svc.process_page(thread, res.body))
            except _BudgetHit:
                n, stopped = len(record_ends), True
            budget["deadline"] = float("inf")
            t_proc = time.perf_counter() - t1
            analysis = timers["analyse"] + timers["locate"]
            db = timers["record"] - analysis
            r = {"label": label, "page_bytes": len(res.body), "new_posts": n, "stopped_at_time_budget": stopped,
                  "fetch_s": round(t_fetch, 3),
                 "process_page_s": round(t_proc, 2), "split_posts_s": round(timers["split_posts"], 3),
                 "seen_query_and_other_s": round(t_proc - timers["split_posts"] - timers["record"], 3),
                 "analysis_s": round(analysis, 2), "analyse_s": round(timers["analyse"], 2),
                 "locate_s": round(timers["locate"], 3), "db_writes_s": round(db, 2),
                 "retriage_s": round(timers["retriage"], 2),
                 "posts_per_s_overall": round(n / (t_fetch + t_proc), 1) if n else None,
                 "posts_per_s_split": round(n / timers["split_posts"], 1) if timers["split_posts"] else None,
                 "posts_per_s_analysis": round(n / analysis, 1) if analysis else None,
                 "posts_per_s_db": round(n / db, 1) if db > 0 else None}
            if len(record_ends) >= 2000:  # throughput per 1,000 posts, to show any slow-down as the case grows
                marks = [t1 + timers["split_posts"], *record_ends[999::1000]]
                r["posts_per_s_by_1000"] = [round(1000 / (b - a), 1) for a, b in itertools.pairwise(marks)]
            print(f"   {label}: {n} new posts of a {len(res.body) / 1e6:.1f} MB page in {t_fetch + t_proc:.1f}s "
                  f"({r['posts_per_s_overall']} posts/s): fetch {t_fetch:.2f}s, split {timers['split_posts']:.2f}s, "
                  f"analysis {analysis:.1f}s, DB writes {db:.1f}s (of which retriage {timers['retriage']:.1f}s)",
                  flush=True)
            if stopped:
                print(f"      stopped at the --watch-budget ({limit:.0f}s) after {n} posts", flush=True)
            if "posts_per_s_by_1000" in r:
                print(f"      posts/s per 1,000: {r['posts_per_s_by_1000']}", flush=True)
            return r

        # split_posts alone on the full page (no DB), for a clean parser figure.
        forum.set_clock((args.posts - 1) * 60)
        body = fetch(url, policy=policy, resolver=resolver).body or b""
        t = time.perf_counter()
        split = originals[0](body, url)
        t_split = time.perf_counter() - t
        out["split_only"] = {"posts": len(split), "seconds": round(t_split, 3),
                             "posts_per_s": round(len(split) / t_split, 1)}
        print(f"   split_posts alone: {len(split)} posts in {t_split:.2f}s ({len(split) / t_split:.0f} posts/s)",
              flush=True)
        out["full"] = one_pass((args.posts - 1) * 60, f"{args.posts} new", args.watch_budget)
        if out["full"]["stopped_at_time_budget"]:
            out["filled_in"] = _fill_seen(thread, split, out["full"]["new_posts"])
            print(f"   filled in the {out['filled_in']['posts']} unprocessed posts as seen (bulk insert, with "
                  f"{out['filled_in']['findings']} findings cloned at the same rate) for the incremental case",
                  flush=True)
        out["incremental"] = one_pass((total - 1) * 60, f"{args.posts} seen + 100 new", float("inf"))
        out["incremental"]["time_to_find_and_process_s"] = round(out["incremental"]["fetch_s"]
                                                                 + out["incremental"]["process_page_s"], 2)
        case.refresh_from_db()
        out["case_severity_after"] = case.severity
        from abusedesk.cases.models import Finding

        out["findings_on_case"] = Finding.objects.filter(case=case).count()
    finally:
        forum.close()
        (posts_mod.split_posts, det_api.analyse, loc_mod.locate, tri_tasks.retriage, svc._record) = originals
    return out


class _BudgetHit(Exception):
    pass


def _fill_seen(thread: Any, split: list[Any], done: int) -> dict[str, int]:
    """Record the posts the time budget left unprocessed as seen, and clone the case's watch findings at the
    rate of the processed part, so the incremental pass meets a case of the full size."""
    import hashlib

    from django.db import transaction
    from django.utils import timezone

    from abusedesk.cases.models import Finding
    from abusedesk.watch.models import WatchedPost

    seen = set(thread.posts.values_list("fingerprint", flat=True))
    rest = [p for p in split if p.fingerprint not in seen]
    now = timezone.now()
    existing = list(Finding.objects.filter(case_id=thread.case_id, source="watch"))
    want = round(len(existing) * len(rest) / max(1, done))
    with transaction.atomic():
        WatchedPost.objects.bulk_create([WatchedPost(
            thread=thread, index=p.index + 1, fingerprint=p.fingerprint, author=p.author, posted_at=p.posted_at or "",
            text=p.text, text_sha256=hashlib.sha256(p.text.encode()).hexdigest(), first_seen_at=now, labels=[],
            span_types=[]) for p in rest], batch_size=500)
        clones = []
        for i in range(want):
            f = existing[i % len(existing)]
            clones.append(Finding(case_id=f.case_id, source=f.source, detector=f.detector,
                                  detector_version=f.detector_version, category=f.category, score=f.score,
                                  spans=f.spans, explanation_json=f.explanation_json))
        Finding.objects.bulk_create(clones, batch_size=500)
    return {"posts": len(rest), "findings": want}


# --- main -------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="postgres")
    parser.add_argument("--workers", default="1,2", help="comma-separated job worker counts to try")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of background load per run")
    parser.add_argument("--rate", type=float, default=50.0, help="background reports/s")
    parser.add_argument("--threat-share", type=float, default=0.0,
                        help="share of background reports with category threat (same queue priority as probes)")
    parser.add_argument("--clients", type=int, default=4, help="background keep-alive connections")
    parser.add_argument("--probe-interval", type=float, default=2.0, help="seconds between S0 probes")
    parser.add_argument("--page-wait", type=float, default=20.0,
                        help="after the load, wait at most this long for outstanding pages")
    parser.add_argument("--poll-interval", type=float, default=0.05, help="ABUSEDESK_JOBS_POLL_INTERVAL")
    parser.add_argument("--web-processes", type=int, default=None)
    parser.add_argument("--worker-nice", type=int, default=None,
                        help="ABUSEDESK_WORKER_NICE for the job workers (default: the desk's own default)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--posts", type=int, default=10_000, help="posts the watched thread gains (0: skip)")
    parser.add_argument("--watch-budget", type=float, default=150.0,
                        help="stop the first watch pass after this many seconds (the rest are then filled in as "
                             "seen by bulk insert for the incremental pass); 0: no limit")
    parser.add_argument("--skip-paging", action="store_true")
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--keep", action="store_true", help="keep data directories (server logs)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.watch_budget <= 0:
        args.watch_budget = float("inf")
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    dbs = ["postgres", "sqlite"] if args.db == "both" else [args.db]

    info = machine_info()
    info["uptime_at_start"] = _uptime()
    print(f"machine: {info['nproc']} cpus ({info['cpu_model']}), {info['memory']}, Python {info['python']}, "
          f"PostgreSQL {info['postgresql']}, {info['date_utc']} UTC; {info['uptime_at_start']}", flush=True)
    started = time.monotonic()
    runs: list[dict[str, Any]] = []
    watch: dict[str, Any] | None = None
    bodies = background_bodies(2048, args.threat_share)
    try:
        if not args.skip_paging:
            for db in dbs:
                for w in workers:
                    runs.append(paging_run(db, w, args, bodies))
        if args.posts > 0:
            watch = watch_bench(args)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)

    if runs:
        print("\n  db        workers  bg acc/s  bg err  probes  paged   p50 s   p95 s   p99 s   max s  backlog  "
              "target")
        for r in runs:
            print(f"  {r['db']:<8}  {r['workers']:>7}  {r.get('background_rate', '-')!s:>8}  "
                  f"{r.get('background_errors', '-')!s:>6}  {r.get('probes_accepted', '-')!s:>6}  "
                  f"{r.get('probes_paged', '-')!s:>5}  {r.get('page_s_p50')!s:>6}  {r.get('page_s_p95')!s:>6}  "
                  f"{r.get('page_s_p99')!s:>6}  {r.get('page_s_max')!s:>6}  "
                  f"{r.get('ready_backlog_at_end_total', '-')!s:>7}  "
                  f"{'met' if r.get('meets_target_p99_5s') else 'MISSED'}")
    out = args.out or RESULTS / f"escalation-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}.json"
    write_json(out, {"benchmark": "escalation", "command": [Path(sys.executable).name, *sys.argv], "machine": info,
                     "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     "total_runtime_s": round(time.monotonic() - started, 1), "paging": runs, "watch": watch,
                     "uptime_at_end": _uptime()})
    print(f"\nwrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out} "
          f"in {time.monotonic() - started:.0f}s")
    return 0 if (runs or watch) else 1


if __name__ == "__main__":
    sys.exit(main())
