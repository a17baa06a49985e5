"""The response body under a cap on *decoded* bytes, so a gzip or deflate bomb never inflates past it.

Decompression is incremental: each piece of the body is inflated only up to the room left under the cap,
and the compressed input is capped too, so a stream that inflates to nothing cannot run forever.
"""

from __future__ import annotations

import zlib

from abusedesk.net.errors import FetchBlocked, RefusalReason

ACCEPTED_ENCODINGS = "gzip, deflate"


def decoder_for(content_encoding: str) -> zlib._Decompress | None:
    """A decompressor for the Content-Encoding we asked for, or None to keep the body as received."""
    encoding = content_encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        # Meant to be zlib-wrapped; servers that send raw deflate are retried in `Sink.feed`.
        return zlib.decompressobj(zlib.MAX_WBITS | 32)
    return None  # identity, or an encoding we did not ask for: kept as received (decoded=False)


class Sink:
    """Collects decoded bytes up to ``cap``; ``full`` once the cap is reached, ``short`` if the body ended early."""

    def __init__(self, cap: int, decoder: zlib._Decompress | None) -> None:
        self.cap = cap
        self.decoder = decoder
        self.out = bytearray()
        self.full = False
        self.short = False
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
                raise FetchBlocked(RefusalReason.BAD_ENCODING, "corrupt compressed body") from None
            self._retry_raw_deflate(data)
        if self.wire > self.wire_cap:
            self.full = True

    def finish(self) -> None:
        if self.decoder is not None and not self.full:
            try:
                self._append(self.decoder.flush(self.cap - len(self.out) + 1))
            except zlib.error:
                return

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
            raise FetchBlocked(RefusalReason.BAD_ENCODING, "corrupt deflate body") from None

    def _append(self, chunk: bytes) -> None:
        room = self.cap - len(self.out)
        if len(chunk) > room:
            self.out += chunk[:room]
            self.full = True
        else:
            self.out += chunk
