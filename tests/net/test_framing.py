"""HTTP/1.1 framing as h11 reads it, against raw bytes from a real loopback server: chunked bodies, lengths
that lie, heads at and past the caps, and status lines that are not HTTP/1.x."""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence

import pytest

from abusedesk.net import FetchPolicy, FetchResult, RefusalReason, fetch

from .conftest import PUBLIC_HOST, PUBLIC_NET
from .loopback import ConnectProxy, LoopbackServer, Request, page

POLICY = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=5.0, read_timeout_s=2.0)


def _raw(*pieces: bytes, pause_s: float = 0.0):  # type: ignore[no-untyped-def]
    """A handler that sends ``pieces`` as they are (pausing between them, so they arrive as separate reads)."""

    def handler(conn: socket.socket, _req: Request) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in pieces:
            conn.sendall(piece)
            if pause_s:
                time.sleep(pause_s)

    return handler


def _fetch(*pieces: bytes, policy: FetchPolicy = POLICY, pause_s: float = 0.0) -> FetchResult:
    with LoopbackServer(_raw(*pieces, pause_s=pause_s), host=PUBLIC_HOST) as server:
        return fetch(server.url("/"), policy=policy)


def _chunked(chunks: Sequence[bytes], trailer: bytes = b"") -> bytes:
    return b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks) + b"0\r\n" + trailer + b"\r\n"


HEAD_CHUNKED = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_chunked_body_is_reassembled_and_trailers_stay_out_of_the_headers() -> None:
    body = _chunked([b"first ", b"second ", b"third"], trailer=b"X-Trailer: t\r\n")
    result = _fetch(HEAD_CHUNKED + body)
    assert (result.ok, result.body, result.truncated) == (True, b"first second third", False)
    assert "x-trailer" not in result.headers


def test_chunked_body_split_across_reads_and_with_extensions() -> None:
    body = b"5;name=value\r\nhello\r\n" + _chunked([b" ", b"world"])
    pieces = [HEAD_CHUNKED[:20], HEAD_CHUNKED[20:], *(body[i : i + 3] for i in range(0, len(body), 3))]
    result = _fetch(*pieces, pause_s=0.005)
    assert (result.ok, result.body, result.truncated) == (True, b"hello world", False)


def test_chunked_body_cut_inside_a_chunk_is_bad_response_with_the_part_kept() -> None:
    result = _fetch(HEAD_CHUNKED + b"a\r\n12345")
    assert (result.ok, result.reason, result.truncated) == (False, RefusalReason.BAD_RESPONSE, True)
    assert result.body == b"12345"


@pytest.mark.parametrize("size_line", [b"zz\r\n", b"-1\r\n", b"1" * 25 + b"\r\n"])
def test_malformed_chunk_size_is_bad_response(size_line: bytes) -> None:
    assert _fetch(HEAD_CHUNKED + size_line + b"x\r\n0\r\n\r\n").reason == RefusalReason.BAD_RESPONSE


def test_chunk_not_followed_by_crlf_is_bad_response() -> None:
    assert _fetch(HEAD_CHUNKED + b"2\r\nokXX0\r\n\r\n").reason == RefusalReason.BAD_RESPONSE


def test_transfer_encoding_wins_over_content_length() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert _fetch(head + _chunked([b"chunked wins"])).body == b"chunked wins"


