"""A deliberately small HTTP/1.1 client: one GET, ``Connection: close``, capped everywhere.

Why not http.client or urllib3: we need a total deadline across every read (slow-loris), a byte cap on
the *decoded* body with incremental decompression (gzip bombs), header count and size caps that end the
fetch with a reason, and no hidden behaviour (cookies, auth, proxies from the environment, redirects).
Each of those is a few lines here and a fight with a general-purpose client.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

from abusedesk.evidence.fetch.errors import FetchBlocked
from abusedesk.evidence.fetch.wire import Reader

_STATUS = re.compile(rb"^HTTP/1\.[01] ([1-5][0-9][0-9])(?: [^\r\n]*)?\r?\n$")
_TOKEN = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_CHUNK_SIZE = re.compile(rb"^([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n$")
MAX_INTERIM = 5  # 1xx responses tolerated before the real one
ACCEPTED_ENCODINGS = "gzip, deflate"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    truncated: bool = False
    decoded: bool = True
    header_count: int = 0
    notes: list[str] = field(default_factory=list)


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
    """Refuse header names we own and any CR/LF/NUL that would split the request."""
    for name, value in headers:
        if not _TOKEN.match(name.encode("latin-1", "replace")) or name.lower() in FORBIDDEN_EXTRA_HEADERS:
            raise FetchBlocked("invalid_header", f"header name {name!r} not allowed")
        if any(c in value for c in "\r\n\x00") or not value.isascii():
            raise FetchBlocked("invalid_header", f"header {name} has a control or non-ASCII character")


def build_request(target: str, host_header: str, user_agent: str, outgoing: Outgoing | None = None) -> bytes:
    """The exact bytes we send. No Cookie, no Authorization, no Referer unless a webhook caller adds
    an (already checked) header: the evidence fetcher never has any to send."""
    outgoing = outgoing or Outgoing()
    lines = [
        f"{outgoing.method} {target} HTTP/1.1",
        f"Host: {host_header}",
        f"User-Agent: {user_agent}",
        "Accept: text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
        f"Accept-Encoding: {ACCEPTED_ENCODINGS}",
        "Connection: close",
    ]
    if outgoing.method != "GET":
        lines.append(f"Content-Length: {len(outgoing.body)}")
        if outgoing.content_type:
            lines.append(f"Content-Type: {outgoing.content_type}")
    lines += [f"{name}: {value}" for name, value in outgoing.extra_headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + outgoing.body


def read_head(reader: Reader, limits: Limits) -> Response:
    """Status line and headers, skipping up to `MAX_INTERIM` 1xx interim responses."""
    for _ in range(MAX_INTERIM + 1):
        status = _read_status(reader)
        headers, count = _read_headers(reader, limits)
        if status >= 200:
            return Response(status, headers, header_count=count)
    raise FetchBlocked("bad_response", "too many 1xx interim responses")


def read_body(reader: Reader, response: Response, limits: Limits) -> None:
    """Fill ``response.body`` with at most ``max_bytes`` decoded bytes; set ``truncated`` if cut."""
    if response.status in (204, 304):
        return
    sink = _Sink(limits.max_bytes, _decoder_for(response))
    response.decoded = sink.decoder is not None or _encoding(response) in ("", "identity")
    chunked = "chunked" in response.headers.get("transfer-encoding", "").lower()
    length = None if chunked else _content_length(response.headers)
    try:
        if chunked:
            _read_chunked(reader, sink, limits)
        else:
            _read_plain(reader, sink, length)
    except FetchBlocked:
        response.body, response.truncated = bytes(sink.out), True  # keep what arrived, marked partial
        raise
    if not sink.full:
        sink.finish()
    response.body, response.truncated = bytes(sink.out), sink.full or sink.short


def _read_status(reader: Reader) -> int:
    line = reader.readline(8192)
    if not line:
        raise FetchBlocked("bad_response", "connection closed before a status line")
    match = _STATUS.match(line)
    if not match:
        raise FetchBlocked("bad_response", "malformed status line")
    return int(match.group(1))


def _read_headers(reader: Reader, limits: Limits) -> tuple[dict[str, str], int]:
    headers: dict[str, str] = {}
    count = total = 0
    last = ""
    while True:
        line = reader.readline(limits.max_header_bytes)
        total += len(line)
        if total > limits.max_header_bytes:
            raise FetchBlocked("header_too_large", f"headers exceed {limits.max_header_bytes} bytes")
        if line in (b"\r\n", b"\n"):
            return headers, count
        if not line:
            raise FetchBlocked("bad_response", "connection closed inside the headers")
        count += 1
        if count > limits.max_headers:
            raise FetchBlocked("too_many_headers", f"more than {limits.max_headers} headers")
        last = _add_header(headers, line, last)


def _add_header(headers: dict[str, str], line: bytes, last: str) -> str:
    text = line.rstrip(b"\r\n")
    if text[:1] in (b" ", b"\t") and last:  # obsolete line folding: continue the previous value
        headers[last] += " " + text.strip().decode("latin-1")
        return last
    name, sep, value = text.partition(b":")
    if not sep or not _TOKEN.match(name):
        raise FetchBlocked("bad_response", "malformed header line")
    key = name.decode("ascii").lower()
    value_text = value.strip().decode("latin-1")
    headers[key] = f"{headers[key]}, {value_text}" if key in headers else value_text
    return key


def _content_length(headers: dict[str, str]) -> int | None:
    raw = headers.get("content-length")
    if raw is None:
        return None
    values = {v.strip() for v in raw.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise FetchBlocked("bad_response", "invalid or conflicting Content-Length")
    return int(next(iter(values)))


def _read_plain(reader: Reader, sink: _Sink, length: int | None) -> None:
    remaining = length
    while not sink.full and (remaining is None or remaining > 0):
        want = 65536 if remaining is None else min(65536, remaining)
        data = reader.read(want)
        if not data:
            if remaining:
                sink.short = True
            return
        if remaining is not None:
            remaining -= len(data)
        sink.feed(data)


def _read_chunked(reader: Reader, sink: _Sink, limits: Limits) -> None:
    while not sink.full:
        match = _CHUNK_SIZE.match(reader.readline(1024))
        if not match:
            raise FetchBlocked("bad_response", "malformed chunk size line")
        size = int(match.group(1), 16)
        if size == 0:
            _read_headers(reader, limits)  # trailers, under the same caps
            return
        while size > 0 and not sink.full:
            data = reader.read(min(size, 65536))
            if not data:
                raise FetchBlocked("bad_response", "connection closed inside a chunk")
            size -= len(data)
            sink.feed(data)
        if not sink.full and reader.readline(8) not in (b"\r\n", b"\n"):
            raise FetchBlocked("bad_response", "chunk not followed by CRLF")


def _encoding(response: Response) -> str:
    return response.headers.get("content-encoding", "").strip().lower()


def _decoder_for(response: Response) -> zlib._Decompress | None:
    encoding = _encoding(response)
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        # Meant to be zlib-wrapped; servers that send raw deflate are retried in `_Sink.feed`.
        return zlib.decompressobj(zlib.MAX_WBITS | 32)
    return None  # identity, or an encoding we did not ask for: kept as received (decoded=False)


class _Sink:
    """Collects decoded bytes up to a cap, decompressing incrementally so a bomb never inflates past it."""

    def __init__(self, cap: int, decoder: zlib._Decompress | None) -> None:
        self.cap = cap
        self.decoder = decoder
        self.out = bytearray()
        self.full = False
        self.short = False
        # Compressed input is capped too, so a stream that inflates to nothing cannot run forever.
        self.wire_cap = cap + cap // 8 + 65536
        self.wire = 0

    def feed(self, data: bytes) -> None:
        first = self.wire == 0
        self.wire += len(data)
        if self.decoder is None:
            self._append(data)
            return
        try:
            self._inflate(data)
        except zlib.error:
            if not (first and not self.out):
                raise FetchBlocked("bad_encoding", "corrupt compressed body") from None
            self._retry_raw_deflate(data)
        if self.wire > self.wire_cap:
            self.full = True

    def _inflate(self, data: bytes) -> None:
        assert self.decoder is not None
        pending = data
        while pending and not self.full:
            room = self.cap - len(self.out) + 1  # one byte more than fits tells us it was cut
            chunk = self.decoder.decompress(pending, room)
            self._append(chunk)
            pending = self.decoder.unconsumed_tail
            if self.decoder.eof:
                return

    def _retry_raw_deflate(self, data: bytes) -> None:
        self.decoder = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            self._inflate(data)
        except zlib.error:
            raise FetchBlocked("bad_encoding", "corrupt deflate body") from None

    def _append(self, chunk: bytes) -> None:
        room = self.cap - len(self.out)
        if len(chunk) > room:
            self.out += chunk[:room]
            self.full = True
        else:
            self.out += chunk

    def finish(self) -> None:
        if self.decoder is not None and not self.full:
            try:
                self._append(self.decoder.flush(self.cap - len(self.out) + 1))
            except zlib.error:
                return
