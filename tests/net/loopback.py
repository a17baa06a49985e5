"""Loopback-only test servers: scripted HTTP, a CONNECT proxy, a connection counter, a socket spy.

Every server binds to 127.0.0.0/8 and runs in a daemon thread; tests start and stop them themselves.
Servers record each connection and each request's headers so tests can assert what the fetcher sent
(and that a forbidden address received nothing at all).
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    raw: bytes


Handler = Callable[[socket.socket, Request], None]


@dataclass
class LoopbackServer:
    """TCP server on ``host``:``port`` (0 = any free port) calling ``handler(conn, request)``."""

    handler: Handler
    host: str = "127.0.0.1"
    port: int = 0
    connections: int = 0
    requests: list[Request] = field(default_factory=list)
    wrap: Callable[[socket.socket], socket.socket] | None = None

    def __post_init__(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, self.port))
        self.port = self._sock.getsockname()[1]
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "/", name: str | None = None, scheme: str = "http") -> str:
        return f"{scheme}://{name or self.host}:{self.port}{path}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            if self.wrap is not None:
                conn = self.wrap(conn)
            conn.settimeout(5)
            request = read_request(conn)
            if request is not None:
                self.requests.append(request)
                self.handler(conn, request)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()


def read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    first, *lines = head.split("\r\n")
    method, target, _ = first.split(" ", 2)
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method, target, headers, data)


def respond(conn: socket.socket, status: int = 200, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
    """Send a complete response with Content-Length (unless the headers already say otherwise)."""
    hdrs = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    if "Transfer-Encoding" not in hdrs and "Content-Length" not in hdrs:
        hdrs["Content-Length"] = str(len(body))
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    conn.sendall(head.encode("latin-1") + body)


def page(body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200) -> Handler:
    def handler(conn: socket.socket, _req: Request) -> None:
        respond(conn, status, {"Content-Type": content_type}, body)

    return handler


def redirect_to(location: str, status: int = 302, extra: dict[str, str] | None = None) -> Handler:
    def handler(conn: socket.socket, _req: Request) -> None:
        respond(conn, status, {"Location": location, **(extra or {})})

    return handler


def routes(table: dict[str, Handler]) -> Handler:
    """Dispatch on the request path (query ignored); unknown paths get 404."""

    def handler(conn: socket.socket, req: Request) -> None:
        path = req.target.split("?", 1)[0]
        table.get(path, page(b"not found", status=404))(conn, req)

    return handler


def stream_forever(chunk: bytes, headers: dict[str, str]) -> Handler:
    """Headers, then ``chunk`` repeatedly until the client hangs up (a "2 GiB" body, never materialised)."""

    def handler(conn: socket.socket, _req: Request) -> None:
        head = "HTTP/1.1 200 OK\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        conn.sendall(head.encode())
        chunked = headers.get("Transfer-Encoding") == "chunked"
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
        with contextlib.suppress(OSError):
            for _ in range(200_000):
                conn.sendall(frame)

    return handler


def gzip_bomb_segments(total_mib: int) -> Iterator[bytes]:
    """A gzip stream of ``total_mib`` MiB of zeros, generated lazily from one repeated flush segment.

    After Z_FULL_FLUSH the compressor's output is byte-aligned and independent of earlier input, so one
    compressed MiB of zeros (about 1 KiB) can be repeated: 10 GiB of output from ~10 MiB on the wire.
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    yield comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    segment = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    for _ in range(total_mib - 1):
        yield segment


def gzip_bomb(total_mib: int) -> Handler:
    def handler(conn: socket.socket, _req: Request) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n")
        with contextlib.suppress(OSError):
            for seg in gzip_bomb_segments(total_mib):
                conn.sendall(seg)

    return handler


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body)


def slow_loris(interval_s: float, total: int = 1000) -> Handler:
    """Status line, then one header byte every ``interval_s`` seconds: never finishes in time."""

    def handler(conn: socket.socket, _req: Request) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        with contextlib.suppress(OSError):
            for _ in range(total):
                time.sleep(interval_s)
                conn.sendall(b"a")

    return handler


def header_flood(count: int) -> Handler:
    def handler(conn: socket.socket, _req: Request) -> None:
        lines = "".join(f"X-Flood-{i}: {i}\r\n" for i in range(count))
        with contextlib.suppress(OSError):
            conn.sendall(f"HTTP/1.1 200 OK\r\n{lines}Content-Length: 2\r\n\r\nok".encode())

    return handler


@dataclass
class ConnectProxy:
    """A minimal HTTP CONNECT proxy on loopback that records every CONNECT target it is asked for."""

    targets: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = LoopbackServer(self._handle)
        self.url = f"http://127.0.0.1:{self.server.port}"

    def _handle(self, conn: socket.socket, req: Request) -> None:
        self.targets.append(req.target)
        host, _, port = req.target.rpartition(":")
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        _pipe_both(conn, upstream)

    def close(self) -> None:
        self.server.close()


def _pipe_both(a: socket.socket, b: socket.socket) -> None:
    def pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=pipe, args=(b, a), daemon=True)
    t.start()
    pipe(a, b)
    t.join(timeout=5)
    b.close()


class ConnectSpy:
    """Records every address any socket in this process tries to connect to (the "socket-level spy")."""

    def __init__(self) -> None:
        self.addresses: list[tuple[str, int]] = []
        self._original = socket.socket.connect

    def install(self, monkeypatch: object) -> ConnectSpy:
        spy = self

        def connect(sock: socket.socket, address: object) -> None:
            if isinstance(address, tuple):
                spy.addresses.append((str(address[0]), int(address[1])))
            return spy._original(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)  # type: ignore[attr-defined]
        return self

    def hosts(self) -> set[str]:
        return {host for host, _ in self.addresses}
