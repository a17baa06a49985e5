"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright; never Playwright's own browser download."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("ABUSEDESK_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/services (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM guard would refuse the
    # test's own queries. Allowed here only, for the browser tests' duration.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class PageWatch:
    """Collects what must never happen on our pages: dialogs (script ran), page errors, CSP reports."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.csp: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", self._console)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.csp.append(message.text)

    def assert_clean(self) -> None:
        assert not self.dialogs, f"script ran: {self.dialogs}"
        assert not self.errors, self.errors


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, PageWatch]]:
    context = browser.new_context()
    page = context.new_page()
    watch = PageWatch(page)
    yield page, watch
    context.close()


@pytest.fixture(autouse=True)
def _live_streams_ended(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Console live streams end within seconds here (EventSource reconnects), and a test waits for the ones its
    pages opened to end before the database is emptied for the next test: on the embedded default's in-memory test
    database the server thread shares the test's connection, and a stream still reading while the tables are
    flushed makes the flush fail. A stream notices a closed page only when it ends."""
    import time

    from abusedesk.review import live

    monkeypatch.setattr(live, "STREAM_SECONDS", 4.0)
    yield
    deadline = time.monotonic() + 60
    while live.open_streams() and time.monotonic() < deadline:
        time.sleep(0.1)
