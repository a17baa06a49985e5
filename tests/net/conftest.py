"""Fixtures for the fetcher tests: loopback servers and a socket-level connect spy. No Django."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .loopback import ConnectSpy, LoopbackServer, page

# 127.0.0.2 plays "a public server" (allowed explicitly); 127.0.0.1 plays "the internal service" an
# attacker wants to reach. Nothing outside 127.0.0.0/8 is ever contacted.
PUBLIC_HOST = "127.0.0.2"
PUBLIC_NET = ("127.0.0.2/32",)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Overrides the root conftest's Django cache reset: these tests never touch Django, and must run
    with ``-p no:django`` as well as with pytest-django active."""


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> ConnectSpy:
    return ConnectSpy().install(monkeypatch)


@pytest.fixture
def internal() -> Iterator[LoopbackServer]:
    """The forbidden target: a listener on 127.0.0.1 that must see zero connections."""
    server = LoopbackServer(page(b"SECRET internal service"), host="127.0.0.1")
    yield server
    server.close()
