"""The report as one static HTML page with inline SVG bar charts.

Our Content-Security-Policy forbids scripts, inline `<style>` and remote resources, so the page links a
sibling `report.css` and draws bars with SVG presentation attributes; every bar carries its value as text
(a chart must be readable without colour or sight). Text is escaped by Django's template engine
(autoescape) and by format_html for the SVG, since policy titles are written by staff and end up public.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template import Context, Engine
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

ASSETS = Path(__file__).resolve().parent / "assets"
LABEL_AREA = 300  # px for row labels on the left
BAR_AREA = 340  # px for the longest bar
VALUE_AREA = 70  # px for the value after the bar
ROW = 22  # px per bar
LABEL_CHARS = 46  # longer labels are shortened in the chart; the table and the tooltip keep them whole


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _engine() -> Engine:
    return Engine(dirs=[str(ASSETS)], autoescape=True)


def bar_chart(table: dict[str, Any]) -> SafeString:
    """Horizontal bars for the published counts; a suppressed row gets no bar, only its text ("<5")."""
    rows = table["rows"]
    largest = max([row["count"] or 0 for row in rows] + [1])
    width, height = LABEL_AREA + BAR_AREA + VALUE_AREA, ROW * len(rows) + 4
    bars = format_html_join("", "{}", ((_bar(index, row, largest),) for index, row in enumerate(rows)))
    return format_html(
        '<svg class="chart" role="img" width="{}" height="{}" viewBox="0 0 {} {}" '
        'aria-labelledby="chart-{}"><title id="chart-{}">{}</title>{}</svg>',
        width, height, width, height, table["name"], table["name"], table["title"], bars)


def _bar(index: int, row: dict[str, Any], largest: int) -> SafeString:
    y = index * ROW + 2
    width = round(BAR_AREA * (row["count"] or 0) / largest)
    return format_html(
        '<g><title>{}: {}</title>'
        '<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#1a1a1a">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#2f5d8a"></rect>'
        '<text x="{}" y="{}" font-size="12" fill="#1a1a1a">{}</text></g>',
        row["label"], row["display"], LABEL_AREA - 8, y + ROW - 10, _short(row["label"]),
        LABEL_AREA, y, width, ROW - 6, LABEL_AREA + width + 6, y + ROW - 10, row["display"])


def render_index(report: dict[str, Any]) -> str:
    tables = [{**table, "chart": bar_chart(table)} for table in report["tables"]]
    return _engine().get_template("index.html").render(Context({"report": report, "tables": tables}))


def stylesheet() -> str:
    return (ASSETS / "report.css").read_text()
