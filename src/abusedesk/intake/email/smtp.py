"""The SMTP listener: the desk answers its abuse@ mailbox itself (`abusedesk smtp`, `abusedesk up --smtp-port`).

A message is acknowledged with 250 only after `store_raw` has committed it, with the job that reads it, in one
transaction; when the database cannot take it the answer is `451 4.3.0`, so the sender keeps the message and
tries again. A client that goes away before the end of DATA leaves nothing behind: aiosmtpd calls the handler
only with a complete message. A client that goes away while its message is being stored may find it stored
without having seen the 250; it sends it again, and the reader recognises the second copy.

Limits: recipients are only the configured abuse addresses (550 for any other), SIZE is advertised and a message
over it is refused with 552 (at MAIL when the client declares its size, else at the end of DATA: aiosmtpd drops
what it has read once the limit is passed and reads on to the end without keeping it), a bounded number of
connections (421 beyond), an idle timeout that also bounds one DATA, and a small pool of threads for the
database writes (the ORM is synchronous; the protocol runs on one event loop).

Nothing here logs an address or a body. aiosmtpd's own INFO lines carry the envelope addresses, so its logger
("mail.log") is kept at WARNING while a listener runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import ssl
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session, syntax
from django.db import connection

from abusedesk.intake.email.store import store_raw
from abusedesk.intake.models import InboundSource

logger = logging.getLogger("abusedesk.intake.email.smtp")

STORE_THREADS = 4  # database writes at once; SQLite has one writer anyway, PostgreSQL gains little beyond this
MAX_RECIPIENTS = 100  # distinct accepted recipients per message (they can only be our own addresses)
MAX_PATH_CHARS = 256  # RFC 5321 4.5.3.1.3: the longest reverse- or forward-path
STOP_GRACE_SECONDS = 15.0  # on SIGTERM: how long messages being stored may take before the process ends
# Local part and domain without spaces, controls or the characters that delimit an address in a header.
_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\\\"]+@(?:[^\s@<>()\[\],;:\\\".]+(?:\.[^\s@<>()\[\],;:\\\".]+)*"
                      r"|\[[0-9A-Fa-f:.]+\])$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

REPLY_STORED = "250 2.0.0 Message accepted for the abuse desk"
REPLY_NOT_STORED = "451 4.3.0 Message not stored; try again later"
REPLY_NO_MAILBOX = "550 5.1.1 No such mailbox here; this server takes mail for its abuse address only"
REPLY_BAD_SENDER = "501 5.1.7 Bad sender address syntax"
REPLY_BAD_RECIPIENT = "501 5.1.3 Bad recipient address syntax"
REPLY_TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
REPLY_BUSY = b"421 4.3.2 Too many connections; try again later\r\n"
REPLY_SHUTTING_DOWN = b"421 4.3.2 Shutting down; try again later\r\n"


class ListenerConfigError(ValueError):
    """The listener's settings cannot be used; the message names the variable."""


