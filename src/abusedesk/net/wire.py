"""Sockets: connect to the pinned address, optionally through a CONNECT proxy, then TLS.

Nothing here resolves names for a target: the caller passes the already-validated IP. TLS verifies the
certificate for the *original* host name (``server_hostname``) while the TCP connection goes to the
pinned IP, so pinning does not weaken certificate checking. Every blocking call gets a timeout of
``min(read timeout, time left before the deadline)``, which is what stops slow-loris servers. The proxy's
reply to CONNECT is read by h11, like every other HTTP message the fetcher receives.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

from abusedesk.net.addresses import IPAddress
from abusedesk.net.errors import FetchBlocked, RefusalReason

RECV_BYTES = 65536
MAX_PROXY_HEAD = 16 * 1024  # a CONNECT reply is a status line and a few headers


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
            raise FetchBlocked(RefusalReason.TIMEOUT_DEADLINE, "total deadline reached")
        return min(self.per_op, left)

    def expired(self) -> bool:
        return time.monotonic() >= self.end


def receive(sock: socket.socket, deadline: Deadline) -> bytes:
    """One ``recv`` of at most `RECV_BYTES` under the deadline; ``b""`` means the peer closed."""
    sock.settimeout(deadline.timeout())
    try:
        return sock.recv(RECV_BYTES)
    except TimeoutError:
        raise _timeout(deadline) from None
    except ssl.SSLError as exc:
        raise FetchBlocked(RefusalReason.TLS_ERROR, type(exc).__name__) from None
    except OSError as exc:
        raise FetchBlocked(RefusalReason.CONNECTION_ERROR, type(exc).__name__) from None


def send_all(sock: socket.socket, data: bytes, deadline: Deadline) -> None:
    sock.settimeout(deadline.timeout())
    try:
        sock.sendall(data)
    except OSError as exc:
        raise FetchBlocked(RefusalReason.CONNECTION_ERROR, type(exc).__name__) from None


def _timeout(deadline: Deadline) -> FetchBlocked:
    if deadline.expired():
        return FetchBlocked(RefusalReason.TIMEOUT_DEADLINE, "total deadline reached")
    return FetchBlocked(RefusalReason.TIMEOUT_READ, "no data within the read timeout")


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
        if deadline.expired():
            raise _timeout(deadline) from None
        raise FetchBlocked(RefusalReason.CONNECT_FAILED, "timeout") from None
    except OSError as exc:
        sock.close()
        raise FetchBlocked(RefusalReason.CONNECT_FAILED, type(exc).__name__) from None
    return sock


def _connect_via_proxy(proxy: str, ip: IPAddress, port: int, deadline: Deadline) -> socket.socket:
    """Open an HTTP CONNECT tunnel to the pinned IP (never the name, so the proxy cannot re-resolve).

    The proxy's own address is operator configuration and is trusted; the target was validated before
    we got here. The proxy must allow CONNECT to any port the port policy allows, not only 443.
    """
    parts = urlsplit(proxy)
    if parts.scheme != "http" or not parts.hostname:
        raise FetchBlocked(RefusalReason.PROXY_FAILED, "proxy must be http://host:port")
    try:
        sock = socket.create_connection((parts.hostname, parts.port or 3128), timeout=deadline.timeout())
    except OSError as exc:
        raise FetchBlocked(RefusalReason.PROXY_FAILED, type(exc).__name__) from None
    target = f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"
    try:
        _open_tunnel(sock, target, deadline)
    except FetchBlocked:
        sock.close()
        raise
    return sock


def _open_tunnel(sock: socket.socket, target: str, deadline: Deadline) -> None:
    """Ask the proxy for a tunnel to ``target`` (an IP and port); h11 reads its reply."""
    conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_PROXY_HEAD)
    request = h11.Request(method="CONNECT", target=target, headers=[("Host", target)])
    sock.settimeout(deadline.timeout())
    try:
        sock.sendall(conn.send(request) + conn.send(h11.EndOfMessage()))
    except OSError as exc:
        raise FetchBlocked(RefusalReason.PROXY_FAILED, type(exc).__name__) from None
    status = _proxy_status(sock, conn, deadline)
    if status != 200:
        raise FetchBlocked(RefusalReason.PROXY_FAILED, "proxy refused CONNECT")
    if conn.trailing_data[0]:
        raise FetchBlocked(RefusalReason.PROXY_FAILED, "proxy sent data before the tunnel was used")


def _proxy_status(sock: socket.socket, conn: h11.Connection, deadline: Deadline) -> int:
    """The status of the proxy's final answer to CONNECT (1xx interim answers are skipped)."""
    while True:
        try:
            event = conn.next_event()
        except h11.RemoteProtocolError:
            raise FetchBlocked(RefusalReason.PROXY_FAILED, "malformed proxy reply") from None
        if event is h11.NEED_DATA:
            conn.receive_data(receive(sock, deadline))
        elif isinstance(event, h11.Response):
            return event.status_code
        elif not isinstance(event, h11.InformationalResponse):
            raise FetchBlocked(RefusalReason.PROXY_FAILED, "no answer to CONNECT")


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
        raise FetchBlocked(RefusalReason.TLS_ERROR, type(exc).__name__) from None
