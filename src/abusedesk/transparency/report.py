"""A period's transparency report as plain data, with small counts suppressed, and its JSON / CSV forms.

`build_report()` is the only place where exact figures become published figures: every count, share and
statistic passes through suppression.py here, so the JSON, the CSV files and the HTML page (all rendered
from this one dict) can never disagree or leak a number the rule withholds.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from abusedesk.transparency import figures
from abusedesk.transparency.figures import Durations, RawTable
from abusedesk.transparency.period import Period
from abusedesk.transparency.suppression import DEFAULT_MIN_COUNT, SUPPRESSED, Cell, share, suppress, total_cell

SCHEMA = "abusedesk-transparency/1"
RULE = ("Counts from 1 to {m1} are published as \"<{m}\". Where a table total would let a reader work one out, "
        "further cells are withheld (\"withheld\") until the hidden cells number at least two and add up to at "
        "least {m}. Shares are published only when their numerator and the rest of their denominator are 0 or "
        "at least {m}; medians and percentiles only when computed over at least {m} cases.")


def _cell(cell: Cell) -> dict[str, Any]:
    return {"count": cell.value, "display": cell.display}


def publish_table(table: RawTable, min_count: int) -> dict[str, Any]:
    cells = suppress([count for _, _, count in table.rows], min_count)
    rows = [{"key": key, "label": label, **_cell(cell)} for (key, label, _), cell in zip(table.rows, cells,
                                                                                         strict=True)]
    return {"name": table.name, "title": table.title, "row_heading": table.row_heading, "note": table.note,
            "rows": rows, "total": _cell(total_cell(table.total, min_count))}


def _share(label: str, numerator: int, denominator: int, min_count: int) -> dict[str, Any]:
    percent = share(numerator, denominator, min_count)
    return {"label": label, "percent": percent, "display": SUPPRESSED if percent is None else f"{percent}%"}


def publish_shares(detection: RawTable, decision: RawTable, min_count: int) -> list[dict[str, Any]]:
    detected = {key: n for key, _, n in detection.rows}
    automation = {key: n for key, _, n in decision.rows}
    automated = automation.get("fully", 0) + automation.get("partially", 0)
    return [_share("Decisions detected by automated means", detected.get("yes", 0), detection.total, min_count),
            _share("Decisions taken with automated means (fully or partially)", automated, decision.total,
                   min_count),
            _share("Decisions taken fully automatically", automation.get("fully", 0), decision.total, min_count)]


def publish_durations(durations: Durations, min_count: int) -> dict[str, Any]:
    enough = len(durations.hours) >= min_count

    def stat(value: float | None) -> dict[str, Any]:
        shown = value if enough else None
        return {"hours": shown, "display": SUPPRESSED if shown is None else f"{shown} h"}

    return {"label": "Time from notice to action (hours, per case)",
            "cases": _cell(total_cell(len(durations.hours), min_count)),
            "median": stat(durations.median), "p90": stat(durations.p90)}


def build_report(period: Period, *, min_count: int = DEFAULT_MIN_COUNT, statements: int = 0,
                 batches: int = 0, now: datetime | None = None) -> dict[str, Any]:
    raw = {table.name: table for table in (make(period) for make in figures.TABLES)}
    return {
        "schema": SCHEMA,
        "period": {"label": period.label, "start": period.start.date().isoformat(),
                   "end": period.last_day.isoformat()},
        "generated_at": (now or datetime.now(UTC)).replace(microsecond=0).isoformat(),
        "min_count": min_count,
        "suppression_rule": RULE.format(m=min_count, m1=min_count - 1),
        "tables": [publish_table(table, min_count) for table in raw.values()],
        "shares": publish_shares(raw["automated_detection"], raw["automated_decision"], min_count),
        "time_to_action": publish_durations(figures.time_to_action(period), min_count),
        "dsa_statements": {"statements": statements, "batches": batches},
    }


def table_csv(table: dict[str, Any]) -> str:
    """One table as CSV: key, label, count (as published: a number, "<5" or "withheld"), then the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "label", "count"])
    for row in table["rows"]:
        writer.writerow([_safe(row["key"]), _safe(row["label"]), row["display"]])
    writer.writerow(["total", "Total", table["total"]["display"]])
    return out.getvalue()


def summary_csv(report: dict[str, Any]) -> str:
    """Shares and time to action, one measure per line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["measure", "value"])
    for item in report["shares"]:
        writer.writerow([item["label"], item["display"]])
    timing = report["time_to_action"]
    writer.writerow(["Cases with a notice and an action", timing["cases"]["display"]])
    writer.writerow(["Median hours from notice to action", timing["median"]["display"]])
    writer.writerow(["90th percentile hours from notice to action", timing["p90"]["display"]])
    writer.writerow(["DSA statements of reasons", report["dsa_statements"]["statements"]])
    return out.getvalue()


def _safe(text: str) -> str:
    """Stop spreadsheet formula injection: a policy title could start with '=' or '+'."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
