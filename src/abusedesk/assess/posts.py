"""The values the assessment passes around: a post read from a source, a record that was skipped, and a
source's identity (path and SHA-256)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: pages (records) larger than this are skipped with the reason `too_large`; the fetcher's default cap too
MAX_RECORD_BYTES = 5 * 1024 * 1024
#: posts longer than this are cut (the classify limit is 100,000 characters; a forum post is far shorter)
MAX_POST_CHARS = 100_000

_PAGE_PATH = re.compile(r"/(?:page[-/]?\d+)/?$", re.IGNORECASE)
_PAGE_PARAMS = frozenset({"page", "p", "start", "offset", "pg"})


class MissingExtra(Exception):
    """WARC reading and Ray need the `assess` extra."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} needs the assess extra: pip install 'abusedesk[assess]'")


def require_warcio() -> None:
    try:
        import warcio  # noqa: F401
    except ImportError:
        raise MissingExtra("reading or writing WARC files") from None


@dataclass(frozen=True)
class Post:
    """One post. `source` is the index of its input, `offset` the record it came from (a WARC record's byte
    offset, a JSON Lines line number, a crawled page's number): what a checkpoint records."""

    source: int
    offset: int
    url: str
    thread: str
    author: str
    at: str | None
    text: str

    @property
    def key(self) -> bytes:
        """Identity for counting a post once: thread, author, time and text (normalised). The same post in two
        captures of a page, or in two archives, is one post."""
        material = "\x00".join((self.thread, _norm(self.author), self.at or "", _norm(self.text)))
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).digest()[:16]


@dataclass(frozen=True)
class Skip:
    """A record that gave no post, with a machine-readable reason (`too_large`, `not_html`, `corrupt`, ...)."""

    source: int
    offset: int
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Input:
    file: str
    sha256: str
    size: int


def describe(path: str) -> Input:
    """The input's path and the SHA-256 of its bytes (streamed)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return Input(str(Path(path)), digest.hexdigest(), size)


def thread_of(url: str) -> str:
    """The thread a page belongs to: its URL without fragment, page number or pagination parameters, so the pages
    of one thread count as one (`/threads/7/page-2` and `/threads/7?page=3` are `/threads/7`)."""
    parts = urlsplit(url.strip())
    path = _PAGE_PATH.sub("", parts.path) or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k.lower() not in _PAGE_PARAMS])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path.rstrip("/") or "/", query, ""))


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
