"""Evidence bytes -> readable text for detectors and reviewers. Never raises on junk.

HTML goes through trafilatura with comments kept (``include_comments=True``) and recall favoured: on a
forum the "comments" *are* the posts, and a missed threat is worse than a line of navigation. When
trafilatura finds nothing (or fails), a plain tag stripper keeps every text node outside scripts and
styles. Plain text, JSON and XML pass through decoded. Binary types give "".

Charset order follows what browsers do: BOM, then the Content-Type ``charset``, then ``<meta>`` in the
first 4 KiB, then UTF-8 if the bytes are valid UTF-8, then charset_normalizer's guess, then cp1252.
"""

from __future__ import annotations

import codecs
import logging
import re
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2_000_000
SUBSTRING_CHECK_CHARS = 200_000
MIN_GUARD_WORDS = 3  # short enough for "someone visit her"; single names and menu words stay out
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_HTML_SNIFF = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<!--)", re.IGNORECASE)
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/ld+json", "application/rss+xml")
# WHATWG Encoding: these labels mean windows-1252 in practice.
_LATIN1_ALIASES = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "ascii", "us-ascii", "l1"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def extract_text(body: bytes, content_type: str, url: str) -> str:
    """The human-readable text of a fetched body; "" for binary media or on total failure."""
    try:
        return _extract(body or b"", (content_type or "").lower(), url or "")[:MAX_TEXT_CHARS]
    except Exception:  # last line of defence: junk input must never break the evidence pipeline
        logger.warning("text extraction failed; falling back to empty text", exc_info=True)
        return ""


def _extract(body: bytes, content_type: str, url: str) -> str:
    media = content_type.split(";", 1)[0].strip()
    if _is_html(media, body):
        return html_to_text(decode(body, content_type, sniff_meta=True), url)
    if media.startswith(_TEXT_TYPES) or media.endswith(("+json", "+xml")) or not media:
        return _tidy(decode(body, content_type))
    return ""


def _is_html(media: str, body: bytes) -> bool:
    if media in ("text/html", "application/xhtml+xml"):
        return True
    return media in ("", "text/plain", "application/octet-stream") and bool(_HTML_SNIFF.match(body[:512]))


def decode(body: bytes, content_type: str = "", *, sniff_meta: bool = False) -> str:
    """Bytes to str with the best-known charset, replacing what does not decode."""
    return body.decode(_charset(body, content_type, sniff_meta), errors="replace")


def _charset(body: bytes, content_type: str, sniff_meta: bool) -> str:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    declared = _declared_charset(content_type.encode("latin-1", "ignore"), rb"charset\s*=\s*\"?([^\s;\"]+)")
    if not declared and sniff_meta:
        match = _META_CHARSET.search(body[:4096])
        declared = _valid_codec(match.group(1).decode("ascii", "ignore")) if match else None
    if declared:
        return declared
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return _guess(body)


def _declared_charset(header: bytes, pattern: bytes) -> str | None:
    match = re.search(pattern, header, re.IGNORECASE)
    return _valid_codec(match.group(1).decode("ascii", "ignore")) if match else None


def _valid_codec(label: str) -> str | None:
    label = label.strip().lower()
    if label in _LATIN1_ALIASES:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _guess(body: bytes) -> str:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:65536]).best()
    except Exception:  # an optional helper; any failure means "no guess"
        best = None
    return best.encoding if best is not None else "cp1252"


def html_to_text(html: str, url: str = "") -> str:
    """Main text plus comments/posts via trafilatura; the tag stripper when that yields nothing.

    Recall guard: any visible text line of `MIN_GUARD_WORDS` words or more that trafilatura left out is
    appended after its output. A missed threat post costs more than a stray line of page furniture.
    """
    stripped = _tidy(strip_tags(html))
    text = _tidy(_trafilatura(html, url))
    if not text:
        return stripped
    missing = _missing_blocks(stripped, text)
    return text + ("\n\n" + "\n".join(missing) if missing else "")


def _missing_blocks(stripped: str, extracted: str) -> list[str]:
    """Lines of the stripped page that are not in trafilatura's text: an exact line match first, then
    a substring search (skipped on very large pages, where it would be quadratic)."""
    lines = {_squash(line) for line in extracted.split("\n")}
    whole = _squash(extracted) if len(extracted) <= SUBSTRING_CHECK_CHARS else ""
    missing = []
    for line in dict.fromkeys(stripped.split("\n")):
        key = _squash(line)
        if len(key.split()) < MIN_GUARD_WORDS or key in lines or (whole and key in whole):
            continue
        missing.append(line)
    return missing


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _trafilatura(html: str, url: str) -> str:
    try:
        import trafilatura

        result = trafilatura.extract(
            html,
            url=url or None,
            include_comments=True,
            include_tables=True,
            favor_recall=True,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception:  # trafilatura/lxml choke on some hostile markup; the stripper takes over
        logger.info("trafilatura failed; using the tag stripper", exc_info=True)
        return ""
    return result or ""


class _Stripper(HTMLParser):
    """Collects text nodes, skipping script/style/template, with line breaks at block boundaries."""

    SKIP = frozenset({"script", "style", "template", "noscript", "svg"})
    BLOCK = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "tr",
            "article",
            "section",
            "blockquote",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "pre",
            "td",
            "th",
            "header",
            "footer",
            "nav",
            "aside",
            "main",
            "dd",
            "dt",
            "hr",
            "title",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def strip_tags(html: str) -> str:
    """Every visible text node, in document order. Works on broken markup."""
    parser = _Stripper()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _tidy(text: str) -> str:
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
