"""E-mail intake benchmark: messages/s the SMTP listener accepts on loopback, and the time to 250.

Starts `abusedesk smtp` (the listener alone: no web server, no job workers, so the reading jobs it queues wait)
on a fresh data directory with the embedded SQLite and/or on a bench PostgreSQL database, then for each client
count sends --messages messages from that many threads with smtplib (one connection per thread, closed loop:
a thread sends its next message when the last one was answered). Each message is a plain-text abuse report of
about --size bytes with a unique Message-ID. Beside it, two baselines:
- NOOP: the same server's answer rate to NOOP on the same connections (what SMTP on one event loop costs
  without a database write);
- store_raw: an in-process loop calling `store_raw` on the same desk (what the one transaction costs without
  SMTP), with one thread and with as many threads as the listener uses for its writes.

    python bench/email_smtp.py                              # both databases, 1, 4 and 16 clients, 2000 messages each
    python bench/email_smtp.py --db sqlite --clients 8 --messages 5000

Prints a table, writes bench/results/email-<date>.json, stops the listener and drops the bench PostgreSQL
database. Traffic goes to 127.0.0.1 only. See docs/benchmarks.md ("E-mail intake benchmark").
"""

# ruff: noqa: E402 - the imports follow the sys.path repair below, which must come first

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/email_smtp.py`, this file's folder comes first on sys.path and the file itself would stand in for
# the standard library's `email` package (smtplib and Django import it): take the folder off the front, keep it
# at the end for _common.
BENCH = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == BENCH:
    sys.path.pop(0)
sys.path.append(str(BENCH))

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import smtplib
import subprocess
import tempfile
import threading
import time
from typing import Any

from _common import (
    RESULTS,
    free_port,
    machine_info,
    pct,
    pg_create,
    pg_drop,
    pg_rows,
    run_cli,
    sqlite_rows,
    wait_for_quiet,
    write_json,
)

PG_DB = "abusedesk_bench_email"
HOST = "127.0.0.1"
ADDRESS = "abuse@desk.test"
PARAGRAPH = ("Hello, the page below publishes the home address of a streamer and asks people to go there after "
             "tonight's stream. Photos of the house and the car plate were added this morning. Please take it "
             "down: https://forum.test/threads/{n} (posted by several new accounts since Monday).\r\n")
STORE_LOOP = """
import importlib.util, json, sys, threading, time, django
django.setup()
from abusedesk.intake.email.store import store_raw
count, threads, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
spec = importlib.util.spec_from_file_location("bench_email", sys.argv[4])
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
make_message = bench.make_message
latencies, lock = [], threading.Lock()
def run(offset):
    from django.db import connection
    for i in range(offset, count, threads):
        raw = make_message(f"loop-{threads}-{i}", size)
        started = time.perf_counter()
        store_raw(raw, source="smtp", mail_from="reporter@mail.test", rcpt_tos=["abuse@desk.test"], peer="127.0.0.1")
        with lock:
            latencies.append((time.perf_counter() - started) * 1000)
    connection.close()
started = time.perf_counter()
workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
[w.start() for w in workers]
[w.join() for w in workers]
print(json.dumps({"seconds": time.perf_counter() - started, "latencies_ms": latencies}))
"""


def make_message(tag: str, size: int) -> bytes:
    head = (f"From: Reporter <reporter@mail.test>\r\nTo: {ADDRESS}\r\nSubject: abuse report {tag}\r\n"
            f"Message-ID: <{tag}@mail.test>\r\nDate: Mon, 30 Nov 2026 12:00:00 +0000\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n")
    body, n = "", 0
    while len(head) + len(body) < size:
        body += PARAGRAPH.format(n=n)
        n += 1
    return (head + body).encode()


class Listener:
    """`abusedesk smtp --port N` in its own process group, output to a log file."""

    def __init__(self, env: dict[str, str], data_dir: Path) -> None:
        self.env, self.data_dir = env, data_dir
        self.port = free_port(2625)
        self.log = open(data_dir / "smtp.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "abusedesk.cli", "smtp", "--host", HOST, "--port",
                                      str(self.port)], env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"abusedesk smtp did not start; see {data_dir / 'smtp.log'}")
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            with smtplib.SMTP(HOST, self.port, timeout=2) as client:
                return client.noop()[0] == 250
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.log.close()


def _threads(count: int, target: Any) -> float:
    workers = [threading.Thread(target=target, args=(k,)) for k in range(count)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def send_burst(port: int, clients: int, messages: int, size: int, tag: str) -> dict[str, Any]:
    """`messages` messages over `clients` connections; time of each whole transaction and of DATA to 250."""
    whole: list[float] = []
    data_to_250: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        with smtplib.SMTP(HOST, port, local_hostname="bench.test", timeout=120) as smtp:
            smtp.ehlo()
            for i in range(k, messages, clients):
                raw = make_message(f"{tag}-{i}", size)
                started = time.perf_counter()
                try:
                    smtp.mail("reporter@mail.test")
                    smtp.rcpt(ADDRESS)
                    before_data = time.perf_counter()
                    smtp.data(raw)  # raises unless 250
                except smtplib.SMTPResponseException as exc:
                    with lock:
                        errors.append(str(exc.smtp_code))
                    smtp.rset()
                    continue
                done = time.perf_counter()
                with lock:
                    whole.append((done - started) * 1000)
                    data_to_250.append((done - before_data) * 1000)

    seconds = _threads(clients, client)
    whole.sort()
    data_to_250.sort()
    return {"clients": clients, "messages": messages, "accepted": len(whole), "errors": len(errors),
            "seconds": round(seconds, 2), "accepted_per_s": round(len(whole) / seconds, 1),
            "p50_ms": pct(whole, 50), "p99_ms": pct(whole, 99), "max_ms": round(whole[-1], 1) if whole else None,
            "data_to_250_p50_ms": pct(data_to_250, 50), "data_to_250_p99_ms": pct(data_to_250, 99)}


def noop_rate(port: int, clients: int, count: int) -> dict[str, Any]:
    latencies: list[float] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        with smtplib.SMTP(HOST, port, local_hostname="bench.test", timeout=60) as smtp:
            smtp.ehlo()
            for _ in range(k, count, clients):
                started = time.perf_counter()
                smtp.noop()
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)

    seconds = _threads(clients, client)
    latencies.sort()
    return {"clients": clients, "noops": len(latencies), "per_s": round(len(latencies) / seconds, 1),
            "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99)}


def store_loop(env: dict[str, str], count: int, threads: int, size: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", STORE_LOOP, str(count), str(threads), str(size), __file__], env=env,
                         capture_output=True, text=True, timeout=1800, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    latencies = sorted(result["latencies_ms"])
    return {"threads": threads, "messages": len(latencies), "per_s": round(len(latencies) / result["seconds"], 1),
            "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99)}


def desk_env(db: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env.update(ABUSEDESK_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="abusedesk.settings",
               ABUSEDESK_MAIL_ADDRESSES=ADDRESS, ABUSEDESK_LOG_LEVEL="WARNING")
    if db == "postgres":
        env["ABUSEDESK_DATABASE_URL"] = pg_create(PG_DB)
    run_cli(env, "migrate")
    return env


def stored_count(db: str, data_dir: Path) -> int:
    sql = "SELECT count(*) FROM intake_inboundmessage"
    rows = pg_rows(PG_DB, sql) if db == "postgres" else sqlite_rows(data_dir / "abusedesk.sqlite3", sql)
    return int(rows[0][0])


def bench_db(db: str, args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"abusedesk-bench-email-{db}-"))
    print(f"\n== {db}", flush=True)
    env = desk_env(db, data_dir)
    result: dict[str, Any] = {"db": db, "runs": [], "noop": [], "store_raw": []}
    listener = Listener(env, data_dir)
    try:
        send_burst(listener.port, 2, 100, args.size, "warm")
        for clients in args.clients:
            other = wait_for_quiet(args.quiet_wait) if args.quiet_wait > 0 else None
            cpu = listener.cpu_seconds()
            run = send_burst(listener.port, clients, args.messages, args.size, f"c{clients}")
            spent = listener.cpu_seconds() - cpu
            run["listener_cpu_ms_per_message"] = round(spent * 1000 / max(1, run["accepted"]), 2)
            run["other_cores_before_run"] = other
            result["runs"].append(run)
            noop = noop_rate(listener.port, clients, args.messages * 4)
            result["noop"].append(noop)
            print(f"   {clients:>3} clients: {run['accepted_per_s']:>7.1f} messages/s  p50 {run['p50_ms']} ms  "
                  f"p99 {run['p99_ms']} ms  (DATA to 250: p50 {run['data_to_250_p50_ms']}, p99 "
                  f"{run['data_to_250_p99_ms']})  errors {run['errors']}  listener CPU "
                  f"{run['listener_cpu_ms_per_message']} ms/message;  NOOP {noop['per_s']}/s", flush=True)
    finally:
        listener.stop()
    result["stored"] = stored_count(db, data_dir)
    sent = 100 + sum(run["accepted"] for run in result["runs"])
    print(f"   stored {result['stored']} messages for {sent} acknowledged (warm-up included)", flush=True)
    for threads in sorted({1, 4}):
        loop = store_loop(env, args.messages, threads, args.size)
        result["store_raw"].append(loop)
        print(f"   store_raw in-process, {threads} thread(s): {loop['per_s']} messages/s  p50 {loop['p50_ms']} ms  "
              f"p99 {loop['p99_ms']} ms", flush=True)
    if db == "postgres":
        pg_drop(PG_DB)
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    print(f"\n{'db':>8}  {'clients':>7}  {'msg/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  {'NOOP/s':>7}  "
          f"{'store_raw/s (1 thread, 4)':>26}")
    for result in results:
        loops = " / ".join(str(loop["per_s"]) for loop in result["store_raw"])
        for run, noop in zip(result["runs"], result["noop"], strict=True):
            print(f"{result['db']:>8}  {run['clients']:>7}  {run['accepted_per_s']:>7}  {run['p50_ms']!s:>7}  "
                  f"{run['p99_ms']!s:>7}  {noop['per_s']:>7}  {loops:>26}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--clients", default="1,4,16", help="comma-separated client thread counts")
    parser.add_argument("--messages", type=int, default=2000, help="messages per client count")
    parser.add_argument("--size", type=int, default=2000, help="bytes per message (about)")
    parser.add_argument("--quiet-wait", type=float, default=10.0,
                        help="before each run, wait up to this many seconds for the machine to be quiet (0: no)")
    parser.add_argument("--keep", action="store_true", help="keep the data directories (listener log)")
    parser.add_argument("--out", type=Path, default=None, help="JSON result path")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in str(args.clients).split(",") if c.strip()]
    if not args.clients or min(args.clients) < 1 or args.messages < 1:
        parser.error("--clients must list positive counts and --messages must be positive")
    info = machine_info()
    print(f"machine: {info['nproc']} cpus ({info['cpu_model']}), Python {info['python']}, "
          f"PostgreSQL {info['postgresql']}, {info['date_utc']} UTC", flush=True)
    started = time.monotonic()
    results = [bench_db(db, args) for db in (["sqlite", "postgres"] if args.db == "both" else [args.db])]
    print_table(results)
    out = args.out or RESULTS / f"email-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}.json"
    write_json(out, {"benchmark": "email", "command": [Path(sys.executable).name, *sys.argv], "machine": info,
                     "settings": {"messages": args.messages, "size": args.size},
                     "total_runtime_s": round(time.monotonic() - started, 1), "results": results})
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
