"""Write a period's report to a directory: report.json, CSV files, index.html + report.css, DSA batches.

Statements are validated before they are written; a statement that fails goes to
dsa-statements/rejected.json with its problems instead of into a batch, because the database would refuse
the whole batch it sat in. Old batch files are removed first so a rebuild never leaves stale batches that
someone might submit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abusedesk.transparency import dsa, html
from abusedesk.transparency.period import Period
from abusedesk.transparency.report import build_report, summary_csv, table_csv
from abusedesk.transparency.statements import batches, statements_for
from abusedesk.transparency.suppression import DEFAULT_MIN_COUNT


@dataclass
class BuildResult:
    out: Path
    files: list[Path] = field(default_factory=list)
    statements: int = 0
    rejected: int = 0


def _write(result: BuildResult, relative: str, text: str) -> None:
    path = result.out / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result.files.append(path)


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def build(period: Period, out: Path, *, min_count: int = DEFAULT_MIN_COUNT) -> BuildResult:
    result = BuildResult(out=out)
    valid, rejected = _checked_statements(period)
    batch_list = list(batches(valid))
    report = build_report(period, min_count=min_count, statements=len(valid), batches=len(batch_list))
    _write(result, "report.json", _dump(report))
    for table in report["tables"]:
        _write(result, f"{table['name']}.csv", table_csv(table))
    _write(result, "summary.csv", summary_csv(report))
    _write(result, "index.html", html.render_index(report))
    _write(result, "report.css", html.stylesheet())
    _write_statements(result, batch_list, rejected)
    result.statements, result.rejected = len(valid), len(rejected)
    return result


def _checked_statements(period: Period) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    valid, rejected = [], []
    for statement in statements_for(period):
        problems = dsa.validate(statement)
        if problems:
            rejected.append({"puid": statement.get("puid"), "problems": [str(p) for p in problems],
                             "statement": statement})
        else:
            valid.append(statement)
    return valid, rejected


def _write_statements(result: BuildResult, batch_list: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> None:
    folder = result.out / "dsa-statements"
    if folder.is_dir():
        for old in folder.glob("*.json"):
            old.unlink()
    for number, batch in enumerate(batch_list, start=1):
        _write(result, f"dsa-statements/batch-{number:04d}.json", _dump(batch))
    if rejected:
        _write(result, "dsa-statements/rejected.json", _dump({"rejected": rejected}))
