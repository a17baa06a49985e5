"""Reading a stored message with the standard library's `email` package (`policy.default`); no MIME is parsed by hand.

The parts are walked without recursion under two caps, `MAIL_MAX_PARTS` parts and `MAIL_MAX_DEPTH` levels of
nesting; each cap reached is said in `problems` (and so in the message's result). A message the parser itself
cannot read (nesting deep enough to exhaust Python's recursion) is read for its headers only.

Text parts are decoded with their charset (an unknown or broken one falls back to UTF-8 with replacement
characters); HTML parts become text (html.py: never rendered, nothing fetched). Every other part is an attachment:
listed by name, type, size and the SHA-256 of its decoded bytes, and never opened -- a zip or gzip is hashed as
bytes, never decompressed. An attached message (message/rfc822) is walked like the outer one, its leaves marked
`inner`: ARF's original message and a phishing mail forwarded as an attachment are read as text, never rendered.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Any

from django.conf import settings

from abusedesk.intake.email import html

MAX_TEXT_CHARS = 200_000
_MSGID = re.compile(r"<[^<>\s]{1,250}>")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")


def clean(value: object, limit: int = 2000) -> str:
    """A header or text value as storable, printable text: no NUL or lone surrogates, at most `limit` chars."""
    text = str(value or "").replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")[:limit]


def one_line(value: object, limit: int = 500) -> str:
    """A header value on one line: control characters (an injected CR LF among them) become one space."""
    return " ".join(_CONTROLS.sub(" ", clean(value, limit * 2)).split())[:limit]


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int
    sha256: str
    inner: bool

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.content_type, "size": self.size, "sha256": self.sha256,
                "inner": self.inner}


@dataclass(frozen=True)
class Leaf:
    """A part without sub-parts (or an attached message, kept whole beside its walked leaves)."""

    part: Message
    content_type: str
    filename: str
    depth: int
    inner: bool
    attachment: bool


@dataclass
class Parsed:
    message: Message
    from_name: str = ""
    from_address: str = ""
    subject: str = ""
    message_id: str = ""
    replies_to: list[str] = field(default_factory=list)  # In-Reply-To first, then References (newest first)
    text: str = ""  # the outer message's own text
    leaves: list[Leaf] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        return header(self.message, name)

    def inner_text(self) -> str:
        """The text of attached messages (ARF's original, a forwarded mail), for URLs."""
        return "\n\n".join(text_of(leaf.part) for leaf in self.leaves if leaf.inner and _is_text(leaf))[
            :MAX_TEXT_CHARS]


def header(message: Message, name: str) -> str:
    """One header's value as text, or "" when absent or unreadable (a hostile header never raises here)."""
    try:
        value = message.get(name)
    except Exception:  # the header parser can fail on hostile input; the header then counts as absent
        return ""
    return clean(value) if value is not None else ""


def headers(message: Message, name: str) -> list[str]:
    try:
        return [clean(v) for v in message.get_all(name, [])]
    except Exception:  # as in header()
        return []


def read(raw: bytes) -> Parsed:
    try:
        message: Message = BytesParser(policy=default_policy).parsebytes(raw)
    except RecursionError:
        parsed = Parsed(BytesHeaderParser(policy=default_policy).parsebytes(raw, headersonly=True))
        parsed.problems.append("nested too deeply for the parser: only the headers were read")
        _read_headers(parsed)
        return parsed
    parsed = Parsed(message)
    _read_headers(parsed)
    _walk(parsed)
    parsed.text = _own_text(parsed)
    defects = len(getattr(message, "defects", []))
    if defects:
        parsed.problems.append(f"{defects} MIME defect(s) in the top part (e.g. a missing boundary)")
    return parsed


def _read_headers(parsed: Parsed) -> None:
    message = parsed.message
    parsed.subject = one_line(header(message, "Subject"), 500)
    parsed.message_id = one_line(header(message, "Message-ID"), 500)
    found = [m for value in headers(message, "In-Reply-To") for m in _MSGID.findall(value)]
    found += reversed([m for value in headers(message, "References") for m in _MSGID.findall(value)])
    parsed.replies_to = list(dict.fromkeys(found))[:50]
    parsed.from_name, parsed.from_address = sender(message)


def sender(message: Message) -> tuple[str, str]:
    """The first From address (display name on one line, addr-spec) or ("", "") when it cannot be read.

    The header registry refuses a display name that decodes to a line break (an encoded-word hiding "\r\nBcc:");
    such a From is read again with `email.utils.getaddresses` on the raw value, and the name put on one line."""
    try:
        value = message.get("From")
        addresses = getattr(value, "addresses", ()) if value is not None else ()
        name, address = (addresses[0].display_name, addresses[0].addr_spec) if addresses else ("", "")
    except Exception:  # e.g. ValueError: "address parts cannot contain CR or LF"
        name, address = _sender_from_raw(message)
    address = clean(address, 320)
    if _CONTROLS.search(address) or " " in address or address.count("@") != 1:
        return one_line(name, 200), ""
    return one_line(name, 200), address


def _sender_from_raw(message: Message) -> tuple[str, str]:
    raw = next((str(v) for k, v in message.raw_items() if k.lower() == "from"), "")
    found = getaddresses([raw.replace("\r", " ").replace("\n", " ")])
    if not found:
        return "", ""
    name, address = found[0]
    try:
        return str(make_header(decode_header(name))), address
    except Exception:  # an undecodable encoded-word: the name as written
        return name, address


def _walk(parsed: Parsed) -> None:
    max_parts, max_depth = settings.MAIL_MAX_PARTS, settings.MAIL_MAX_DEPTH
    stack: list[tuple[Message, int, bool]] = [(parsed.message, 0, False)]
    seen = 0
    while stack:
        part, depth, inner = stack.pop()
        seen += 1
        if seen > max_parts:
            parsed.problems.append(f"more than {max_parts} parts: the rest were not read")
            return
        children = _children(part)
        if children is None:
            parsed.leaves.append(_leaf(parsed, part, depth, inner))
            continue
        if part.get_content_maintype() == "message":  # rfc822, feedback-report, delivery-status: kept whole too
            parsed.leaves.append(_leaf(parsed, part, depth, inner))
            inner = True
        if depth >= max_depth:
            parsed.problems.append(f"multiparts nested deeper than {max_depth} levels: the deeper parts were not "
                                   "read")
            continue
        stack.extend((child, depth + 1, inner) for child in reversed(children))


def _children(part: Message) -> list[Message] | None:
    if not part.is_multipart():
        return None
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else None


def _leaf(parsed: Parsed, part: Message, depth: int, inner: bool) -> Leaf:
    content_type = part.get_content_type()
    filename = one_line(_filename(part), 255)
    disposition = (part.get_content_disposition() or "").lower()
    attachment = (disposition == "attachment" or bool(filename) or
                  not (content_type in ("text/plain", "text/html") or content_type.startswith("multipart/")))
    leaf = Leaf(part, content_type, filename, depth, inner, attachment)
    if attachment:
        body = _bytes_of(part)
        parsed.attachments.append(Attachment(filename, content_type, len(body),
                                             hashlib.sha256(body).hexdigest(), inner))
    return leaf


def _filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # a broken RFC 2231 parameter: no name
        return ""


def _bytes_of(part: Message) -> bytes:
    """The decoded bytes of a part (transfer encoding undone; nothing decompressed or interpreted)."""
    try:
        if part.get_content_maintype() == "message" or part.is_multipart():
            return part.as_bytes(policy=default_policy)
        payload = part.get_payload(decode=True)
    except Exception:  # an undecodable part is listed with what could be read of it
        return b""
    return payload if isinstance(payload, bytes) else b""


def text_of(part: Message) -> str:
    """A text part's content as text: HTML as its readable words, a broken charset as UTF-8 with replacements."""
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        text = content if isinstance(content, str) else None
    except Exception:  # LookupError (unknown charset) and the parser's own errors
        text = None
    if text is None:
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_type() == "text/html":
        text = html.to_text(text, limit=MAX_TEXT_CHARS)
    return clean(text, MAX_TEXT_CHARS)


def _is_text(leaf: Leaf) -> bool:
    """A readable text part; a multipart that has no boundary is read as the text it holds."""
    readable = leaf.content_type in ("text/plain", "text/html") or leaf.content_type.startswith("multipart/")
    return readable and not leaf.attachment


def _own_text(parsed: Parsed) -> str:
    """The outer message's text: its plain parts, or its HTML parts as text when it has no plain one."""
    own = [leaf for leaf in parsed.leaves if not leaf.inner and _is_text(leaf)]
    plain = [leaf for leaf in own if leaf.content_type == "text/plain"]
    chosen = plain or own
    return "\n\n".join(text_of(leaf.part) for leaf in chosen)[:MAX_TEXT_CHARS]