class CannotListen(Exception):
    """The address could not be bound (in use, not ours, privileged port); `error` is the OSError."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class ListenerConfig:
    addresses: frozenset[str]  # case-folded
    hostname: str
    max_bytes: int
    max_connections: int
    timeout_s: float
    tls: ssl.SSLContext | None = field(default=None, compare=False)


def accepted_addresses(values: Iterable[str]) -> frozenset[str]:
    """The abuse addresses, checked and case-folded; the error names ABUSEDESK_MAIL_ADDRESSES and the value."""
    found = set()
    for value in values:
        address = value.strip()
        if not _ADDRESS.match(address) or len(address) > MAX_PATH_CHARS:
            raise ListenerConfigError(f"ABUSEDESK_MAIL_ADDRESSES: {address!r} is not an e-mail address "
                                      "(local@domain, comma separated)")
        found.add(address.casefold())
    if not found:
        raise ListenerConfigError("ABUSEDESK_MAIL_ADDRESSES: no address given; the listener would refuse all mail")
    return frozenset(found)


def tls_context(cert: str, key: str) -> ssl.SSLContext | None:
    """A server context for STARTTLS, or None when neither file is configured."""
    if not cert and not key:
        return None
    if not (cert and key):
        missing = "ABUSEDESK_MAIL_TLS_KEY" if cert else "ABUSEDESK_MAIL_TLS_CERT"
        raise ListenerConfigError(f"{missing}: STARTTLS needs both a certificate and its key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ListenerConfigError(f"ABUSEDESK_MAIL_TLS_CERT / ABUSEDESK_MAIL_TLS_KEY: cannot load them: "
                                  f"{exc.__class__.__name__}: {exc}") from None
    return context


def listener_config() -> ListenerConfig:
    """The listener's configuration from the settings (docs/configuration.md, "E-mail intake")."""
    from django.conf import settings

    addresses = accepted_addresses(settings.MAIL_ADDRESSES)
    if settings.MAIL_MAX_BYTES < 1024:
        raise ListenerConfigError(f"ABUSEDESK_MAIL_MAX_BYTES: {settings.MAIL_MAX_BYTES} is too small (1024 at least)")
    if settings.MAIL_MAX_CONNECTIONS < 1:
        raise ListenerConfigError("ABUSEDESK_MAIL_MAX_CONNECTIONS: must be 1 or more")
    return ListenerConfig(addresses=addresses, hostname=sorted(addresses)[0].rpartition("@")[2].strip("[]"),
                          max_bytes=settings.MAIL_MAX_BYTES, max_connections=settings.MAIL_MAX_CONNECTIONS,
                          timeout_s=settings.MAIL_TIMEOUT_SECONDS,
                          tls=tls_context(settings.MAIL_TLS_CERT, settings.MAIL_TLS_KEY))


def _clean_path(address: str) -> bool:
    return len(address) <= MAX_PATH_CHARS and not _CONTROL.search(address)


def _peer(session: Session) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer or "")


def _store(raw: bytes, *, mail_from: str, rcpt_tos: list[str], peer: str) -> None:
    """Runs in a store thread, which keeps its database connection from one message to the next: opening and
    closing one per message costs several times the write itself on SQLite (closing checkpoints the WAL). A failure
    closes it, so the next message connects afresh (a database that restarted costs one 451)."""
    try:
        store_raw(raw, source=InboundSource.SMTP, mail_from=mail_from, rcpt_tos=rcpt_tos, peer=peer)
    except Exception:
        with contextlib.suppress(Exception):
            connection.close()
        raise


def _close_connection(barrier: threading.Barrier) -> None:
    """One per store thread (the barrier keeps each on its own thread): close its connection at shutdown."""
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=5)
    connection.close()


class IntakeHandler:
    """aiosmtpd hooks: who may send to whom, and DATA stored before 250."""

    def __init__(self, config: ListenerConfig, executor: ThreadPoolExecutor) -> None:
        self.config = config
        self.executor = executor
        self.storing = 0  # messages handed to a store thread and not yet answered

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        if not _clean_path(address):
            return REPLY_BAD_SENDER
        envelope.mail_from = address  # "<>" is the null reverse-path of bounces and some feedback reports
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if not _clean_path(address):
            return REPLY_BAD_RECIPIENT
        if address.casefold() not in self.config.addresses:
            return REPLY_NO_MAILBOX
        if address.casefold() not in {a.casefold() for a in envelope.rcpt_tos}:
            if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
                return REPLY_TOO_MANY_RECIPIENTS
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or b"")
        store = partial(_store, raw, mail_from=str(envelope.mail_from or ""), rcpt_tos=list(envelope.rcpt_tos),
                        peer=_peer(session))
        self.storing += 1
        try:
            await asyncio.get_running_loop().run_in_executor(self.executor, store)
        except Exception as exc:  # any failure to store: the sender keeps the message and retries
            logger.warning("inbound message not stored (%s); answered 451", exc.__class__.__name__)
            return REPLY_NOT_STORED
        finally:
            self.storing -= 1
        return REPLY_STORED

    async def handle_exception(self, error: Exception) -> str:
        """A fault in a session: a temporary refusal that names neither the message nor the error's text."""
        logger.warning("SMTP session error (%s); answered 451", error.__class__.__name__)
        return "451 4.3.0 Local error; try again later"


