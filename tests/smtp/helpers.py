"""The SMTP listener in a test: on its own event loop in a thread, or as `abusedesk smtp` in a subprocess; a raw
client that can send what smtplib refuses to; a message with a header that identifies it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from abusedesk.intake.email.smtp import Listener, ListenerConfig, listener_config

ADDRESS = "abuse@desk.test"
OTHER_ADDRESS = "report@desk.test"
HOST = "127.0.0.1"


def message(tag: str, *, body: str = "Please look at https://forum.test/threads/123\r\n",
            sender: str = "Reporter <reporter@mail.test>") -> bytes:
    """A small RFC 5322 message whose X-Test-Id header names it (CRLF line ends, as on the wire)."""
    return (f"From: {sender}\r\nTo: {ADDRESS}\r\nSubject: abuse report {tag}\r\n"
            f"Message-ID: <{tag}@mail.test>\r\nX-Test-Id: {tag}\r\n\r\n{body}").encode()


class ThreadedListener:
    """`Listener` on a private event loop in a daemon thread; the store threads use the test database."""

    def __init__(self, config: ListenerConfig) -> None:
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.listener = Listener(config)
        self.port = 0
        self._ready = threading.Event()
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="smtp-listener", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.port = self.loop.run_until_complete(self.listener.start(HOST, 0))[1]
        except BaseException as exc:  # handed to start() in the test's thread
            self._failed = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    def start(self) -> ThreadedListener:
        self._thread.start()
        self._ready.wait(30)
        if self._failed is not None:
            raise self._failed
        return self

    def stop(self, grace_s: float = 10.0) -> None:
        if self._failed is None and self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.listener.stop(grace_s), self.loop).result(60)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)
        self.loop.close()


@contextmanager
def running_listener(**overrides: Any) -> Iterator[ThreadedListener]:
    """The listener with the settings' configuration, changed by `overrides` (ListenerConfig fields)."""
    threaded = ThreadedListener(replace(listener_config(), **overrides)).start()
    try:
        yield threaded
    finally:
        threaded.stop()


class RawClient:
    """SMTP by hand: each `cmd` sends one line exactly as given (CR, NUL and all) and reads the reply."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self._file = self.sock.makefile("rb")
        self.greeting = self.reply()

    def reply(self) -> tuple[int, str]:
        lines = []
        while True:
            line = self._file.readline()
            if not line:
                return 0, "(connection closed)"
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            if len(line) < 4 or line[3:4] != b"-":
                return int(lines[-1][:3]), "\n".join(item[4:] for item in lines)

    def cmd(self, line: bytes) -> tuple[int, str]:
        self.sock.sendall(line + b"\r\n")
        return self.reply()

    def envelope(self, sender: bytes = b"<reporter@mail.test>", rcpt: bytes = ADDRESS.encode()) -> None:
        for line in (b"EHLO client.test", b"MAIL FROM:" + sender, b"RCPT TO:<" + rcpt + b">"):
            code, text = self.cmd(line)
            assert code == 250, (line, code, text)

    def data(self, raw: bytes) -> tuple[int, str]:
        code, text = self.cmd(b"DATA")
        assert code == 354, (code, text)
        self.sock.sendall(raw + (b"" if raw.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        return self.reply()

    def close(self) -> None:
        self._file.close()
        self.sock.close()


# --- `abusedesk smtp` in a subprocess --------------------------------------------------------------------

COUNT_BY_TEST_ID = """
import collections, json, sys, django
django.setup()
from email.parser import BytesHeaderParser
from abusedesk.intake.models import InboundMessage
counts = collections.Counter()
for message in InboundMessage.objects.only("id", "raw").iterator():
    counts[str(BytesHeaderParser().parsebytes(bytes(message.raw)).get("X-Test-Id", ""))] += 1
print(json.dumps(counts))
"""


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "abusedesk.cli", *args]


def sqlite_desk_env(data_dir: Path) -> dict[str, str]:
    """A fresh embedded desk in `data_dir`, migrated; the environment that names it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env.update(ABUSEDESK_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="abusedesk.settings",
               ABUSEDESK_MAIL_ADDRESSES=ADDRESS)
    subprocess.run(cli("migrate"), env=env, check=True, capture_output=True, timeout=300)
    return env


def start_listener_process(env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    """`abusedesk smtp --port 0`; waits for its announcement and returns the process and the port it took. Its log
    goes to a file (a pipe nobody reads would fill up and stop it)."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the child holds it; gone when both have closed it
    proc = subprocess.Popen(cli("smtp", "--host", HOST, "--port", "0"), env=env, stdout=subprocess.PIPE, stderr=log,
                            text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the pytest timeout bounds a listener that never announces itself
    if "SMTP listener on" not in line:
        proc.kill()
        proc.wait(timeout=30)
        log.seek(0)
        raise AssertionError(f"the listener did not start: {line!r} {log.read()[-3000:]!r}")
    log.close()
    return proc, int(line.split(f"{HOST}:", 1)[1].split()[0].rstrip(";"))


def stored_counts(env: dict[str, str]) -> dict[str, int]:
    """X-Test-Id -> how many stored messages carry it, read (and decrypted) by a process on the same desk."""
    out = subprocess.run([sys.executable, "-c", COUNT_BY_TEST_ID], env=env, capture_output=True, text=True,
                         timeout=300, check=True)
    return {str(k): int(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}
