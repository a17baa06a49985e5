"""Webhook delivery (SECURITY-TESTS 10): same address rules at send time, pinned, no redirects."""

from __future__ import annotations

import json
import socket

import pytest

from abusedesk.net import FetchPolicy, RefusalReason, StaticResolver, blocked_address, deliver

from .conftest import PUBLIC_HOST, PUBLIC_NET
from .loopback import ConnectSpy, LoopbackServer, Request, redirect_to, respond

POLICY = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=5.0)


def _echo_body(conn: socket.socket, req: Request) -> None:
    length = int(req.headers.get("content-length", "0"))
    body = req.raw.split(b"\r\n\r\n", 1)[1]
    while len(body) < length:
        body += conn.recv(65536)
    req.raw = req.raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" + body
    respond(conn, 204)


def test_deliver_posts_body_with_signature_header() -> None:
    payload = json.dumps({"event": "case.s0", "case": 42}).encode()
    with LoopbackServer(_echo_body, host=PUBLIC_HOST) as server:
        result = deliver(
            server.url("/hook", "hooks.test"),
            payload,
            headers={"X-Abusedesk-Signature": "sha256=abc"},
            policy=POLICY,
            resolver=StaticResolver({"hooks.test": PUBLIC_HOST}),
        )
    assert (result.ok, result.status) == (True, 204)
    request = server.requests[0]
    assert (request.method, request.target) == ("POST", "/hook")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-abusedesk-signature"] == "sha256=abc"
    assert request.raw.endswith(payload)
    assert "cookie" not in request.headers


def test_deliver_to_host_repointed_at_loopback_sends_nothing(internal: LoopbackServer, spy: ConnectSpy) -> None:
    result = deliver(
        f"http://hooks.test:{internal.port}/hook",
        b"{}",
        policy=POLICY,
        resolver=StaticResolver({"hooks.test": "127.0.0.1"}),
    )
    assert (result.ok, result.reason) == (False, blocked_address("loopback"))
    assert internal.connections == 0
    assert spy.addresses == []


def test_deliver_to_private_ip_refused(spy: ConnectSpy) -> None:
    assert deliver("http://10.0.0.1/hook", b"{}").reason == blocked_address("private")
    assert spy.addresses == []


def test_deliver_does_not_follow_redirects(internal: LoopbackServer) -> None:
    with LoopbackServer(redirect_to(f"http://127.0.0.1:{internal.port}/"), host=PUBLIC_HOST) as server:
        result = deliver(server.url("/hook"), b"{}", policy=POLICY)
    assert (result.ok, result.status) == (True, 302)
    assert len(result.redirect_chain) == 1
    assert internal.connections == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Sig": "a\r\nX-Injected: 1"},
        {"X-Sig": "a\nb"},
        {"Host": "evil.test"},
        {"Content-Length": "0"},
        {"Cookie": "a=b"},
        {"Bad Name": "x"},
        {"X-Sig": "caf\u00e9"},
    ],
)
def test_deliver_refuses_unsafe_headers(headers: dict[str, str], spy: ConnectSpy) -> None:
    result = deliver("http://hooks.test/", b"{}", headers=headers, resolver=StaticResolver({"hooks.test": PUBLIC_HOST}))
    assert result.reason == RefusalReason.INVALID_HEADER
    assert spy.addresses == []
