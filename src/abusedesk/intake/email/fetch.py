"""Fetching from a mailbox this desk does not serve (its MX is elsewhere): IMAP over TLS, or a Maildir.

A message leaves the mailbox only after `store_raw` committed it: moved to `move_to` (IMAP MOVE, or COPY then
\\Deleted and EXPUNGE; a Maildir++ sub-folder), or else marked \\Seen (IMAP; only unseen messages are fetched) or
deleted (Maildir). A crash between the commit and the move leaves the message in the mailbox: the next run stores
it again and the reader files it once (a duplicate by Message-ID and body). A message larger than
`MAIL_MAX_BYTES` is left where it is and named in `skipped`.

IMAP: `imaps://[user@]host[:993]/FOLDER` (TLS from the first byte) or `imap://[user@]host[:143]/FOLDER` (STARTTLS,
refused when the server does not offer it); certificates are checked. The password comes from the environment
(`ABUSEDESK_MAIL_IMAP_PASSWORD`), the user from the URL or `ABUSEDESK_MAIL_IMAP_USER`.
"""

from __future__ import annotations

import contextlib
import imaplib
import mailbox
import os
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings

from abusedesk.intake.email.store import store_raw

_UID_LIST = re.compile(rb"\d+")


class FetchError(Exception):
    """A mailbox could not be read; the message names the mailbox and the problem."""


@dataclass
class Fetched:
    stored: list[str] = field(default_factory=list)  # InboundMessage ids
    skipped: list[str] = field(default_factory=list)  # why a message was left in the mailbox


def max_bytes() -> int:
    return int(settings.MAIL_MAX_BYTES)


def fetch_maildir(path: str, *, move_to: str | None = None, limit: int = 100) -> Fetched:
    root = Path(path)
    if not all((root / sub).is_dir() for sub in ("cur", "new", "tmp")):
        raise FetchError(f"{path}: not a Maildir (it needs the folders cur, new and tmp)")
    box = mailbox.Maildir(str(root), factory=None, create=False)
    target = _maildir_folder(box, move_to) if move_to else None
    result = Fetched()
    for key in sorted(box.keys())[:limit]:
        raw = box.get_bytes(key)
        if len(raw) > max_bytes():
            result.skipped.append(f"{key}: {len(raw)} bytes, over the limit of {max_bytes()}")
            continue
        message = store_raw(raw, source="maildir", peer=f"maildir:{root.name}")
        result.stored.append(str(message.pk))
        if target is not None:
            target.add(raw)
        box.discard(key)
    return result


def _maildir_folder(box: mailbox.Maildir, name: str) -> mailbox.Maildir:
    if not re.fullmatch(r"[\w.-]{1,100}", name) or name.startswith("."):
        raise FetchError(f"--move-to {name!r}: a folder name of letters, digits, '.', '_' or '-'")
    return box.get_folder(name) if name in box.list_folders() else box.add_folder(name)


@dataclass(frozen=True)
class ImapAddress:
    tls: bool  # implicit TLS (imaps) rather than STARTTLS
    host: str
    port: int
    user: str
    folder: str


def imap_address(url: str) -> ImapAddress:
    parts = urlsplit(url)
    if parts.scheme not in ("imaps", "imap") or not parts.hostname:
        raise FetchError(f"--imap {url!r}: must look like imaps://user@host/INBOX (or imap:// with STARTTLS)")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise FetchError(f"--imap {url!r}: the port is not a number") from None
    user = unquote(parts.username or "") or os.environ.get("ABUSEDESK_MAIL_IMAP_USER", "")
    return ImapAddress(parts.scheme == "imaps", parts.hostname, port, user, unquote(parts.path.strip("/")) or "INBOX")


Connect = Callable[[ImapAddress], Any]


