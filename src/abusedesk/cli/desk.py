"""Which desk a command works on, and a clear error when there is none.

Every command that needs the database reads the same place: `--data-dir` / `ABUSEDESK_DATA_DIR` (default
`./abusedesk-data`) for the embedded SQLite desk, or `ABUSEDESK_DATABASE_URL`. Only `migrate` and `up` create a
desk; any other command run where there is none stops with "no desk at DIR" instead of silently creating an
empty one (SQLite makes a file on first connect) or failing with `no such table`.
"""

from __future__ import annotations

import os
from pathlib import Path

from abusedesk.cli.main import CliError

SQLITE_FILE = "abusedesk.sqlite3"


def data_dir() -> Path:
    """The data directory as settings will compute it (settings/__init__.py, DATA_DIR)."""
    return Path(os.environ.get("ABUSEDESK_DATA_DIR") or Path.cwd() / "abusedesk-data").resolve()


def _no_desk(where: object) -> CliError:
    return CliError(f"no desk at {where} — run `abusedesk migrate` or pass --data-dir")


def check_before_setup() -> None:
    """Before Django loads (loading settings writes a secret key into the data directory)."""
    embedded = not os.environ.get("ABUSEDESK_DATABASE_URL")
    default_settings = os.environ.get("DJANGO_SETTINGS_MODULE", "abusedesk.settings") == "abusedesk.settings"
    if embedded and default_settings and not (data_dir() / SQLITE_FILE).is_file():
        raise _no_desk(data_dir())


def check_after_setup() -> None:
    """The database answers but was never migrated (an empty file, a fresh PostgreSQL database)."""
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    if not MigrationRecorder(connection).has_table():
        engine = settings.DATABASES["default"]
        where = data_dir() if engine["ENGINE"].endswith("sqlite3") else f"database {engine.get('NAME')!r}"
        raise _no_desk(where)
