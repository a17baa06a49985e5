"""Campaign benchmark: thousands of reports about one URL while S0 probes about other sites must still page.

Starts the server the README's way (`abusedesk up`, its default shape unless told otherwise) on a fresh data
directory, PostgreSQL database and Redis prefix, with the on-call webhook pointed at a loopback receiver in this
process. First it measures `GET /healthz` with the same number of clients on the same server (the yardstick), then
--clients keep-alive connections post --reports reports, each from its own reporter, about one URL
(`https://forum.test/threads/42`: a site we proxy, so every report is also forwarded to its host) in a mix of
harassment, hate, threat and other. Every --probe-interval seconds, from the start of the campaign until every one of
its reports is filed, an S0 probe (a threat plus a home address, about its own customer `probeN.test`) is sent; its
figure is the time from its 201 answer to the page's arrival.

    python bench/campaign.py                            # 5,000 reports, 8 clients, default server shape
    python bench/campaign.py --reports 20000 --workers 2

Prints reports acknowledged and stored, cases opened for the campaign's site (must be 1), time until every report was
filed, receipts, page latency p50/p99/max and the intake rate beside the /healthz rate; writes
bench/results/campaign-<date>.json; stops the server (SIGTERM to its process group) and drops the database. Traffic
goes to 127.0.0.1 only. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
    start_desk,
    write_json,
)
from escalation import Receiver, probe_body

PG_DB = "abusedesk_campbench"
REDIS_URL = "redis://127.0.0.1:6379/12"
CAMPAIGN_URL = "https://forum.test/threads/42"
CAMPAIGN_SITE = "forum.test"
MIX = [("harassment", 45), ("hate", 20), ("threat", 15), ("other", 20)]
SAYS = {
    "harassment": "they keep posting insulting comments about her under every photo and tagging her friends and "
                  "calling her names in this thread",
    "hate": "the thread is full of posts saying people like her are vermin and should be driven out of the country",
    "threat": "someone in the thread wrote that she should be hurt and that they will make her regret speaking",
    "other": "this thread is a pile-on against a streamer please look at it and take it down it keeps growing",
}


def campaign_bodies(count: int, seed: int = 42) -> list[bytes]:
    """`count` reports about CAMPAIGN_URL, each from its own reporter (so each gets its own receipt)."""
    rng = random.Random(seed)
    categories = [c for c, weight in MIX for _ in range(weight)]
    out = []
    for i in range(count):
        category = rng.choice(categories)
        words = SAYS[category].split()
        text = " ".join(words[:rng.randint(8, len(words))])
        out.append(json.dumps({
            "urls": [CAMPAIGN_URL], "category": category, "explanation": f"{text} (report {i})",
            "reporter": {"name": f"Person {i}", "email": f"person{i}@campaign.test", "kind": "individual"},
            "share_identity": {"host": "none", "site_owner": "none", "law_enforcement": "none"},
            "good_faith": True, "language": "en"}).encode())
    return out


# --- HTTP -------------------------------------------------------------------------------------------

async def _post(state: dict[str, Any], port: int, body: bytes, timeout: float = 60.0) -> tuple[int, bytes]:
    if state.get("writer") is None:
        state["reader"], state["writer"] = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
    head = (f"POST /api/v1/reports HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    state["writer"].write(head + body)
    return await asyncio.wait_for(_answer(state), timeout)


async def _answer(state: dict[str, Any]) -> tuple[int, bytes]:
    lines = (await state["reader"].readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status, length, close = int(lines[0].split(" ", 2)[1]), 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        elif name.strip().lower() == "connection" and value.strip().lower() == "close":
            close = True
    data = await state["reader"].readexactly(length) if length else b""
    if close:
        _drop(state)
    return status, data


def _drop(state: dict[str, Any]) -> None:
    if state.get("writer") is not None:
        state["writer"].close()
    state["writer"] = state["reader"] = None


async def _campaign(port: int, bodies: list[bytes], clients: int, stats: dict[str, Any]) -> None:
    """`clients` connections post the bodies back to back (closed loop) until every one was answered 201 (a report
    that got another answer or none is sent again, so the count acknowledged is the count asked for)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def client() -> None:
        state: dict[str, Any] = {}
        while not queue.empty():
            body = queue.get_nowait()
            started = time.perf_counter()
            try:
                status, _ = await _post(state, port, body)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                stats["errors"].append(f"{exc.__class__.__name__}: {exc}"[:200])
                _drop(state)
                status = 0
            stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
            if status != 201:
                queue.put_nowait(body)
                await asyncio.sleep(0.05)
                continue
            stats["latencies_ms"].append((time.perf_counter() - started) * 1000)
        _drop(state)

    await asyncio.gather(*(client() for _ in range(clients)))
    stats["posted_at"] = time.monotonic()


