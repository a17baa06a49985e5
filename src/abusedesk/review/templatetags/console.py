"""Console display filters: attacker-controlled URLs shown so that nothing in them can hide or reorder text."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

# Characters that change how text around them is drawn (bidi controls) or that draw nothing (zero width,
# soft hyphen, BOM): in a URL each is shown as a visible marker naming it.
HIDDEN = {0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E,
          0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066,
          0x2067, 0x2068, 0x2069, 0x3164, 0xFEFF, 0xFFA0}


def _hidden(ch: str) -> bool:
    return ord(ch) in HIDDEN or unicodedata.category(ch) in {"Cc", "Cf"}


def _marked(value: object) -> SafeString:
    """Escaped text with every invisible or direction-changing character drawn as a marker naming it."""
    parts: list[str] = []
    for ch in str(value):
        if _hidden(ch):
            name = unicodedata.name(ch, "CONTROL CHARACTER")
            parts.append(format_html('<span class="hidden-char" title="{}">[U+{}]</span>', name, f"{ord(ch):04X}"))
        else:
            parts.append(escape(ch))
    return format_html_join("", "{}", ((p,) for p in parts))


@register.filter
def visible_url(value: object) -> SafeString:
    """Escape, mark every invisible or direction-changing character, and isolate the URL left to right; the
    `url` class lets a long URL wrap anywhere instead of widening the page."""
    return format_html('<bdi dir="ltr" class="url">{}</bdi>', _marked(value))


@register.filter
def payload(value: object) -> SafeString:
    """An audit payload as a list of `key: value` lines (nested values indented), every piece escaped and its
    hidden characters marked: never the repr of a Python dict."""
    if isinstance(value, dict):
        if not value:
            return SafeString('<span class="meta">—</span>')
        rows = format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((_marked(k), payload(v)) for k, v in value.items()))
        return format_html('<dl class="payload">{}</dl>', rows)
    if isinstance(value, list):
        if not value or all(not isinstance(v, dict | list) for v in value):
            return format_html("<bdi>{}</bdi>", _marked(", ".join(_scalar(v) for v in value)) if value else "—")
        return format_html('<ol class="payload">{}</ol>', format_html_join("", "<li>{}</li>",
                                                                        ((payload(v),) for v in value)))
    return format_html("<bdi>{}</bdi>", _marked(_scalar(value)))


def _scalar(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@register.filter
def when(value: datetime | None) -> SafeString:
    """A timestamp people read: UTC on the server, rewritten to the viewer's own zone by console.js; the exact
    instant stays in `datetime` and the tooltip."""
    if value is None:
        return SafeString("—")
    utc = value.astimezone(UTC)
    return format_html('<time class="when" datetime="{}" title="{}">{}</time>', utc.isoformat(timespec="seconds"),
                       utc.strftime("%Y-%m-%d %H:%M:%S UTC"), utc.strftime("%d %b %Y, %H:%M UTC"))
