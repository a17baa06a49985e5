"""Sockets: connect to the pinned address, optionally through a CONNECT proxy, then TLS.

Nothing here resolves names for a target: the caller passes the already-validated IP. TLS verifies the
certificate for the *original* host name (``server_hostname``) while the TCP connection goes to the
pinned IP, so pinning does not weaken certificate checking. Every blocking call gets a timeout of
``min(read timeout, time left before the deadline)``, which is what stops slow-loris servers.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from abusedesk.evidence.fetch.addresses import IPAddress
from abusedesk.evidence.fetch.errors import FetchBlocked

MAX_LINE = 16 * 1024


@dataclass
class Deadline:
    """The total time budget for one `fetch()`, across every redirect hop."""

    end: float
    per_op: float

    @classmethod
    def start(cls, total_s: float, per_op_s: float) -> Deadline:
        return cls(time.monotonic() + total_s, per_op_s)

    def timeout(self) -> float:
        """Timeout for the next blocking operation; raises once the deadline has passed."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchBlocked("timeout_deadline", "total deadline reached")
        return min(self.per_op, left)

    def expired(self) -> bool:
        return time.monotonic() >= self.end


class Reader:
    """Buffered, deadline-aware reads from a socket (plain or TLS)."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline
        self._buf = bytearray()
        self.eof = False
        self.wire_bytes = 0

    def _fill(self) -> bool:
        if self.eof:
            return False
        self._sock.settimeout(self._deadline.timeout())
        try:
            chunk = self._sock.recv(65536)
        except TimeoutError:
            raise _timeout(self._deadline) from None
        except ssl.SSLError as exc:
            raise FetchBlocked("tls_error", type(exc).__name__) from None
        except OSError as exc:
            raise FetchBlocked("connection_error", type(exc).__name__) from None
        if not chunk:
            self.eof = True
            return False
        self.wire_bytes += len(chunk)
        self._buf += chunk
        return True

    def readline(self, limit: int = MAX_LINE) -> bytes:
        """One line including CRLF/LF; raise if it is longer than ``limit`` (header bombs)."""
        while True:
            idx = self._buf.find(b"\n")
            if idx >= 0:
                if idx + 1 > limit:
                    break
                line = bytes(self._buf[: idx + 1])
                del self._buf[: idx + 1]
                return line
            if len(self._buf) > limit:
                break
            if not self._fill():
                line = bytes(self._buf)
                self._buf.clear()
                return line
        raise FetchBlocked("header_too_large", f"line longer than {limit} bytes")

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer at end of stream); never waits for more than one recv."""
        if not self._buf:
            self._fill()
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out


def _timeout(deadline: Deadline) -> FetchBlocked:
    if deadline.expired():
        return FetchBlocked("timeout_deadline", "total deadline reached")
    return FetchBlocked("timeout_read", "no data within the read timeout")


def open_pinned(
    ip: IPAddress,
    port: int,
    *,
    deadline: Deadline,
    proxy: str | None,
    tls_host: str | None,
    ca_file: str | None = None,
    verify_tls: bool = True,
) -> socket.socket:
    """A connected socket to ``ip:port`` (through ``proxy`` if set), wrapped in TLS when ``tls_host``."""
    sock = _connect_via_proxy(proxy, ip, port, deadline) if proxy else _connect(ip, port, deadline)
    if tls_host is None:
        return sock
    return _wrap_tls(sock, tls_host, deadline, ca_file=ca_file, verify=verify_tls)


def _connect(ip: IPAddress, port: int, deadline: Deadline) -> socket.socket:
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(deadline.timeout())
        sock.connect((str(ip), port))
    except FetchBlocked:
        sock.close()
        raise
    except TimeoutError:
        sock.close()
        timed_out = _timeout(deadline) if deadline.expired() else FetchBlocked("connect_failed", "timeout")
        raise timed_out from None
    except OSError as exc:
        sock.close()
        raise FetchBlocked("connect_failed", type(exc).__name__) from None
    return sock


def _connect_via_proxy(proxy: str, ip: IPAddress, port: int, deadline: Deadline) -> socket.socket:
    """Open an HTTP CONNECT tunnel to the pinned IP (never the name, so the proxy cannot re-resolve).

    The proxy's own address is operator configuration and is trusted; the target was validated before
    we got here. The proxy must allow CONNECT to any port the port policy allows, not only 443.
    """
    parts = urlsplit(proxy)
    if parts.scheme != "http" or not parts.hostname:
        raise FetchBlocked("proxy_failed", "proxy must be http://host:port")
    try:
        sock = socket.create_connection((parts.hostname, parts.port or 3128), timeout=deadline.timeout())
    except OSError as exc:
        raise FetchBlocked("proxy_failed", type(exc).__name__) from None
    target = f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"
    try:
        sock.settimeout(deadline.timeout())
        sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode("ascii"))
        _read_proxy_reply(Reader(sock, deadline))
    except (FetchBlocked, OSError):
        sock.close()
        raise
    return sock


def _read_proxy_reply(reader: Reader) -> None:
    status = reader.readline()
    fields = status.split(None, 2)
    if len(fields) < 2 or fields[1] != b"200":
        raise FetchBlocked("proxy_failed", "proxy refused CONNECT")
    for _ in range(100):
        line = reader.readline()
        if line in (b"\r\n", b"\n", b""):
            return
    raise FetchBlocked("proxy_failed", "proxy reply has too many headers")


def _wrap_tls(
    sock: socket.socket, host: str, deadline: Deadline, *, ca_file: str | None, verify: bool
) -> socket.socket:
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        sock.settimeout(deadline.timeout())  # CPython bounds the whole handshake by this timeout
        return context.wrap_socket(sock, server_hostname=host)
    except FetchBlocked:
        sock.close()
        raise
    except TimeoutError:
        sock.close()
        raise _timeout(deadline) from None
    except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
        sock.close()
        raise FetchBlocked("tls_error", type(exc).__name__) from None
