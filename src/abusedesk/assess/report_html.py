"""The profile as one self-contained HTML file: inline CSS and SVG charts, no script, no remote resource (a
Content-Security-Policy meta tag forbids loading anything), readable offline. Every string from the archive (post
text, authors, URLs, thread names) is attacker-written and goes through `html.escape`; numbers are formatted."""

from __future__ import annotations

from html import escape
from typing import Any

COLOURS = {"threat": "#b3261e", "doxxing": "#7b1fa2", "harassment": "#e37400", "hate": "#1a73e8"}
CSS = ("body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#202124}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #dadce0;padding:.3em .6em;text-align:left}"
       ".num{text-align:right;font-variant-numeric:tabular-nums}.post{white-space:pre-wrap;overflow-wrap:anywhere}"
       "code{overflow-wrap:anywhere}.badge{border-radius:.5em;padding:0 .4em;color:#fff;font-size:.85em}")


def render(profile: dict[str, Any], *, title: str = "Site assessment") -> str:
    parts = [_head(title), _summary(profile), _months_chart(profile["months"]), _targets(profile["targets"]),
             _threads(profile["top_threads"]), _provenance(profile), "</body></html>\n"]
    return "\n".join(parts)


def _head(title: str) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body><h1>{escape(title)}</h1>")


def _summary(p: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{_badge(label)}</th><td class=num>{v['count']:,}</td><td class=num>{v['per_1000']:.2f}</td>"
        f"<td class=num>{v['ci'][0]:.2f} to {v['ci'][1]:.2f}</td></tr>" for label, v in p["labels"].items())
    skipped = ", ".join(f"{escape(k)} {v:,}" for k, v in p["skipped"].items()) or "none"
    return (f"<p>{p['posts']:,} posts in {p['threads']:,} threads; {p['flagged_posts']:,} posts carry at least one "
            f"label. Duplicate posts counted once: {p['duplicate_posts']:,}. Records skipped: {skipped}.</p>"
            "<table><tr><th>label</th><th>posts</th><th>per 1,000</th><th>95 % interval (Wilson)</th></tr>"
            f"{rows}</table>")


def _badge(label: str) -> str:
    return f"<span class=badge style=\"background:{COLOURS.get(label, '#5f6368')}\">{escape(label)}</span>"


def _months_chart(months: list[dict[str, Any]]) -> str:
    if not months:
        return "<h2>Rates by month</h2><p>No post states a time.</p>"
    width, height, pad = 760, 260, 40
    top = max([m["labels"][lb]["per_1000"] for m in months for lb in COLOURS] + [1.0])
    step = (width - 2 * pad) / max(1, len(months) - 1)

    def point(i: int, v: float) -> str:
        return f"{pad + i * step:.1f},{height - pad - (height - 2 * pad) * v / top:.1f}"

    lines = "".join(
        f"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\""
        + " ".join(point(i, m["labels"][lb]["per_1000"]) for i, m in enumerate(months)) + f"\"><title>{lb}</title>"
        "</polyline>" for lb, colour in COLOURS.items())
    ticks = "".join(f"<text x=\"{pad + i * step:.1f}\" y=\"{height - pad + 16}\" font-size=\"10\" "
                    f"text-anchor=\"middle\">{escape(m['month'])}</text>"
                    for i, m in enumerate(months) if len(months) <= 13 or i % max(1, len(months) // 12) == 0)
    axis = (f"<line x1=\"{pad}\" y1=\"{height - pad}\" x2=\"{width - pad}\" y2=\"{height - pad}\" stroke=\"#999\"/>"
            f"<text x=\"4\" y=\"{pad - 8}\" font-size=\"11\">per 1,000 posts (max {top:.1f})</text>")
    legend = " ".join(_badge(lb) for lb in COLOURS)
    return (f"<h2>Rates by month</h2><svg role=\"img\" aria-label=\"rates per 1,000 posts by month\" "
            f"viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">{axis}{lines}{ticks}</svg>"
            f"<p>{legend} A month with few posts has a wide interval (the JSON gives each month's).</p>")


def _targets(targets: list[dict[str, Any]]) -> str:
    if not targets:
        return "<h2>Targets</h2><p>No person is named in the posts.</p>"
    top = max(t["flagged_posts"] or t["posts"] for t in targets) or 1
    bars = "".join(
        f"<text x=\"0\" y=\"{18 * i + 13}\" font-size=\"12\">{escape(t.get('name') or t['id'])}</text>"
        f"<rect x=\"170\" y=\"{18 * i + 3}\" height=\"12\" width=\"{400 * t['flagged_posts'] / top:.1f}\" "
        f"fill=\"#b3261e\"/><text x=\"{175 + 400 * t['flagged_posts'] / top:.1f}\" y=\"{18 * i + 13}\" "
        f"font-size=\"11\">{t['flagged_posts']} flagged / {t['posts']} posts, {t['threads']} threads</text>"
        for i, t in enumerate(targets))
    return (f"<h2>Targets</h2><p>People named in posts, grouped across threads; shown by pseudonym unless the "
            f"report was built with names revealed.</p><svg role=\"img\" aria-label=\"top targets\" "
            f"viewBox=\"0 0 760 {18 * len(targets) + 6}\" width=\"760\">{bars}</svg>")


def _threads(threads: list[dict[str, Any]]) -> str:
    out = ["<h2>Worst threads</h2>"] if threads else ["<h2>Worst threads</h2><p>No flagged post.</p>"]
    for n, t in enumerate(threads, 1):
        labels = " ".join(f"{_badge(k)} {v}" for k, v in t["labels"].items())
        out.append(f"<h3>{n}. <code>{escape(t['thread'])}</code></h3><p>{t['flagged']} of {t['posts']} posts "
                   f"flagged · weight {t['weight']} · {labels}</p><ol>")
        for post in t["flagged_posts"]:
            badges = " ".join(_badge(lb) for lb in post["labels"])
            out.append(f"<li><p>{badges} {escape(post['author'] or '(no author)')} · {escape(post['at'] or '')}"
                       f" · <code>{escape(post['url'])}</code></p>"
                       f"<div class=post dir=auto>{escape(post['text'])}</div></li>")
        out.append("</ol>")
    return "\n".join(out)


def _provenance(p: dict[str, Any]) -> str:
    inputs = "".join(f"<tr><td><code>{escape(i['file'])}</code></td><td class=num>{i['bytes']:,}</td>"
                     f"<td><code>{escape(i['sha256'])}</code></td></tr>" for i in p["inputs"])
    detectors = "".join(f"<tr><td>{escape(k)}</td><td><code>{escape(v)}</code></td></tr>"
                        for k, v in p["detectors"].items())
    engine = p.get("engine", {})
    return (f"<h2>Inputs and detectors</h2><table><tr><th>input</th><th>bytes</th><th>SHA-256</th></tr>{inputs}"
            f"</table><table><tr><th>detector or model</th><th>version or SHA-256</th></tr>{detectors}</table>"
            f"<p>Engine: {escape(str(engine.get('name', '')))}, "
            f"{escape(str(engine.get('workers', '')))} worker(s).</p>")
