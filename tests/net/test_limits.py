"""Size and time caps (SECURITY-TESTS 8, 9): bodies, gzip bombs, header floods, slow-loris."""

from __future__ import annotations

import resource
import socket
import time
import zlib

import pytest

from abusedesk.net import FetchPolicy, RefusalReason, fetch

from .conftest import PUBLIC_HOST, PUBLIC_NET
from .loopback import (
    LoopbackServer,
    Request,
    gzip_bomb,
    gzipped,
    header_flood,
    respond,
    slow_loris,
    stream_forever,
)

POLICY = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=10.0, read_timeout_s=5.0)
MIB = 1024 * 1024


def _fetch(handler, policy: FetchPolicy = POLICY):  # type: ignore[no-untyped-def]
    with LoopbackServer(handler, host=PUBLIC_HOST) as server:
        return fetch(server.url("/"), policy=policy)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def test_case8_endless_chunked_body_cut_at_cap() -> None:
    before = _peak_rss_mib()
    result = _fetch(stream_forever(b"A" * 65536, {"Transfer-Encoding": "chunked"}))
    assert _peak_rss_mib() - before < 100
    assert result.ok
    assert result.truncated
    assert len(result.body) == 5 * MIB


def test_case8_lying_content_length_cut_at_cap() -> None:
    result = _fetch(stream_forever(b"B" * 65536, {"Content-Length": "5000000000"}))
    assert (result.ok, result.truncated, len(result.body)) == (True, True, 5 * MIB)


def test_case8_endless_body_without_length_cut_at_cap() -> None:
    result = _fetch(stream_forever(b"C" * 65536, {"Content-Type": "text/plain"}))
    assert (result.truncated, len(result.body)) == (True, 5 * MIB)


def test_case8_gzip_bomb_stops_at_decoded_cap_with_bounded_memory() -> None:
    """10 GiB of zeros in ~10 MiB of gzip: decoding stops at 5 MiB and RSS barely moves."""
    before = _peak_rss_mib()
    started = time.monotonic()
    result = _fetch(gzip_bomb(10 * 1024))
    assert result.ok
    assert result.truncated
    assert len(result.body) == 5 * MIB
    assert _peak_rss_mib() - before < 100
    assert time.monotonic() - started < 5


def test_case8_deflate_bomb_also_capped() -> None:
    payload = zlib.compress(bytes(64 * MIB), 9)

    def handler(conn: socket.socket, _req: Request) -> None:
        respond(conn, 200, {"Content-Encoding": "deflate"}, payload)

    result = _fetch(handler, FetchPolicy(allow_networks=PUBLIC_NET, max_bytes=MIB))
    assert (result.truncated, len(result.body)) == (True, MIB)


def test_case8_header_flood_aborted() -> None:
    result = _fetch(header_flood(5000))
    assert (result.ok, result.reason) == (False, RefusalReason.TOO_MANY_HEADERS)


def test_case8_one_huge_header_aborted() -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * (1 * MIB) + b"\r\n\r\n")

    assert _fetch(handler).reason == RefusalReason.HEADER_TOO_LARGE


def test_case8_many_medium_headers_exceed_total_size() -> None:
    policy = FetchPolicy(allow_networks=PUBLIC_NET, max_header_bytes=8 * 1024)
    lines = "".join(f"X-H{i}: {'v' * 200}\r\n" for i in range(60))

    def handler(conn: socket.socket, _req: Request) -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\n{lines}\r\n".encode())

    result = _fetch(handler, policy)
    assert result.reason == RefusalReason.HEADER_TOO_LARGE


def test_case9_slow_loris_aborted_at_total_deadline() -> None:
    """1 byte every 0.4 s with a 1 s read timeout never trips the read timeout; the 2 s deadline does."""
    policy = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=2.0, read_timeout_s=1.0)
    started = time.monotonic()
    result = _fetch(slow_loris(0.4), policy)
    elapsed = time.monotonic() - started
    assert (result.ok, result.reason) == (False, RefusalReason.TIMEOUT_DEADLINE)
    assert 1.9 <= elapsed < 3.5


def test_case9_slow_body_aborted_at_deadline_keeps_partial_body() -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            time.sleep(0.3)
            conn.sendall(b"x")

    policy = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=1.5, read_timeout_s=1.0)
    result = _fetch(handler, policy)
    assert result.reason == RefusalReason.TIMEOUT_DEADLINE
    assert result.status == 200
    assert 1 <= len(result.body) < 1000
    assert result.truncated


def test_silent_server_hits_read_timeout() -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        time.sleep(2)

    policy = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=5.0, read_timeout_s=0.5)
    assert _fetch(handler, policy).reason == RefusalReason.TIMEOUT_READ


def test_gzip_body_decoded() -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        respond(conn, 200, {"Content-Encoding": "gzip"}, gzipped(b"<p>hello</p>" * 100))

    result = _fetch(handler)
    assert (result.ok, result.truncated, result.body) == (True, False, b"<p>hello</p>" * 100)


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_zlib_wrapped_and_raw(wbits: int) -> None:
    comp = zlib.compressobj(6, zlib.DEFLATED, wbits)
    payload = comp.compress(b"deflated text " * 50) + comp.flush()

    def handler(conn: socket.socket, _req: Request) -> None:
        respond(conn, 200, {"Content-Encoding": "deflate"}, payload)

    assert _fetch(handler).body == b"deflated text " * 50


def test_corrupt_gzip_is_a_reason() -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        respond(conn, 200, {"Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00garbagegarbage")

    assert _fetch(handler).reason == RefusalReason.BAD_ENCODING


def test_unknown_encoding_kept_raw_and_flagged() -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        respond(conn, 200, {"Content-Encoding": "br"}, b"\x0b\x02\x80hello\x03")

    result = _fetch(handler)
    assert (result.ok, result.decoded, result.body) == (True, False, b"\x0b\x02\x80hello\x03")


def test_short_body_marked_truncated() -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")

    result = _fetch(handler)
    assert (result.ok, result.body, result.truncated) == (True, b"only this", True)


@pytest.mark.parametrize(
    "raw",
    [
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"",
    ],
)
def test_malformed_responses_are_bad_response(raw: bytes) -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        conn.sendall(raw)

    assert _fetch(handler).reason == RefusalReason.BAD_RESPONSE


def test_interim_100_continue_skipped_and_headers_lowercased() -> None:
    def handler(conn: socket.socket, _req: Request) -> None:
        conn.sendall(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            b"X-Served-By: cache-x\r\nVia: 1.1 varnish\r\nX-Fold: a\r\n b\r\nContent-Length: 2\r\n\r\nok"
        )

    result = _fetch(handler)
    assert result.status == 200
    assert result.headers["x-served-by"] == "cache-x"
    assert result.headers["x-fold"] == "a b"
    assert result.content_type == "text/plain"