async def _probes(port: int, interval: float, done: asyncio.Event, probes: list[dict[str, Any]],
                  most: int) -> None:
    state: dict[str, Any] = {}
    n = 0
    while not done.is_set() and n < most:
        n += 1
        entry: dict[str, Any] = {"n": n, "sent": time.monotonic()}
        try:
            status, _ = await _post(state, port, probe_body(n), 30.0)
            entry.update(accepted=time.monotonic(), status=status)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            entry.update(status=None, error=f"{exc.__class__.__name__}: {exc}")
            _drop(state)
        probes.append(entry)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), max(0.0, entry["sent"] + interval - time.monotonic()))
    _drop(state)


async def _until_filed(desk: Desk, stats: dict[str, Any], done: asyncio.Event, timeout: float) -> None:
    """After the last report is acknowledged, poll until none of the campaign's reports is waiting to be filed."""
    while "posted_at" not in stats:
        await asyncio.sleep(0.2)
    deadline = stats["posted_at"] + timeout
    while time.monotonic() < deadline:
        waiting = await asyncio.to_thread(desk.waiting)
        stats["waiting_samples"].append((round(time.monotonic() - stats["started_at"], 1), waiting))
        if waiting == 0:
            stats["filed_at"] = time.monotonic()
            break
        await asyncio.sleep(0.5)
    done.set()


# --- the desk -----------------------------------------------------------------------------------------

