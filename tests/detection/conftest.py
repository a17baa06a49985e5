"""Detection tests are pure Python: no Django, no database, no network.

They must pass both with ``-p no:django`` and under pytest-django, so the project-wide autouse fixtures
that touch Django are overridden here with no-ops (the detection stage never uses Django's cache or DB).
"""

from __future__ import annotations

import socket

import pytest


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Overrides tests/conftest.py's Django cache clearing: nothing to clear here."""


@pytest.fixture(autouse=True)
def _postgres_purge_allowed() -> None:
    """Overrides the PostgreSQL audit fixture: detection tests never open a database connection."""


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Fail loudly if anything in the detection stage tries to reach the internet."""

    def guard(*args, **kwargs):
        raise RuntimeError("network access attempted in a detection test")

    monkeypatch.setattr(socket, "create_connection", guard)
    monkeypatch.setattr(socket.socket, "connect", guard)