def connect_imap(address: ImapAddress) -> Any:
    """An IMAP connection over TLS, certificate checked; FetchError naming the server when it cannot be had."""
    context = ssl.create_default_context()
    where = f"{address.host}:{address.port}"
    try:
        if address.tls:
            return imaplib.IMAP4_SSL(address.host, address.port, ssl_context=context, timeout=30)
        connection = imaplib.IMAP4(address.host, address.port, timeout=30)
        if "STARTTLS" not in connection.capabilities:
            connection.logout()
            raise FetchError(f"{where}: the server does not offer STARTTLS; refusing to log in without TLS")
        connection.starttls(ssl_context=context)
        return connection
    except (OSError, imaplib.IMAP4.error) as exc:
        raise FetchError(f"{where}: cannot connect ({exc.__class__.__name__}: {exc})") from None


def fetch_imap(url: str, *, move_to: str | None = None, limit: int = 100, password: str | None = None,
               connect: Connect = connect_imap) -> Fetched:
    address = imap_address(url)
    secret = password if password is not None else os.environ.get("ABUSEDESK_MAIL_IMAP_PASSWORD", "")
    if not address.user or not secret:
        raise FetchError("IMAP needs a user (in the URL or ABUSEDESK_MAIL_IMAP_USER) and a password "
                         "(ABUSEDESK_MAIL_IMAP_PASSWORD)")
    imap = connect(address)
    try:
        _login_and_select(imap, address, secret)
        return _fetch_uids(imap, address, move_to, limit)
    except imaplib.IMAP4.error as exc:
        raise FetchError(f"{address.host}:{address.port}: {exc}") from None
    except OSError as exc:
        raise FetchError(f"{address.host}:{address.port}: the connection failed ({exc.__class__.__name__})") \
            from None
    finally:
        # The work is already committed or already refused: a failed goodbye changes nothing.
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()


def _login_and_select(imap: Any, address: ImapAddress, secret: str) -> None:
    try:
        imap.login(address.user, secret)
    except imaplib.IMAP4.error:
        raise FetchError(f"{address.host}:{address.port}: login refused for user {address.user!r}") from None
    status, data = imap.select(_quoted(address.folder))
    if status != "OK":
        raise FetchError(f"folder {address.folder!r}: {_text(data)}")


def _fetch_uids(imap: Any, address: ImapAddress, move_to: str | None, limit: int) -> Fetched:
    status, data = imap.uid("SEARCH", "ALL" if move_to else "UNSEEN")
    if status != "OK":
        raise FetchError(f"folder {address.folder!r}: search refused: {_text(data)}")
    uids = [u.decode() for u in _UID_LIST.findall(b" ".join(d for d in data if isinstance(d, bytes)))][:limit]
    result = Fetched()
    moved = False
    for uid in uids:
        raw = _fetch_one(imap, uid)
        if raw is None or len(raw) > max_bytes():
            result.skipped.append(f"uid {uid}: " + ("could not be fetched" if raw is None else
                                                    f"{len(raw)} bytes, over the limit of {max_bytes()}"))
            continue
        message = store_raw(raw, source="imap", peer=f"imap:{address.host}")
        result.stored.append(str(message.pk))
        moved = _leave(imap, uid, move_to) or moved
    if moved:
        imap.expunge()
    return result


def _fetch_one(imap: Any, uid: str) -> bytes | None:
    status, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) > 1 and isinstance(item[1], bytes):
            return bytes(item[1])
    return None


def _leave(imap: Any, uid: str, move_to: str | None) -> bool:
    """Take a stored message out of the fetched set; True when an EXPUNGE is needed afterwards."""
    if not move_to:
        imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        return False
    if "MOVE" in getattr(imap, "capabilities", ()):
        imap.uid("MOVE", uid, _quoted(move_to))
        return False
    status, data = imap.uid("COPY", uid, _quoted(move_to))
    if status != "OK":
        raise FetchError(f"folder {move_to!r}: copy refused: {_text(data)}")
    imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
    return True


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: Any) -> str:
    items = data if isinstance(data, list) else [data]
    return " ".join(i.decode("utf-8", "replace") if isinstance(i, bytes) else str(i) for i in items)[:300]
