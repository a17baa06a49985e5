"""Posts from WARC and WARC.gz archives (read with warcio), and posts from one HTML page.

A page is split into posts by the desk's forum reader (`watch.posts.split_posts`, the same code that reads
watched threads); a page without post markup is one post whose text is the evidence extraction's
(`evidence.extract.extract_text`: trafilatura with the recall guard). Records that give no post are reported
with a reason and the archive goes on:

- `not_html`: a response or resource that is not HTML (images, scripts, JSON ...);
- `http_status`: an answer other than 200;
- `too_large`: a record over `MAX_RECORD_BYTES` (checked on the record's declared length before its payload is
  read, and again on the bytes read);
- `duplicate_record`: the same payload for the same URL again (re-crawls, revisits); its posts count once;
- `corrupt`: a record shorter than its declared length (a truncated archive), or bytes warcio cannot read as a
  record (damage); the posts before it are kept, the rest of that file is not read after damage.

Request, metadata, warcinfo and revisit records carry no post and are passed over silently.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

from abusedesk.assess.posts import MAX_POST_CHARS, MAX_RECORD_BYTES, Post, Skip, require_warcio, thread_of

_CONTENT = frozenset({"response", "resource"})
_HTML = ("text/html", "application/xhtml+xml")


def read_warc(path: str, source: int, *, max_bytes: int = MAX_RECORD_BYTES) -> Iterator[Post | Skip]:
    """Every post of the archive in record order, and a `Skip` for each record that gave none."""
    require_warcio()
    from warcio.archiveiterator import ArchiveIterator

    seen: set[bytes] = set()
    offset = 0
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        records = ArchiveIterator(handle, no_record_parse=False)
        try:
            for record in records:
                offset = records.offset  # the record's start (get_record_offset() would read it to its end)
                yield from _record(record, source, offset, max_bytes, seen)
        except Exception as exc:  # warcio, gzip and zlib raise many types on damaged input; all mean "stop here"
            yield Skip(source, offset, "corrupt", f"{type(exc).__name__} after offset {offset}; rest of file unread")
            return
        if records.offset < size:  # warcio ends quietly on a truncated last gzip member
            yield Skip(source, records.offset, "corrupt", f"{size - records.offset} bytes after offset "
                       f"{records.offset} are not a whole record; rest of file unread")


def _record(record: Any, source: int, offset: int, max_bytes: int, seen: set[bytes]) -> Iterator[Post | Skip]:
    if record.rec_type not in _CONTENT:
        return
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    http = record.http_headers
    status = http.get_statuscode() if http is not None else "200"
    ctype = (http.get_header("Content-Type") if http is not None else None) \
        or record.rec_headers.get_header("Content-Type") or ""
    if (record.length or 0) > max_bytes + 65536:
        yield Skip(source, offset, "too_large", f"{record.length} bytes")
        return
    if status != "200":
        yield Skip(source, offset, "http_status", str(status))
        return
    if not ctype.split(";", 1)[0].strip().lower().startswith(_HTML):
        yield Skip(source, offset, "not_html", ctype.split(";", 1)[0].strip()[:60] or "none")
        return
    stream = record.content_stream()
    body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        yield Skip(source, offset, "too_large", f"over {max_bytes} bytes")
        return
    stream.read(1)
    if getattr(record.raw_stream, "limit", 0):  # the record ends before its declared length
        yield Skip(source, offset, "corrupt", "truncated record: shorter than its Content-Length")
        return
    digest = hashlib.sha256(url.encode("utf-8", "replace") + b"\x00" + body).digest()
    if digest in seen:
        yield Skip(source, offset, "duplicate_record", "")
        return
    seen.add(digest)
    yield from page_posts(body, ctype, url, source, offset, record.rec_headers.get_header("WARC-Date"))


def page_posts(body: bytes, content_type: str, url: str, source: int, offset: int,
               fetched_at: str | None = None) -> Iterator[Post]:
    """The posts of one HTML page; a page without post markup is one post (the extracted main text)."""
    from abusedesk.evidence.extract import decode, extract_text
    from abusedesk.watch.posts import split_posts

    found = split_posts(decode(body, content_type, sniff_meta=True), url)
    thread = thread_of(url)
    if len(found) == 1 and not found[0].author and not found[0].posted_at:
        text = extract_text(body, content_type or "text/html", url)
        if text.strip():
            yield Post(source, offset, url, thread, "", fetched_at, text[:MAX_POST_CHARS])
        return
    for post in found:
        if post.text.strip():
            yield Post(source, offset, url, thread, post.author, post.posted_at or fetched_at,
                       post.text[:MAX_POST_CHARS])
