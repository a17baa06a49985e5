"""Shared helpers for the benchmarks in bench/: machine facts, a bench database, the `abusedesk up`
server as a subprocess, and a small closed-loop HTTP/1.1 load generator.

Everything talks to 127.0.0.1 only. The load generator is deliberately plain: asyncio, raw HTTP/1.1
with keep-alive, one coroutine per client, each client sends its next request as soon as it has read
the previous answer (closed loop, so latencies do not include queueing a real open-loop arrival
process would see: "coordinated omission"). It runs in one Python process and takes a share of the
same cores as the server and the database; keep the client count modest.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
HOST = "127.0.0.1"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432"


def abusedesk_bin() -> str:
    """The `abusedesk` next to this interpreter (the venv), else the one on PATH."""
    here = Path(sys.executable).with_name("abusedesk")
    return str(here) if here.exists() else (shutil.which("abusedesk") or "abusedesk")


def _run_text(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine_info() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pg = _run_text(["psql", "-h", HOST, "-U", "postgres", "-Atc", "show server_version"])
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "nproc": _run_text(["nproc"]),
        "memory": _run_text(["free", "-h"]).splitlines()[1:2],
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": pg,
        "git_commit": _run_text(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]),
        "git_dirty_files": len(_run_text(["git", "-C", str(REPO), "status", "--porcelain"]).splitlines()),
    }


# --- PostgreSQL bench database --------------------------------------------------------------------

def pg_create(name: str) -> str:
    pg_drop(name)
    subprocess.run(["createdb", "-h", HOST, "-U", "postgres", name], check=True, timeout=60)
    return f"{PG_ADMIN_URL}/{name}"


def pg_drop(name: str) -> None:
    subprocess.run(["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", "--force", name],
                   check=False, timeout=60, capture_output=True)


def pg_rows(name: str, sql: str) -> list[list[str]]:
    out = subprocess.run(["psql", "-h", HOST, "-U", "postgres", "-d", name, "-At", "-F", "\t", "-c", sql],
                         capture_output=True, text=True, timeout=30, check=True)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def sqlite_rows(path: Path, sql: str) -> list[list[str]]:
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return [["" if v is None else str(v) for v in row] for row in con.execute(sql).fetchall()]
    finally:
        con.close()


# --- the server -----------------------------------------------------------------------------------

def free_port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, preferred))
            return preferred
        except OSError:
            sock.bind((HOST, 0))
            return int(sock.getsockname()[1])


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run `abusedesk ARGS` with the bench environment; return stdout, raise with stderr on failure."""
    proc = subprocess.run([abusedesk_bin(), *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=300, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"abusedesk {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


@dataclass
class Server:
    """`abusedesk up` in its own process group, output to a log file."""

    env: dict[str, str]
    data_dir: Path
    port: int
    options: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 120.0) -> float:
        """Start and wait for GET /healthz to answer 200; return seconds it took."""
        self.log_path = self.data_dir / "server.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed in stop()
        argv = [abusedesk_bin(), "up", "--no-admin", "--data-dir", str(self.data_dir),
                "--port", str(self.port), *self.options]
        started = time.monotonic()
        self.proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self._log = log
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"abusedesk up exited with {self.proc.returncode}; see {self.log_path}:\n"
                                   + self.tail())
            if http_status(f"{self.base}/healthz") == 200:
                return time.monotonic() - started
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"abusedesk up did not answer /healthz within {timeout:.0f}s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM the process group (supervisor, gunicorn, job workers); SIGKILL what is left after
        `timeout`. True when the group ended cleanly on SIGTERM."""
        if self.proc is None:
            return True
        pgid = self.proc.pid
        clean = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            clean = False
        deadline = time.monotonic() + 10
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _group_alive(pgid):
            clean = False
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None
        return clean


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True  # some process of the group (gunicorn, a job worker) still exists


def http_status(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return int(resp.status)
    except OSError:
        return None


# --- where the CPU goes ----------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_snapshot() -> dict[int, tuple[str, float]]:
    """pid -> (group, cpu seconds used so far) for every process we can read."""
    me = os.getpid()
    snap: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        seconds = (int(fields[11]) + int(fields[12])) / _TICK
        pid = int(entry.name)
        snap[pid] = (_group(pid, me, cmd, stat), seconds)
    return snap


def _group(pid: int, me: int, cmd: str, stat: str) -> str:
    if pid == me:
        return "load generator"
    if "gunicorn" in cmd:
        return "web (gunicorn)"
    if "abusedesk.cli worker" in cmd:
        return "job workers"
    if "abusedesk up" in cmd:
        return "supervisor"
    if cmd.startswith("postgres") or "(postgres)" in stat:
        return "postgresql"
    if "redis-server" in cmd:
        return "redis"
    return "other"


def cpu_share(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
              seconds: float) -> dict[str, float]:
    """Cores used per group between two snapshots (1.0 = one core busy the whole time)."""
    used: dict[str, float] = {}
    for pid, (group, total) in after.items():
        used[group] = used.get(group, 0.0) + total - before.get(pid, (group, 0.0))[1]
    ranked = sorted(used.items(), key=lambda kv: -kv[1])
    return {group: round(v / seconds, 2) for group, v in ranked if v > 0.005 * seconds}


def wait_for_quiet(max_wait: float, threshold: float = 0.25, window: float = 2.0) -> float:
    """Wait (at most max_wait seconds) until processes outside the benchmark use under `threshold` cores
    over a `window`; return the last measured share. The machine may be shared with other work."""
    deadline = time.monotonic() + max_wait
    while True:
        before = cpu_snapshot()
        time.sleep(window)
        other = sum(v for g, v in cpu_share(before, cpu_snapshot(), window).items() if g in ("other",))
        if other < threshold or time.monotonic() >= deadline:
            return round(other, 2)


# --- load generator -------------------------------------------------------------------------------

@dataclass
class LoadResult:
    clients: int
    duration_s: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    error_samples: list[str]
    errors_without_status: int = 0  # connection failures and timeouts (no HTTP status)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.errors_without_status

    def summary(self, ok_status: int) -> dict[str, Any]:
        ok = self.statuses.get(ok_status, 0)
        lat = sorted(self.latencies_ms)
        return {
            "clients": self.clients, "duration_s": round(self.duration_s, 2), "requests": self.requests,
            "accepted": ok, "errors": self.requests - ok,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "accepted_per_s": round(ok / self.duration_s, 1) if self.duration_s else 0.0,
            "p50_ms": pct(lat, 50), "p90_ms": pct(lat, 90), "p99_ms": pct(lat, 99),
            "max_ms": round(lat[-1], 1) if lat else None, "error_samples": self.error_samples[:5],
        }


def pct(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return round(sorted_values[rank], 1)


RequestFactory = Callable[[int], tuple[str, str, dict[str, str], bytes]]


async def _client(port: int, make: RequestFactory, stop_at: float, seq: list[int], result: LoadResult,
                  request_timeout: float) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    loop = asyncio.get_running_loop()
    while loop.time() < stop_at:
        seq[0] += 1
        method, path, headers, body = make(seq[0])
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        payload = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), request_timeout)
            assert reader is not None
            writer.write(payload)
            status, close = await asyncio.wait_for(_read_response(reader), request_timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.errors_without_status += 1
            if len(result.error_samples) < 20:
                result.error_samples.append(f"{exc.__class__.__name__}: {exc}")
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.05)
            continue
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if close and writer is not None:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    close = False
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            close = True
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, close


def run_load(port: int, make: RequestFactory, *, clients: int, duration: float,
             request_timeout: float = 30.0) -> LoadResult:
    """`clients` keep-alive connections sending back-to-back for `duration` seconds (each client
    finishes the request it has in flight, bounded by request_timeout)."""

    async def main() -> LoadResult:
        result = LoadResult(clients=clients, duration_s=0.0, latencies_ms=[], statuses={}, error_samples=[])
        loop = asyncio.get_running_loop()
        started = loop.time()
        seq = [0]
        await asyncio.gather(*(_client(port, make, started + duration, seq, result, request_timeout)
                               for _ in range(clients)))
        result.duration_s = loop.time() - started
        return result

    return asyncio.run(main())


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def start_desk(desk: Any, *, attempts: int = 3, pause: float = 20.0) -> tuple[Any, float]:
    """`desk.setup()` then `desk.server.start()`, retried: a failure is usually someone's edit in progress on a
    shared machine. Returns what setup returned and the server's boot time in seconds."""
    for attempt in range(attempts):
        try:
            prepared = desk.setup()
            return prepared, desk.server.start()
        except RuntimeError as exc:
            print(f"   setup/start failed (attempt {attempt + 1}): {str(exc)[-600:]}", flush=True)
            desk.server.stop()
            if attempt == attempts - 1:
                raise
            time.sleep(pause)
    raise RuntimeError("unreachable")
