"""`abusedesk transparency build` from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from abusedesk.cli.main import main

pytestmark = pytest.mark.django_db


def test_build_writes_the_report_where_asked(scenario: Any, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "h2"
    assert main(["transparency", "build", "--period", "2026H2", "--out", str(out), "--min-count", "3"]) == 0
    assert "3 DSA statements" in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert report["min_count"] == 3 and report["period"]["label"] == "2026H2"
    assert (out / "index.html").is_file() and (out / "dsa-statements" / "batch-0001.json").is_file()


def test_default_folder_is_under_the_data_directory_and_printed(scenario: Any, tmp_path: Path, monkeypatch: Any,
                                                                 settings: Any, capsys: Any) -> None:
    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["transparency", "build", "--period", "2026-08"]) == 0
    out = tmp_path / "data" / "transparency" / "2026-08"
    assert (out / "report.json").is_file()
    assert f"files in {out}" in capsys.readouterr().out
    assert main(["transparency", "build", "--from", "2026-08-01", "--to", "2026-08-03"]) == 0
    report = json.loads((out.parent / "2026-08-01_2026-08-03" / "report.json").read_text())
    assert report["period"] == {"label": "2026-08-01_2026-08-03", "start": "2026-08-01", "end": "2026-08-03"}
    assert list((tmp_path / "elsewhere").iterdir()) == []  # nothing in the current directory


@pytest.mark.parametrize(("argv", "message"), [
    (["--period", "2026H3"], "--period '2026H3' is not a period"),
    (["--from", "2026-07-01"], "--from and --to must be given together"),
    (["--from", "2026-07-01", "--to", "soon"], "--to 'soon' is not a date"),
    (["--period", "2026H2", "--from", "2026-07-01", "--to", "2026-07-02"], "either --period or --from/--to"),
    ([], "--period (or --from and --to) is required"),
    (["--period", "2026H2", "--min-count", "0"], "--min-count 0 must be at least 1"),
])
def test_bad_arguments_are_named(argv: list[str], message: str, capsys: Any, tmp_path: Path) -> None:
    assert main(["transparency", "build", "--out", str(tmp_path / "x"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
