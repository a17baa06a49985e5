"""A watched thread's posts on a time axis, as server-drawn SVG (no script, no inline style: the CSP forbids
both). Only times, our own label names and numbers go into the drawing; no text from a post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

# Most serious first: a post is drawn in the colour of its most serious label. Each has 3:1 or more against
# the white page (WCAG 1.4.11, non-text contrast), as the severity badges in static/a11y.css do.
LABELS = (("threat", "#b00020"), ("doxxing", "#a84300"), ("harassment", "#806600"), ("hate", "#6a1b9a"))
NO_FINDING = "#757575"
LOCATION_SPANS = {"address", "coordinates", "plate"}
WIDTH, HEIGHT, PAD, AXIS_Y = 640, 96, 24, 62


@dataclass(frozen=True)
class Dot:
    post: Any
    at: datetime
    claimed: bool  # True: the forum's own time; False: when we first saw the post


def post_time(post: Any) -> tuple[datetime, bool]:
    """The forum's time for the post if it reads as an ISO time no later than we saw it (a forum's clock is its
    claim), otherwise when we first saw it."""
    seen = post.first_seen_at.astimezone(UTC)
    try:
        claimed = datetime.fromisoformat(str(post.posted_at).strip().replace("Z", "+00:00"))
    except ValueError:
        return seen, False
    claimed = claimed.replace(tzinfo=UTC) if claimed.tzinfo is None else claimed.astimezone(UTC)
    return (claimed, True) if claimed <= seen else (seen, False)


def by_time(posts: list[Any]) -> list[Dot]:
    dots = [Dot(post, *post_time(post)) for post in posts]
    return sorted(dots, key=lambda d: (d.at, d.post.index))


def colour(labels: list[str]) -> tuple[str, str]:
    for label, fill in LABELS:
        if label in labels:
            return label, fill
    return "no finding", NO_FINDING


def timeline_svg(dots: list[Dot]) -> SafeString:
    """Dots placed by time along an axis with five labelled ticks (UTC); posts at the same moment stack up."""
    if not dots:
        return SafeString("")
    start, end = dots[0].at, dots[-1].at
    if end - start < timedelta(minutes=1):
        start, end = start - timedelta(seconds=30), start + timedelta(seconds=30)
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        return PAD + (WIDTH - 2 * PAD) * (at - start).total_seconds() / span

    stacked: dict[int, int] = {}
    circles = []
    for dot in dots:
        column = round(x(dot.at) / 6)
        level = stacked.get(column, 0)
        stacked[column] = level + 1
        label, fill = colour(dot.post.labels)
        radius = 7 if LOCATION_SPANS & set(dot.post.span_types) else 5
        source = gettext("posted") if dot.claimed else gettext("first seen")
        circles.append((f"{x(dot.at):.1f}", AXIS_Y - 12 - min(level, 3) * 13, radius, fill, int(dot.post.index),
                        ", ".join(dot.post.labels) or label, source, dot.at.strftime("%Y-%m-%d %H:%M:%S UTC")))
    ticks = [start + timedelta(seconds=span * k / 4) for k in range(5)]
    fmt = "%H:%M" if span <= 86400 else "%d %b %H:%M"
    anchors = ("start", "middle", "middle", "middle", "end")
    return format_html(
        '<svg class="timeline-svg" role="img" aria-label="{}" width="{}" '
        'height="{}" viewBox="0 0 {} {}"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888"/>{}{}'
        '<text x="{}" y="{}" font-size="10" fill="#5f6368" text-anchor="end">{}</text></svg>',
        gettext("posts of the watched thread by time (UTC)"),
        WIDTH, HEIGHT, WIDTH, HEIGHT, PAD, AXIS_Y, WIDTH - PAD, AXIS_Y,
        format_html_join("", '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#888"/>'
                             '<text x="{0}" y="{3}" font-size="10" fill="#5f6368" text-anchor="{4}">{5}</text>',
                         ((f"{x(t):.1f}", AXIS_Y, AXIS_Y + 5, AXIS_Y + 17, a, t.strftime(fmt))
                          for t, a in zip(ticks, anchors, strict=True))),
        format_html_join("", '<circle cx="{}" cy="{}" r="{}" fill="{}"><title>post {}: {} · {} {}</title></circle>',
                         circles),
        WIDTH - PAD, HEIGHT - 4, gettext("times UTC, from %(day)s") % {"day": start.strftime("%d %b %Y")})


def legend() -> list[dict[str, str]]:
    return [{"label": label, "fill": fill} for label, fill in (*LABELS, (gettext("no finding"), NO_FINDING))]
