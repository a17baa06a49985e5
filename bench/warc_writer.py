"""Deterministic WARC writing for the bench and scenario scripts: response records with fixed dates and
record ids derived from the URL and position, so the same pages give the same bytes."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterable


def write_pages(path: str, pages: Iterable[tuple[str, str]], *, date: str = "2026-01-01T00:00:00Z") -> int:
    """Write (url, html) pages as gzipped response records; returns how many."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    n = 0
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=path.endswith(".gz"))
        for n, (url, html) in enumerate(pages, 1):
            body = html.encode("utf-8")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            record_id = uuid.UUID(bytes=hashlib.sha256(f"{n}:{url}".encode()).digest()[:16])
            headers = {"WARC-Date": date, "WARC-Record-ID": f"<urn:uuid:{record_id}>"}
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                               warc_headers_dict=headers)
            writer.write_record(record)
    return n
