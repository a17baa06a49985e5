"""Fixtures for the SMTP listener's tests: the abuse addresses and a listener in a thread on the test database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from .helpers import ADDRESS, OTHER_ADDRESS, ThreadedListener, running_listener


@pytest.fixture
def mail_settings(settings: Any) -> Any:
    settings.MAIL_ADDRESSES = [ADDRESS, OTHER_ADDRESS]
    settings.MAIL_MAX_BYTES = 10 * 1024 * 1024
    settings.MAIL_TIMEOUT_SECONDS = 60.0
    return settings


@pytest.fixture
def smtp_listener(transactional_db: Any, mail_settings: Any) -> Iterator[ThreadedListener]:
    """The listener with the default limits; its store threads write to the test database (hence transactional)."""
    with running_listener() as threaded:
        yield threaded


@pytest.fixture
def make_listener(transactional_db: Any, mail_settings: Any) -> Callable[..., AbstractContextManager[ThreadedListener]]:
    """A listener with other limits: `with make_listener(max_bytes=4096) as listener: ...`."""
    return running_listener