class Desk:
    def __init__(self, port: int, receiver: Receiver, n_probes: int, args: argparse.Namespace) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="abusedesk-campbench-"))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
        self.env.update({
            "ABUSEDESK_DATA_DIR": str(self.data_dir),
            "ABUSEDESK_DATABASE_URL": pg_create(PG_DB),
            "ABUSEDESK_REDIS_URL": REDIS_URL,
            "ABUSEDESK_CACHE_PREFIX": f"campbench-{secrets.token_hex(4)}",
            "ABUSEDESK_ONCALL_WEBHOOK_URL": f"http://oncall.bench.test:{receiver.port}/page",
            "ABUSEDESK_EVIDENCE_STATIC_HOSTS": json.dumps({"oncall.bench.test": HOST}),
            "ABUSEDESK_EVIDENCE_ALLOW_NETWORKS": "127.0.0.1/32",
            # No capture: it would fetch the reported URLs off this machine (the benchmark stays on 127.0.0.1).
            "ABUSEDESK_EVIDENCE_CAPTURE": "0",
            # Every report comes from 127.0.0.1: the per-address limit would refuse a real campaign's many senders.
            "ABUSEDESK_INTAKE_RATE_ANONYMOUS": "100000000/m",
        })
        options = []
        for flag, value in (("--workers", args.workers), ("--web-processes", args.web_processes)):
            if value:
                options += [flag, str(value)]
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
        return pg_rows(PG_DB, sql)

    def wait_for_workers(self, timeout: float = 180.0) -> float:
        """A worker beats its heart only after loading the detection models: wait for that, so the run does not
        time a worker that is still starting."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if int(self.rows("SELECT count(*) FROM jobs_workerheartbeat")[0][0]) >= 1:
                return time.monotonic() - started
            time.sleep(0.5)
        raise RuntimeError(f"no job worker ready after {timeout:.0f}s")

    # The SQL below is built from this module's constants only.
    def waiting(self) -> int:
        about = f"CAST(urls AS TEXT) LIKE '%{CAMPAIGN_URL}%'"
        return int(self.rows(f"SELECT count(*) FROM intake_report WHERE status = 'received' AND {about}")[0][0])  # noqa: S608

    def outcome(self) -> dict[str, Any]:
        about = f"CAST(r.urls AS TEXT) LIKE '%{CAMPAIGN_URL}%'"
        stored = int(self.rows(f"SELECT count(*) FROM intake_report r WHERE {about}")[0][0])  # noqa: S608
        cases = self.rows(
            # to_jsonb: the same query answers on a desk from before these columns (for comparisons)
            "SELECT c.id, c.severity, to_jsonb(c)->>'reports_filed', to_jsonb(c)->>'campaign_since' IS NOT NULL, "  # noqa: S608
            "(SELECT count(*) FROM intake_report r WHERE r.case_id = c.id) FROM cases_case c "
            f"JOIN attribution_property p ON p.id = c.property_id WHERE p.value = '{CAMPAIGN_SITE}'")
        receipts = {k: int(v) for k, v in self.rows(
            "SELECT n.status, count(*) FROM cases_notice n JOIN intake_report r ON r.id = n.report_id "  # noqa: S608
            f"WHERE n.kind = 'receipt' AND {about} GROUP BY n.status")}
        jobs = {p.rsplit(".", 1)[-1]: {"jobs": int(n), "run_s": round(float(s or 0), 2)} for p, n, s in self.rows(
            "SELECT task_path, count(*), sum(EXTRACT(EPOCH FROM finished_at - started_at)) "
            "FROM django_tasks_database_dbtaskresult GROUP BY task_path")}
        return {"stored": stored, "cases": [{"id": int(c[0]), "severity": c[1], "reports_filed": c[2],
                                             "campaign": c[3] == "t", "reports": int(c[4])} for c in cases],
                "receipts": receipts, "jobs": jobs}

    def close(self, keep: bool) -> bool:
        clean = self.server.stop()
        if not keep:
            pg_drop(PG_DB)
            shutil.rmtree(self.data_dir, ignore_errors=True)
        return clean


# --- one run ------------------------------------------------------------------------------------------

def healthz_rate(port: int, clients: int, duration: float) -> dict[str, Any]:
    res = run_load(port, lambda _seq: ("GET", "/healthz", {}, b""), clients=clients, duration=duration)
    return res.summary(200)


def run(args: argparse.Namespace) -> dict[str, Any]:
    receiver = Receiver()
    desk = Desk(free_port(args.port), receiver, args.max_probes, args)
    row: dict[str, Any] = {"reports": args.reports, "clients": args.clients, "workers": args.workers or "default"}
    try:
        _prepared, boot = start_desk(desk, pause=20)
        print(f"   server up in {boot:.1f}s on port {desk.server.port}; receiver on {receiver.port}; job worker ready "
              f"{desk.wait_for_workers():.1f}s later", flush=True)
        row["healthz"] = healthz_rate(desk.server.port, args.clients, args.healthz_duration)
        print(f"   /healthz: {row['healthz']['accepted_per_s']}/s with {args.clients} clients "
              f"(p99 {row['healthz']['p99_ms']} ms)", flush=True)
        row.update(_campaign_run(desk, receiver, args))
    finally:
        row["stopped_cleanly"] = desk.close(args.keep)
        receiver.close()
    return row


def _campaign_run(desk: Desk, receiver: Receiver, args: argparse.Namespace) -> dict[str, Any]:
    bodies = campaign_bodies(args.reports)
    stats: dict[str, Any] = {"statuses": {}, "errors": [], "latencies_ms": [], "waiting_samples": []}
    probes: list[dict[str, Any]] = []

    async def main() -> None:
        done = asyncio.Event()
        stats["started_at"] = time.monotonic()
        await asyncio.gather(_campaign(desk.server.port, bodies, args.clients, stats),
                             _probes(desk.server.port, args.probe_interval, done, probes, args.max_probes),
                             _until_filed(desk, stats, done, args.drain_timeout))

    cpu0 = cpu_snapshot()
    asyncio.run(main())
    elapsed = time.monotonic() - stats["started_at"]
    cores = cpu_share(cpu0, cpu_snapshot(), elapsed)
    accepted = [p for p in probes if p.get("status") == 201]
    wait_until = time.monotonic() + args.page_wait
    while time.monotonic() < wait_until and len(_paged(accepted, receiver.snapshot())) < len(accepted):
        time.sleep(0.1)
    return _summary(stats, probes, accepted, _paged(accepted, receiver.snapshot()), desk.outcome(), cores)


def _paged(accepted: list[dict[str, Any]], pages: list[tuple[float, dict[str, Any]]]) -> dict[int, float]:
    """probe n -> seconds from its 201 to the first page whose title names probe{n}.test."""
    first: dict[str, float] = {}
    for arrived, body in pages:
        first.setdefault(str(body.get("title", "")).rsplit(": ", 1)[-1].strip(), arrived)
    return {p["n"]: first[f"probe{p['n']}.test"] - p["accepted"] for p in accepted if f"probe{p['n']}.test" in first}


def _summary(stats: dict[str, Any], probes: list[dict[str, Any]], accepted: list[dict[str, Any]],
             paged: dict[int, float], outcome: dict[str, Any], cores: dict[str, float]) -> dict[str, Any]:
    posting = stats["posted_at"] - stats["started_at"]
    lat, page = sorted(stats["latencies_ms"]), sorted(paged.values())
    filed = stats.get("filed_at")
    return {
        "acknowledged": stats["statuses"].get(201, 0), "other_answers": {str(k): v for k, v in
                                                                       stats["statuses"].items() if k != 201},
        "error_samples": stats["errors"][:5], "posting_s": round(posting, 1),
        "intake_per_s": round(stats["statuses"].get(201, 0) / posting, 1) if posting else None,
        "intake_p50_ms": pct(lat, 50), "intake_p99_ms": pct(lat, 99),
        "all_filed_s_from_start": None if filed is None else round(filed - stats["started_at"], 1),
        "all_filed_s_after_last_ack": None if filed is None else round(filed - stats["posted_at"], 1),
        "waiting_samples": stats["waiting_samples"], "probes_sent": len(probes), "probes_accepted": len(accepted),
        "probes_paged": len(paged), "probes_not_paged": [p["n"] for p in accepted if p["n"] not in paged],
        "page_s_p50": _r(pct(page, 50)), "page_s_p99": _r(pct(page, 99)), "page_s_max": _r(page[-1] if page else None),
        "page_latency_by_probe_s": {str(k): round(v, 3) for k, v in sorted(paged.items())},
        "cpu_cores_used": cores, **outcome}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def report(row: dict[str, Any]) -> None:
    health = row["healthz"]["accepted_per_s"]
    intake = row.get("intake_per_s") or 0.0
    cases = row.get("cases", [])
    print(f"\n  reports posted / acknowledged / stored     {row['reports']} / {row.get('acknowledged')} / "
          f"{row.get('stored')}   (other answers, resent: {row.get('other_answers')})")
    print(f"  cases for {CAMPAIGN_URL}       {len(cases)}  {cases}")
    print(f"  receipts for the campaign's reporters      {row.get('receipts')}")
    print(f"  intake                                     {intake}/s over {row.get('posting_s')} s, p50 "
          f"{row.get('intake_p50_ms')} ms, p99 {row.get('intake_p99_ms')} ms")
    print(f"  /healthz on the same server                {health}/s  -> intake = "
          f"{100 * intake / health if health else 0:.1f}% of it")
    print(f"  every report filed                         {row.get('all_filed_s_from_start')} s from the first post, "
          f"{row.get('all_filed_s_after_last_ack')} s after the last acknowledgement")
    print(f"  S0 probes sent / accepted / paged          {row.get('probes_sent')} / {row.get('probes_accepted')} / "
          f"{row.get('probes_paged')}   not paged: {row.get('probes_not_paged')}")
    print(f"  S0 page latency p50 / p99 / max            {row.get('page_s_p50')} / {row.get('page_s_p99')} / "
          f"{row.get('page_s_max')} s")
    print(f"  jobs by type                               {row.get('jobs')}")
    print(f"  cores used (run)                           {row.get('cpu_cores_used')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=5000, help="campaign reports about the one URL")
    parser.add_argument("--clients", type=int, default=8, help="keep-alive connections posting the campaign")
    parser.add_argument("--probe-interval", type=float, default=2.0, help="seconds between S0 probes")
    parser.add_argument("--max-probes", type=int, default=400, help="probe customers created (one per probe)")
    parser.add_argument("--healthz-duration", type=float, default=10.0, help="seconds of /healthz load first")
    parser.add_argument("--drain-timeout", type=float, default=900.0,
                        help="after the last acknowledgement, wait at most this long for every report to be filed")
    parser.add_argument("--page-wait", type=float, default=20.0, help="then wait this long for outstanding pages")
    parser.add_argument("--workers", type=int, default=None, help="job workers (default: abusedesk up's)")
    parser.add_argument("--web-processes", type=int, default=None, help="(default: abusedesk up's)")
    parser.add_argument("--port", type=int, default=8785)
    parser.add_argument("--keep", action="store_true",
                        help=f"keep the data directory (server.log) and the database {PG_DB} (dropped at the next run)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    info = machine_info()
    print(f"machine: {info['nproc']} cpus ({info['cpu_model']}), {info['memory']}, Python {info['python']}, "
          f"PostgreSQL {info['postgresql']}, {info['date_utc']} UTC", flush=True)
    print(f"== campaign: {args.reports} reports about {CAMPAIGN_URL} from {args.clients} clients, an S0 probe every "
          f"{args.probe_interval:.1f}s", flush=True)
    row = run(args)
    report(row)
    out = args.out or RESULTS / f"campaign-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}.json"
    write_json(out, {"benchmark": "campaign", "command": [Path(sys.executable).name, *sys.argv], "machine": info,
                     "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     "run": row})
    print(f"\nwrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    ok = len(row.get("cases", [])) == 1 and row.get("stored") == args.reports and not row.get("probes_not_paged")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
