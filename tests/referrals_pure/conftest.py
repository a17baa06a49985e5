"""These tests never touch Django or a database: they must pass with ``-p no:django`` as well as with
pytest-django active."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Overrides the root conftest's Django cache reset, which needs pytest-django's ``settings``."""
