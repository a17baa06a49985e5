"""Split a fetched forum page into posts, and tell which posts are new since the last fetch.

Pure functions over already-fetched bytes: nothing is executed or fetched, and only the standard library's
``html.parser`` is used (a small tolerant tree builder below), so hostile markup costs at most a parse.

How a post is found (`split_posts`):

- a **post element** is an ``<article>``, or any element with a class token that *ends* in ``post``,
  ``message`` or ``comment`` (``post``, ``message``, ``topic-post``, ``message--post``, ``js-post``); tokens
  such as ``post-stream``, ``postbody`` or ``comments`` are containers or parts, not posts;
- an element that matches but holds two or more post elements is a container (a thread-wide ``<article>``),
  so its inner posts are taken instead; one nested match (a quoted post) stays part of its post;
- **author**: the post's ``data-author`` attribute, else the first ``.username``, ``[itemprop=author]``
  (its ``[itemprop=name]`` if present), ``.author`` or ``.poster`` inside it;
- **time**: the first ``<time datetime>`` (or XenForo ``data-time`` epoch) inside it, as ISO 8601 (UTC
  with ``Z`` when the page gives a zone);
- **text**: the visible text of the post body (``.bbWrapper``, ``.message-body``, ``.cooked``, ``.content``,
  ``.postbody``, ``[itemprop=text]`` ...) or, when none is marked, of the whole post minus its author, time,
  header and footer chrome; scripts, styles and ``hidden`` elements are dropped; spaces collapse, blocks
  become lines;
- **fallback**: no post element at all → the page's visible body text is one post with an empty author.

`Post.fingerprint` is the SHA-256 of the NFKC-casefolded, whitespace-collapsed author and text (plus an
ordinal when the same author posts the same text twice on a page), so a re-fetch yields the same
fingerprints even if the page chrome (menus, counters, timestamps shown as "2 hours ago", ads) changes.
A post edited by its author gets a new fingerprint and is, deliberately, "new" again.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser


@dataclass(frozen=True)
class Post:
    index: int  # 0-based position among the posts of this page
    author: str
    posted_at: str | None  # ISO 8601 when the page states it
    text: str
    fingerprint: str


def split_posts(html: str | bytes, url: str) -> list[Post]:
    """The posts of one page, in page order. `url` is the page's address (kept for site-specific rules and
    error messages; the markup alone decides today)."""
    root = _parse(_decode(html) if isinstance(html, bytes) else html)
    elements = _find_posts(_body(root))
    raw = [_extract(el) for el in elements]
    raw = [(a, t, when) for a, t, when in raw if t or a]
    if not raw:
        text = _visible_text(_body(root))
        raw = [("", text, None)] if text else []
    return _with_fingerprints(raw)


def new_posts(seen: set[str], posts: list[Post]) -> list[Post]:
    """The posts whose fingerprint is not in `seen`, in page order (`seen` is not modified)."""
    return [p for p in posts if p.fingerprint not in seen]


def fingerprint(author: str, text: str, ordinal: int = 0) -> str:
    """SHA-256 over the normalised author and text; `ordinal` separates identical repeats on one page."""
    material = f"{_norm(author)}\x00{_norm(text)}" + (f"\x00{ordinal}" if ordinal else "")
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).casefold().split())


def _with_fingerprints(raw: list[tuple[str, str, str | None]]) -> list[Post]:
    counts: dict[tuple[str, str], int] = {}
    out = []
    for i, (author, text, when) in enumerate(raw):
        key = (_norm(author), _norm(text))
        ordinal = counts.get(key, 0)
        counts[key] = ordinal + 1
        out.append(Post(i, author, when, text, fingerprint(author, text, ordinal)))
    return out


# --- decoding -------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    m = _META_CHARSET.search(data[:4096])
    charset = m.group(1).decode("ascii") if m else "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name in hostile markup
        return data.decode("utf-8", errors="replace")


# --- a small tolerant DOM -------------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_INVISIBLE = {"script", "style", "noscript", "template", "svg", "iframe", "object", "head", "title"}
_BLOCK = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
          "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p",
          "pre", "section", "table", "td", "th", "tr", "ul"}
# Starting one of these closes an open element of the same kind (`<li>a<li>b`, `<p>a<p>b`).
_AUTOCLOSE = {"li": {"li"}, "p": {"p"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr"}, "td": {"td", "th"},
              "th": {"td", "th"}}
_SCOPE = {"ul", "ol", "dl", "table", "article", "section", "div"}


@dataclass(eq=False)
class _El:
    tag: str
    attrs: dict[str, str]
    parent: _El | None = None
    children: list[_El | str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").lower().split()

    def elements(self) -> Iterator[_El]:
        """Descendants in document order (not self)."""
        for c in self.children:
            if isinstance(c, _El):
                yield c
                yield from c.elements()


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _El("#root", {})
        self.cur = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._autoclose(tag)
        el = _El(tag, {k.lower(): v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(el)
        if tag not in _VOID:
            self.cur = el

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.cur.children.append(_El(tag, {k.lower(): v or "" for k, v in attrs}, self.cur))

    def handle_endtag(self, tag: str) -> None:
        node: _El | None = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:  # a stray end tag is ignored
            self.cur = node.parent

    def handle_data(self, data: str) -> None:
        self.cur.children.append(data)

    def _autoclose(self, tag: str) -> None:
        closes = _AUTOCLOSE.get(tag)
        node: _El | None = self.cur
        while closes and node is not None and node.parent is not None and node.tag not in _SCOPE:
            if node.tag in closes:
                self.cur = node.parent
                return
            node = node.parent


def _parse(html: str) -> _El:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _body(root: _El) -> _El:
    return next((el for el in root.elements() if el.tag == "body"), root)


# --- finding posts --------------------------------------------------------------------------------------

_POST_TOKEN = re.compile(r"(?:^|[-_])(?:post|message|comment)$")


def _is_post(el: _El) -> bool:
    return el.tag == "article" or any(_POST_TOKEN.search(c) for c in el.classes)


def _find_posts(el: _El) -> list[_El]:
    found: list[_El] = []
    for child in el.children:
        if not isinstance(child, _El) or _hidden(child):
            continue
        inner = _find_posts(child)
        if _is_post(child) and len(inner) < 2:
            found.append(child)
        else:
            found.extend(inner)
    return found


# --- reading one post -----------------------------------------------------------------------------------

_AUTHOR_CLASSES = ("username", "author", "poster", "user-name", "creator")
_BODY_CLASSES = ("bbwrapper", "message-body", "cooked", "content", "postbody", "post-body", "post-content",
                 "message-content", "comment-body", "comment-content", "entry-content", "body", "text")
_CHROME_TAGS = {"header", "footer", "nav", "time", "button", "form"}


def _extract(post: _El) -> tuple[str, str, str | None]:
    author_el = _author_element(post)
    author = post.attrs.get("data-author", "").strip() or (_author_text(author_el) if author_el else "")
    body = _body_element(post)
    if body is not None:
        text = _visible_text(body)
    else:
        skip = {author_el} if author_el else set()
        text = _visible_text(post, skip=skip, skip_tags=_CHROME_TAGS)
    return author, text, _posted_at(post)


def _author_element(post: _El) -> _El | None:
    for el in post.elements():
        if el.attrs.get("itemprop") == "author":
            return next((n for n in el.elements() if n.attrs.get("itemprop") == "name"), el)
    for cls in _AUTHOR_CLASSES:
        for el in post.elements():
            if cls in el.classes:
                return el
    return None


def _author_text(el: _El) -> str:
    """Microdata may give the name as ``<meta itemprop="name" content="...">`` rather than as text."""
    if el.tag == "meta":
        return " ".join(el.attrs.get("content", "").split())
    return _visible_text(el, " ")


def _body_element(post: _El) -> _El | None:
    for el in post.elements():
        if el.attrs.get("itemprop") in ("text", "articlebody", "articleBody"):
            return el
    for cls in _BODY_CLASSES:
        for el in post.elements():
            if cls in el.classes:
                return el
    return None


def _posted_at(post: _El) -> str | None:
    for el in post.elements():
        if el.tag == "time" and (when := _iso(el.attrs.get("datetime", ""), el.attrs.get("data-time", ""))):
            return when
    return None


def _iso(value: str, epoch: str) -> str | None:
    try:
        when = datetime.fromisoformat(value.strip()) if value.strip() else datetime.fromtimestamp(int(epoch), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if when.tzinfo is None:
        return when.isoformat()
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- visible text ---------------------------------------------------------------------------------------

def _hidden(el: _El) -> bool:
    style = el.attrs.get("style", "").replace(" ", "").lower()
    return (el.tag in _INVISIBLE or "hidden" in el.attrs or el.attrs.get("aria-hidden") == "true"
            or "display:none" in style)


def _visible_text(el: _El, sep: str = "\n", *, skip: Iterable[_El] = (), skip_tags: Iterable[str] = ()) -> str:
    parts: list[str] = []
    _collect(el, parts, set(skip), set(skip_tags))
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return sep.join(line for line in lines if line)


def _collect(el: _El, parts: list[str], skip: set[_El], skip_tags: set[str]) -> None:
    for child in el.children:
        if isinstance(child, str):
            parts.append(child.replace("\n", " "))
            continue
        if child in skip or child.tag in skip_tags or _hidden(child):
            continue
        block = child.tag in _BLOCK
        if block:
            parts.append("\n")
        _collect(child, parts, skip, skip_tags)
        if block:
            parts.append("\n")
