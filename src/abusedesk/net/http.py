"""One HTTP/1.1 exchange on a pinned socket: the request we send and the response we read, framed by h11.

h11 parses and frames (status line, headers, interim 1xx answers, Content-Length and chunked bodies,
trailers) and does no I/O of its own, so every byte still comes from `wire.receive` on the pinned socket
under the per-read timeout and the total deadline, and reading stops the moment a cap is hit. What a
general-purpose client would add (its own sockets and DNS, proxies from the environment, cookies,
redirects, retries) is exactly what the fetcher must not do.

Caps: a response head that is still incomplete after `_head_buffer` bytes is ``header_too_large``; a
complete head is then checked field by field, in order, against the header count and total size, so
the reason names the cap a reader going line by line would hit first. The body goes through a
`decoding.Sink` capped on decoded bytes.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

import h11

from abusedesk.net.decoding import ACCEPTED_ENCODINGS, Sink, decoder_for
from abusedesk.net.errors import FetchBlocked, RefusalReason
from abusedesk.net.wire import Deadline, receive, send_all

_TOKEN = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
MAX_INTERIM = 5  # 1xx responses tolerated before the real one
MAX_STATUS_LINE = 8192
NO_BODY_STATUSES = frozenset({204, 304})


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    truncated: bool = False
    decoded: bool = True
    header_count: int = 0


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_headers: int
    max_header_bytes: int


@dataclass(frozen=True)
class Outgoing:
    """What we send besides the target: a bare GET for evidence, a POST with a body for webhooks."""

    method: str = "GET"
    body: bytes = b""
    content_type: str = ""
    extra_headers: tuple[tuple[str, str], ...] = ()


# Headers a caller may not set: framing and routing are ours, and cookies are never sent.
FORBIDDEN_EXTRA_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "upgrade",
        "expect",
        "cookie",
        "proxy-authorization",
        "user-agent",
        "accept-encoding",
    }
)


def check_extra_headers(headers: tuple[tuple[str, str], ...]) -> None:
    """Refuse header names we own, any CR/LF/NUL that would split the request, and anything h11 would
    not send; checked before anything is resolved or connected."""
    for name, value in headers:
        if not _TOKEN.match(name.encode("latin-1", "replace")) or name.lower() in FORBIDDEN_EXTRA_HEADERS:
            raise FetchBlocked(RefusalReason.INVALID_HEADER, f"header name {name!r} not allowed")
        if any(c in value for c in "\r\n\x00") or not value.isascii():
            raise FetchBlocked(RefusalReason.INVALID_HEADER, f"header {name} has a control or non-ASCII character")
    try:
        h11.Request(method="POST", target="/", headers=[("Host", "check.invalid"), *headers])
    except h11.LocalProtocolError:
        raise FetchBlocked(RefusalReason.INVALID_HEADER, "a header value HTTP/1.1 does not allow") from None


def request_headers(host_header: str, user_agent: str, outgoing: Outgoing) -> list[tuple[str, str]]:
    """The headers we send. No Cookie, no Authorization, no Referer unless a webhook caller adds an
    (already checked) header: the evidence fetcher never has any to send."""
    headers = [
        ("Host", host_header),
        ("User-Agent", user_agent),
        ("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"),
        ("Accept-Encoding", ACCEPTED_ENCODINGS),
        ("Connection", "close"),
    ]
    if outgoing.method != "GET":
        headers.append(("Content-Length", str(len(outgoing.body))))
        if outgoing.content_type:
            headers.append(("Content-Type", outgoing.content_type))
    return headers + list(outgoing.extra_headers)


class Exchange:
    """One request and its response over a connected socket (plain or TLS), framed by h11."""

    def __init__(self, sock: socket.socket, deadline: Deadline, limits: Limits) -> None:
        self._sock = sock
        self._deadline = deadline
        self._limits = limits
        self._conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=_head_buffer(limits))
        self._closed = False

    def send(self, target: str, host_header: str, user_agent: str, outgoing: Outgoing) -> None:
        headers = request_headers(host_header, user_agent, outgoing)
        try:
            data = self._conn.send(h11.Request(method=outgoing.method, target=target, headers=headers))
            if outgoing.body:
                data += self._conn.send(h11.Data(data=outgoing.body))
            data += self._conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            raise FetchBlocked(RefusalReason.INVALID_HEADER, "request HTTP/1.1 does not allow") from None
        send_all(self._sock, data, self._deadline)

    def read_head(self) -> Response:
        """Status and headers of the final response, after at most `MAX_INTERIM` 1xx interim responses."""
        for _ in range(MAX_INTERIM + 1):
            event = self._next()
            if isinstance(event, h11.InformationalResponse):
                _fields(event.headers.raw_items(), self._limits)
                continue
            if not isinstance(event, h11.Response):
                raise FetchBlocked(RefusalReason.BAD_RESPONSE, "no response")
            if event.http_version not in (b"1.0", b"1.1") or event.status_code > 599:
                raise FetchBlocked(RefusalReason.BAD_RESPONSE, "malformed status line")
            headers, count = _fields(event.headers.raw_items(), self._limits)
            return Response(event.status_code, headers, header_count=count)
        raise FetchBlocked(RefusalReason.BAD_RESPONSE, "too many 1xx interim responses")

    def read_body(self, response: Response) -> None:
        """Fill ``response.body`` with at most ``max_bytes`` decoded bytes; set ``truncated`` if cut."""
        if response.status in NO_BODY_STATUSES:
            return
        encoding = response.headers.get("content-encoding", "").strip().lower()
        sink = Sink(self._limits.max_bytes, decoder_for(encoding))
        response.decoded = sink.decoder is not None or encoding in ("", "identity")
        chunked = "chunked" in response.headers.get("transfer-encoding", "").lower()
        try:
            self._drain(sink, chunked=chunked)
        except FetchBlocked:
            response.body, response.truncated = bytes(sink.out), True  # keep what arrived, marked partial
            raise
        if not sink.full:
            sink.finish()
        response.body, response.truncated = bytes(sink.out), sink.full or sink.short

    def _drain(self, sink: Sink, *, chunked: bool) -> None:
        """Body events into ``sink`` until the message ends or the cap is reached. A Content-Length body
        cut short by the server closing is kept and marked short; a chunked one cut short is an error."""
        while not sink.full:
            try:
                event = self._next()
            except FetchBlocked as exc:
                if self._closed and not chunked and exc.kind is RefusalReason.BAD_RESPONSE:
                    sink.short = True
                    return
                raise
            if isinstance(event, h11.Data):
                sink.feed(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                _fields(event.headers.raw_items(), self._limits)  # trailers, under the same caps
                return
            else:
                raise FetchBlocked(RefusalReason.BAD_RESPONSE, "connection ended inside the body")

    def _next(self) -> h11.Event:
        """The next h11 event, reading from the socket as h11 asks for more."""
        while True:
            try:
                event = self._conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise _protocol_error(exc, self._limits) from None
            if isinstance(event, h11.Event):
                return event
            if event is h11.PAUSED:
                raise FetchBlocked(RefusalReason.BAD_RESPONSE, "the server switched protocols")
            data = receive(self._sock, self._deadline)
            self._closed = not data
            self._conn.receive_data(data)


def _head_buffer(limits: Limits) -> int:
    """How much h11 may buffer while a head is incomplete: twice the header cap plus a status line, so a
    complete head within it is judged field by field, and a head that never ends costs bounded memory."""
    return 2 * limits.max_header_bytes + MAX_STATUS_LINE


def _protocol_error(exc: h11.RemoteProtocolError, limits: Limits) -> FetchBlocked:
    """h11's complaint as a reason. Its message quotes the offending bytes, so only the kind is kept."""
    if exc.error_status_hint == 431:  # h11's "receive buffer too long": a head or line that never ends
        return FetchBlocked(RefusalReason.HEADER_TOO_LARGE, f"head larger than {_head_buffer(limits)} bytes")
    return FetchBlocked(RefusalReason.BAD_RESPONSE, "not valid HTTP/1.1")


def _fields(raw: list[tuple[bytes, bytes]], limits: Limits) -> tuple[dict[str, str], int]:
    """Header fields as a dict (lower-case names, repeated fields joined with ", "), in order under the
    count cap and the size cap (each field counted as the ``Name: value CRLF`` line it came in)."""
    headers: dict[str, str] = {}
    total = 0
    for count, (name, value) in enumerate(raw, start=1):
        total += len(name) + len(value) + 4
        if total > limits.max_header_bytes:
            raise FetchBlocked(RefusalReason.HEADER_TOO_LARGE, f"headers exceed {limits.max_header_bytes} bytes")
        if count > limits.max_headers:
            raise FetchBlocked(RefusalReason.TOO_MANY_HEADERS, f"more than {limits.max_headers} headers")
        key = name.decode("ascii").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers, len(raw)