class _Busy(asyncio.Protocol):
    """What a connection beyond the limit gets: 421 and the door."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(REPLY_BUSY)
        transport.close()


class _Connection(SMTP):
    """One SMTP session that the listener counts while it is open."""

    def __init__(self, listener: Listener, **kwargs: Any) -> None:
        super().__init__(listener.handler, **kwargs)
        self._listener = listener

    def connection_lost(self, error: Exception | None) -> None:
        self._listener.connections.discard(self)
        super().connection_lost(error)

    # The address parser drops a CR or NUL inside <...> as if it were white space; such a command is refused
    # whole rather than read as something the client did not quite write.
    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg: str | None) -> None:
        if arg and _CONTROL.search(arg):
            await self.push(REPLY_BAD_SENDER)
            return
        await super().smtp_MAIL(arg)

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        if arg and _CONTROL.search(arg):
            await self.push(REPLY_BAD_RECIPIENT)
            return
        await super().smtp_RCPT(arg)


class Listener:
    """The SMTP server on the running event loop: `start`, then `stop` (stops accepting, lets stores finish)."""

    def __init__(self, config: ListenerConfig) -> None:
        self.config = config
        self.executor = ThreadPoolExecutor(max_workers=STORE_THREADS, thread_name_prefix="smtp-store")
        self.handler = IntakeHandler(config, self.executor)
        self.connections: set[_Connection] = set()
        self.server: asyncio.Server | None = None

    def _protocol(self) -> asyncio.Protocol:
        if len(self.connections) >= self.config.max_connections:
            return _Busy()
        session = _Connection(self, data_size_limit=self.config.max_bytes, enable_SMTPUTF8=True,
                              decode_data=False, hostname=self.config.hostname, ident="abusedesk",
                              tls_context=self.config.tls, require_starttls=False,
                              timeout=self.config.timeout_s, loop=asyncio.get_running_loop())
        self.connections.add(session)
        return session

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; returns the address bound (port 0 picks a free one). Raises OSError when it cannot bind."""
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.server = await asyncio.get_running_loop().create_server(self._protocol, host=host, port=port)
        bound = self.server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def stop(self, grace_s: float = STOP_GRACE_SECONDS) -> None:
        """Stop accepting; wait (up to grace_s) for messages being stored; then say 421 to every open session."""
        if self.server is not None:
            self.server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while self.handler.storing and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for session in list(self.connections):
            transport = session.transport
            if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
                transport.write(REPLY_SHUTTING_DOWN)
                transport.close()
        await asyncio.sleep(0)
        # A store still running finishes its transaction; the process does not end in the middle of one.
        barrier = threading.Barrier(STORE_THREADS)
        for _ in range(STORE_THREADS):
            self.executor.submit(_close_connection, barrier)
        await loop.run_in_executor(None, partial(self.executor.shutdown, wait=True))


def serve(host: str, port: int, config: ListenerConfig, *, announce: Callable[[str, int], None]) -> None:
    """Run the listener in the foreground until SIGTERM or SIGINT (`abusedesk smtp`); CannotListen if it cannot
    bind."""
    asyncio.run(_serve(host, port, config, announce))


async def _serve(host: str, port: int, config: ListenerConfig, announce: Callable[[str, int], None]) -> None:
    listener = Listener(config)
    try:
        bound = await listener.start(host, port)
    except OSError as exc:
        listener.executor.shutdown(wait=False)
        raise CannotListen(exc) from exc
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    announce(*bound)
    try:
        await stopping.wait()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(signum)
        await listener.stop()
