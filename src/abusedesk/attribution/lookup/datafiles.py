"""Where the attribution reference data is read from: a refreshed copy when there is one, else the snapshot.

The package ships a dated snapshot in ``data/`` (``data/README.md`` names every source and date).
``abusedesk attribution refresh`` writes newer copies, under the same relative names, into the
attribution data directory: ``ABUSEDESK_ATTRIBUTION_DATA_DIR``, by default ``attribution/`` inside the
desk's data directory (``ABUSEDESK_DATA_DIR``, itself ``./abusedesk-data`` by default). A file there wins
over the shipped one unless it is older (an upgrade can ship a newer snapshot than the last refresh):
each file's date is its ``publication`` (IANA), else ``published``, else ``fetched``. Parsed files are
cached by path and modification time, so a running server picks up a refresh on its next look-up.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "data"
T = TypeVar("T")


def data_dir() -> Path:
    """The directory `abusedesk attribution refresh` writes to and the loaders look in first."""
    explicit = os.environ.get("ABUSEDESK_ATTRIBUTION_DATA_DIR", "").strip()
    if explicit:
        return Path(explicit).resolve()
    desk = os.environ.get("ABUSEDESK_DATA_DIR", "").strip() or str(Path.cwd() / "abusedesk-data")
    return Path(desk).resolve() / "attribution"


def shipped_path(name: str) -> Path:
    return SHIPPED_DIR / name


def refreshed_path(name: str) -> Path:
    return data_dir() / name


def candidates(name: str) -> list[Path]:
    """The refreshed copy (if present) first, then the shipped one (if present)."""
    return [path for path in (refreshed_path(name), shipped_path(name)) if path.is_file()]


def load(name: str, build: Callable[[Any], T]) -> tuple[T, Path] | None:
    """Parse `name` with `build` from the newer of the refreshed and shipped copies (the refreshed one on
    a tie). A copy that does not parse is logged and skipped, so a damaged refresh never takes look-ups
    down; if no copy parses the last error is raised. None when neither copy exists."""
    usable: list[tuple[datetime, Path, T]] = []
    error: Exception | None = None
    for path in candidates(name):
        try:
            doc = read_json(path)
            usable.append((stamp(doc) or datetime.min.replace(tzinfo=UTC), path, build(doc)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("attribution data %s is unusable: %s", path, exc)
            error = exc
    if not usable:
        if error is not None:
            raise error
        return None
    newest = max(usable, key=lambda item: item[0])  # max() keeps the first of equals: the refreshed copy
    return newest[2], newest[1]


def stamp(doc: Any) -> datetime | None:
    """The date a data file speaks for: IANA ``publication``, else ``published``, else ``fetched``."""
    if not isinstance(doc, dict):
        return None
    for field in ("publication", "published", "fetched"):
        if isinstance(doc.get(field), str):
            return parse_date(doc[field])
    return None


def parse_date(text: str) -> datetime:
    """An ISO 8601 date or date-time as an aware datetime (UTC when no zone is given)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_json(path: Path) -> Any:
    """The parsed file, cached until it changes. Callers must not mutate the result."""
    return _read(str(path), path.stat().st_mtime_ns)


def version_key(names: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """A cache key that changes when any of these files is refreshed."""
    return tuple((str(path), path.stat().st_mtime_ns) for name in names for path in candidates(name))


@lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int) -> Any:
    del mtime_ns  # part of the cache key only
    return json.loads(Path(path).read_text(encoding="utf-8"))
