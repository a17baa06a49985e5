"""Reading typed settings from the environment, with errors that name the variable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class SettingError(ValueError):
    """A setting from the environment could not be used; the message names the variable."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name}: expected one of 1/0/true/false/yes/no/on/off, got {raw!r}")


def env_int(name: str, default: int, *, bounds: tuple[int, int] | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name}: expected a whole number, got {raw!r}") from None
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise SettingError(f"{name}: expected {bounds[0]} to {bounds[1]}, got {value}")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name}: expected a number, got {raw!r}") from None
    if not value > 0:
        raise SettingError(f"{name}: expected a number above 0, got {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key(data_dir: Path) -> str:
    """ABUSEDESK_SECRET_KEY, or a key generated once into the data directory (embedded default)."""
    from_env = os.environ.get("ABUSEDESK_SECRET_KEY")
    if from_env:
        return from_env
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the same desk wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


SERVED_URL_FILE = "served-url"
DEFAULT_URL = "http://127.0.0.1:8000"


def served_url(data_dir: Path) -> str:
    """The address `abusedesk up` last served this data directory at (DATA_DIR/served-url), else the default."""
    path = data_dir / SERVED_URL_FILE
    try:
        url = path.read_text(encoding="utf-8").strip()
    except OSError:
        return DEFAULT_URL
    return url if url.startswith(("http://", "https://")) and "\n" not in url else DEFAULT_URL


def record_served_url(data_dir: Path, url: str) -> None:
    """Called by `abusedesk up` when it chose the public URL itself, so other commands on the desk follow it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / SERVED_URL_FILE).write_text(url + "\n", encoding="utf-8")


def default_abuse_address(public_url: str) -> str:
    """abuse@ the host of the public URL; abuse@localhost when that host is an IP address (a desk on loopback)."""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(public_url).hostname or "").rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"abuse@{host or 'localhost'}"
    return "abuse@localhost"
