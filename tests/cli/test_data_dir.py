"""Every command reads the same data directory and says so when there is no desk there, instead of creating an
empty one or failing with `no such table`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NO_DESK = "no desk at {} — run `abusedesk migrate` or pass --data-dir"


def _run(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    clean["DJANGO_SETTINGS_MODULE"] = "abusedesk.settings"
    return subprocess.run([sys.executable, "-m", "abusedesk.cli", *argv], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("argv", [["demo"], ["audit", "verify"], ["transparency", "build", "--period", "2026H2"],
                                  ["jobs", "dead"], ["worker", "--batch"]])
def test_commands_outside_a_desk_say_so_and_create_nothing(tmp_path: Path, argv: list[str]) -> None:
    result = _run(*argv, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert NO_DESK.format(tmp_path / "abusedesk-data") in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_never_migrated_database_is_no_desk_either(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "abusedesk.sqlite3").write_bytes(b"")
    result = _run("--data-dir", str(tmp_path / "data"), "audit", "verify", cwd=tmp_path)
    assert result.returncode == 2 and NO_DESK.format(tmp_path / "data") in result.stderr


def test_every_command_finds_the_desk_by_flag_or_environment(tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    assert _run("--data-dir", str(desk), "migrate", cwd=tmp_path).returncode == 0
    (tmp_path / "elsewhere").mkdir()
    by_env = _run("audit", "verify", cwd=tmp_path / "elsewhere", env={"ABUSEDESK_DATA_DIR": str(desk)})
    assert by_env.returncode == 0, by_env.stderr
    by_flag = _run("--data-dir", str(desk), "jobs", "dead", cwd=tmp_path / "elsewhere")
    assert by_flag.returncode == 0, by_flag.stderr
    assert list((tmp_path / "elsewhere").iterdir()) == []
