"""Helpers for the assessment tests: small WARC archives written here, and the synthetic forum of bench/."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = str(ROOT / "bench")
if BENCH not in sys.path:
    sys.path.append(BENCH)  # after the standard library: bench/ module names must not shadow it

REFERENCE_WARC = ROOT / "scenarios" / "reference-forum.warc.gz"


def warc(path: Path, records: list[tuple[str, bytes, str]], *, gzip: bool = True, status: str = "200 OK") -> Path:
    """Write (url, body, content type) records as responses."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        for url, body, ctype in records:
            http = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=http))
    return path


def forum_page(posts: list[tuple[str, str, str]]) -> bytes:
    """A XenForo-like page of (author, ISO time, text) posts; text is escaped."""
    from html import escape

    items = "".join(f'<article class="message message--post" data-author="{escape(a)}"><time datetime="{t}">x'
                    f'</time><div class="bbWrapper">{escape(x)}</div></article>' for a, t, x in posts)
    return f"<!DOCTYPE html><html><body><nav>Home</nav>{items}<footer>Users online: 3</footer></body></html>".encode()


def keyer(names: tuple[str, ...]) -> list[str]:
    """Target keys without the desk's keyring (pure tests)."""
    return [" ".join(n.casefold().split()) for n in names if n.strip()]


@pytest.fixture(scope="session")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic forum of 600 posts (bench/assess_archive.py, the generator's evaluation split): three chunks."""
    from assess_archive import synthetic_posts, write_archive

    path = tmp_path_factory.mktemp("forum") / "forum.warc.gz"
    write_archive(str(path), synthetic_posts(600, seed=3))
    return path
