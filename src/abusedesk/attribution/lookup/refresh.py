"""Download the attribution sources again, check them, and replace the data files atomically.

Rule: a source's new file is written only when every URL of it answered 200 in full, the answer has
the expected shape with parseable entries, and its publication date (when the publisher gives one) is
not older than the copy in use. Otherwise the copy in use stays and the outcome says which source
failed and why. Downloads go through the SSRF-safe fetcher under the caller's policy; ``mirror`` fetches
``https://host/path`` as ``MIRROR/host/path`` instead (an internal mirror, or a test server).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from abusedesk.attribution.lookup import datafiles
from abusedesk.attribution.lookup.sources import SOURCES, Source
from abusedesk.net import FetchPolicy, Resolver, fetch

MAX_SOURCE_BYTES = 32 * 1024 * 1024  # AWS's ip-ranges.json is a few MiB; the others are far smaller


@dataclass(frozen=True)
class Outcome:
    source: str
    ok: bool
    message: str
    path: Path | None = None


class SourceError(Exception):
    """One source could not be refreshed; the message names the URL or the check that failed."""


def refresh(
    names: Sequence[str] = (),
    *,
    policy: FetchPolicy,
    resolver: Resolver | None = None,
    mirror: str | None = None,
    now: datetime | None = None,
) -> list[Outcome]:
    """Refresh the named sources (all when none is named), each independently of the others."""
    when = now or datetime.now(UTC)
    return [
        refresh_one(SOURCES[name], policy=policy, resolver=resolver, mirror=mirror, now=when)
        for name in names or SOURCES
    ]


def refresh_one(
    source: Source, *, policy: FetchPolicy, resolver: Resolver | None, mirror: str | None, now: datetime
) -> Outcome:
    try:
        bodies = [download(url, policy=policy, resolver=resolver, mirror=mirror) for url in source.urls]
        try:
            built = source.build(bodies, now)
        except ValueError as exc:
            raise SourceError(f"rejected {', '.join(source.urls)}: {exc}") from None
        check_not_older(source, built.published)
        path = write_atomic(datafiles.refreshed_path(source.target), built.content)
    except (SourceError, OSError) as exc:
        return Outcome(source.name, False, f"{exc}; the copy in use is kept")
    return Outcome(source.name, True, f"{built.summary}; written to {path}", path)


def download(url: str, *, policy: FetchPolicy, resolver: Resolver | None, mirror: str | None) -> bytes:
    target = mirrored(url, mirror) if mirror else url
    result = fetch(target, policy=policy, resolver=resolver)
    if not result.ok or result.status != 200:
        raise SourceError(f"download of {target} failed: {result.reason or f'HTTP {result.status}'}")
    if result.truncated:
        raise SourceError(f"download of {target} failed: larger than {policy.max_bytes} bytes or cut short")
    return result.body


def mirrored(url: str, mirror: str) -> str:
    parts = urlsplit(url)
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path}"


def check_not_older(source: Source, published: str | None) -> None:
    """Refuse a file whose publication date is before that of the copy in use (a stale mirror or cache)."""
    if published is None:
        return
    for path in datafiles.candidates(source.target):
        try:
            doc = datafiles.read_json(path)
            current = doc.get("publication") or doc.get("published")
            older = isinstance(current, str) and datafiles.parse_date(published) < datafiles.parse_date(current)
        except (OSError, ValueError, AttributeError):
            continue  # an unreadable copy is no reason to refuse a good one
        if older:
            raise SourceError(f"rejected: published {published}, older than the copy in use ({current}, {path})")


def write_atomic(path: Path, content: bytes) -> Path:
    """Write beside the target, flush to disk, then rename over it: readers see the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def policy_for_refresh(base: FetchPolicy) -> FetchPolicy:
    """The desk's outbound policy with room for the larger files and a slower publisher."""
    return replace(base, max_bytes=MAX_SOURCE_BYTES, deadline_s=max(base.deadline_s, 120.0))