def test_transfer_encoding_other_than_chunked_is_bad_response() -> None:
    """A framing we cannot read unambiguously (request smuggling's favourite) is refused, not guessed."""
    result = _fetch(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nbody")
    assert result.reason == RefusalReason.BAD_RESPONSE


def test_content_length_longer_than_the_body_keeps_it_marked_truncated() -> None:
    result = _fetch(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", b"twenty bytes of body", pause_s=0.01)
    assert (result.ok, result.body, result.truncated) == (True, b"twenty bytes of body", True)


def test_content_length_shorter_than_what_is_sent_reads_exactly_that_much() -> None:
    result = _fetch(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello and more that is ignored")
    assert (result.ok, result.body, result.truncated) == (True, b"hello", False)


@pytest.mark.parametrize("value", [b"abc", b"-5", b"5, 6", b"1e3"])
def test_invalid_content_length_is_bad_response(value: bytes) -> None:
    result = _fetch(b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nhello")
    assert result.reason == RefusalReason.BAD_RESPONSE


def test_no_length_reads_to_close_and_is_complete() -> None:
    result = _fetch(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n", b"until ", b"close", pause_s=0.01)
    assert (result.ok, result.body, result.truncated) == (True, b"until close", False)


def test_no_content_status_has_no_body() -> None:
    result = _fetch(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert (result.ok, result.status, result.body) == (True, 204, b"")


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/1.1 2000 OK",
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 OK",
        b"HTTP/2 200 OK",
        b"HTTP/3.0 200 OK",
        b"HTTP/1.1 600 Beyond",
        b"ICY 200 OK",
        b" HTTP/1.1 200 OK",
        b"<html>not http at all</html>",
    ],
)
def test_malformed_status_line_is_bad_response(status_line: bytes) -> None:
    result = _fetch(status_line + b"\r\nContent-Length: 2\r\n\r\nok")
    assert (result.ok, result.reason, result.status) == (False, RefusalReason.BAD_RESPONSE, None)


def test_connection_closed_inside_the_head_is_bad_response() -> None:
    assert _fetch(b"HTTP/1.1 200 OK\r\nContent-Ty").reason == RefusalReason.BAD_RESPONSE


def test_more_than_five_interim_responses_is_bad_response() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" * 6
    assert _fetch(interim + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").reason == RefusalReason.BAD_RESPONSE


def test_header_count_at_the_cap_passes_and_one_more_does_not() -> None:
    policy = FetchPolicy(allow_networks=PUBLIC_NET, max_headers=10, deadline_s=5.0)
    fields = b"".join(b"X-H%d: v\r\n" % i for i in range(9))
    at_cap = _fetch(b"HTTP/1.1 200 OK\r\n" + fields + b"Content-Length: 2\r\n\r\nok", policy=policy)
    assert (at_cap.ok, at_cap.body) == (True, b"ok")
    over = _fetch(b"HTTP/1.1 200 OK\r\nX-Extra: 1\r\n" + fields + b"Content-Length: 2\r\n\r\nok", policy=policy)
    assert over.reason == RefusalReason.TOO_MANY_HEADERS


def test_header_bytes_at_the_cap_pass_and_one_more_do_not() -> None:
    policy = FetchPolicy(allow_networks=PUBLIC_NET, max_header_bytes=1024, deadline_s=5.0)
    line = b"Content-Length: 2\r\n"
    filler = b"X-Fill: " + b"f" * (1024 - len(line) - len(b"X-Fill: \r\n")) + b"\r\n"
    assert _fetch(b"HTTP/1.1 200 OK\r\n" + filler + line + b"\r\nok", policy=policy).body == b"ok"
    one_more = filler[:-2] + b"f\r\n"
    result = _fetch(b"HTTP/1.1 200 OK\r\n" + one_more + line + b"\r\nok", policy=policy)
    assert result.reason == RefusalReason.HEADER_TOO_LARGE


def test_head_that_never_ends_is_header_too_large_with_bounded_reads() -> None:
    """Header lines streamed without the blank line that ends a head: refused once h11's buffer is full."""
    policy = FetchPolicy(allow_networks=PUBLIC_NET, max_header_bytes=4096, max_headers=10_000, deadline_s=5.0)
    lines = [b"X-Line-%05d: %s\r\n" % (i, b"v" * 40) for i in range(2000)]
    result = _fetch(b"HTTP/1.1 200 OK\r\n", *lines, policy=policy)
    assert result.reason == RefusalReason.HEADER_TOO_LARGE


def test_trailers_count_against_the_header_caps() -> None:
    policy = FetchPolicy(allow_networks=PUBLIC_NET, max_headers=5, deadline_s=5.0)
    trailer = b"".join(b"X-T%d: v\r\n" % i for i in range(10))
    result = _fetch(HEAD_CHUNKED + _chunked([b"data"], trailer=trailer), policy=policy)
    assert (result.ok, result.reason) == (False, RefusalReason.TOO_MANY_HEADERS)


def test_header_line_without_colon_or_with_space_before_colon_is_bad_response() -> None:
    assert _fetch(b"HTTP/1.1 200 OK\r\nBad Header : x\r\nContent-Length: 0\r\n\r\n").reason == (
        RefusalReason.BAD_RESPONSE
    )


def test_repeated_fields_are_joined_in_order() -> None:
    result = _fetch(b"HTTP/1.1 200 OK\r\nVia: 1.1 a\r\nVia: 1.1 b\r\nContent-Length: 0\r\n\r\n")
    assert result.headers["via"] == "1.1 a, 1.1 b"


def test_proxy_that_answers_garbage_is_proxy_failed() -> None:
    with LoopbackServer(_raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")) as not_a_proxy:
        policy = FetchPolicy(allow_networks=PUBLIC_NET, proxy=f"http://127.0.0.1:{not_a_proxy.port}", deadline_s=5)
        result = fetch(f"http://{PUBLIC_HOST}:8080/", policy=policy)
    assert result.reason == RefusalReason.PROXY_FAILED


def test_proxy_tunnel_carries_a_chunked_response() -> None:
    proxy = ConnectProxy()
    try:
        with LoopbackServer(_raw(HEAD_CHUNKED + _chunked([b"through ", b"the tunnel"])), host=PUBLIC_HOST) as srv:
            policy = FetchPolicy(allow_networks=PUBLIC_NET, proxy=proxy.url, deadline_s=5)
            result = fetch(srv.url("/"), policy=policy)
    finally:
        proxy.close()
    assert (result.ok, result.body) == (True, b"through the tunnel")


def test_plain_page_still_served() -> None:
    with LoopbackServer(page(b"<p>plain</p>"), host=PUBLIC_HOST) as server:
        result = fetch(server.url("/"), policy=POLICY)
    assert (result.ok, result.status, result.body, result.truncated) == (True, 200, b"<p>plain</p>", False)
