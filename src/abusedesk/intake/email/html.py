"""HTML parts as text: the words a person would read, and where the links point; nothing is rendered or fetched.

The standard library's HTMLParser reads the markup; text inside script, style, head and other non-text elements is
dropped, block elements end a line, and a link's http(s) target is kept beside its words (`words <URL>`), because a
forwarded phishing mail hides its URL in `href`. Images, style sheets and scripts are never followed: their
addresses are not even kept.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "math", "object", "iframe",
                     "embed", "applet", "frameset", "select"})
BLOCKS = frozenset({"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                    "section", "article", "blockquote", "pre", "hr", "ul", "ol", "dl", "dt", "dd", "header",
                    "footer", "address", "form"})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANKS = re.compile(r"\n\s*\n\s*\n+")


class _TextOnly(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.size = 0
        self.limit = limit
        self.skipping = 0
        self.href = ""

    def _add(self, text: str) -> None:
        if self.size < self.limit:
            self.pieces.append(text)
            self.size += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self._add("\n")
        if tag == "a":
            target = (dict(attrs).get("href") or "").strip()
            self.href = target if target.lower().startswith(("http://", "https://")) else ""

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self._add("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self._add("\n")
        if tag == "a" and self.href:
            self._add(f" <{self.href}>")
            self.href = ""

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self._add(data)


def to_text(html: str, *, limit: int = 200_000) -> str:
    """The readable text of `html` (at most about `limit` characters), links' targets beside their words."""
    parser = _TextOnly(limit)
    try:
        parser.feed(html[: limit * 4])
        parser.close()
    except (AssertionError, ValueError):  # HTMLParser gives up on some broken markup: keep what it read
        pass
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parser.pieces).split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()[:limit]
