"""Issue 11: behind a trusted proxy, login lockout keys on the client (common.net.client_ip), not on the proxy's
address: one client's failures lock that client (and the user names it tried), never everybody."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from abusedesk.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
PROXY, ATTACKER, COLLEAGUE = "10.0.0.1", "203.0.113.5", "198.51.100.7"


def _login(client: Client, username: str, password: str, forwarded_for: str) -> int:
    return client.post("/console/login/", {"username": username, "password": password}, REMOTE_ADDR=PROXY,
                       HTTP_X_FORWARDED_FOR=forwarded_for).status_code


@pytest.fixture
def proxied(settings: Any, staff: Any) -> Any:
    settings.TRUSTED_PROXIES = [PROXY]
    return settings


def test_one_client_spraying_names_does_not_lock_out_everyone(proxied: Any) -> None:
    for i in range(proxied.AXES_FAILURE_LIMIT):
        _login(Client(), f"nobody{i}", "wrong", ATTACKER)
    assert _login(Client(), "ben", PASSWORD, ATTACKER) == 429  # the spraying client is locked
    assert _login(Client(), "ben", PASSWORD, COLLEAGUE) == 302  # everyone else behind the proxy is not


def test_a_spoofed_forwarded_for_does_not_move_the_lock(proxied: Any) -> None:
    # The attacker writes the colleague's address (and others) into X-Forwarded-For; the proxy appends the real one.
    for i in range(proxied.AXES_FAILURE_LIMIT):
        _login(Client(), f"nobody{i}", "wrong", f"{COLLEAGUE}, 192.0.2.{i}, {ATTACKER}")
    assert _login(Client(), "ben", PASSWORD, f"{COLLEAGUE}, {ATTACKER}") == 429
    assert _login(Client(), "ben", PASSWORD, COLLEAGUE) == 302


def test_a_user_name_is_still_locked_from_every_address(proxied: Any) -> None:
    for i in range(proxied.AXES_FAILURE_LIMIT):
        _login(Client(), "ana", "wrong", f"192.0.2.{i}")
    assert _login(Client(), "ana", PASSWORD, COLLEAGUE) == 429
