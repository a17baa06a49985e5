"""SSRF cases 1, 3, 5 and 10 against real loopback servers, with a socket-level connect spy."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from abusedesk.net import (
    FetchPolicy,
    RefusalReason,
    StaticResolver,
    SystemResolver,
    blocked_address,
    fetch,
    validate_outbound_url,
)

from .conftest import PUBLIC_HOST, PUBLIC_NET
from .loopback import ConnectSpy, LoopbackServer, Request, page, redirect_to, respond, routes

POLICY = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=5.0, read_timeout_s=2.0)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://0x7f.1:{port}/",
        "http://2130706433:{port}/",
        "http://017700000001:{port}/",
        "http://127.1:{port}/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://localhost.:{port}/",
    ],
)
def test_case1_loopback_spellings_blocked_before_connect(url: str, internal: LoopbackServer, spy: ConnectSpy) -> None:
    result = fetch(url.format(port=internal.port), resolver=SystemResolver())
    assert not result.ok
    assert result.reason == RefusalReason.LOCAL_NAME or result.reason.startswith(f"{RefusalReason.BLOCKED_ADDRESS}:")
    assert internal.connections == 0
    assert spy.addresses == []


def test_case1_redis_port_blocked() -> None:
    assert fetch("http://127.0.0.1:6379/").reason == RefusalReason.PORT_NOT_ALLOWED


def test_case1_name_resolving_to_loopback_is_checked_by_address(internal: LoopbackServer, spy: ConnectSpy) -> None:
    """The resolved address is checked, not the string: an innocent name pointing at 127.0.0.1."""
    resolver = StaticResolver({"innocent.test": "127.0.0.1"})
    result = fetch(f"http://innocent.test:{internal.port}/", resolver=resolver)
    assert result.reason == blocked_address("loopback")
    assert internal.connections == 0
    assert spy.addresses == []


class RebindingResolver:
    """Answers the public test address first, then 127.0.0.1 for every later query."""

    def __init__(self) -> None:
        self.calls = 0

    def resolve(self, host: str) -> list[str]:
        self.calls += 1
        return [PUBLIC_HOST] if self.calls == 1 else ["127.0.0.1"]


@pytest.fixture
def public_and_internal() -> Iterator[tuple[LoopbackServer, LoopbackServer]]:
    """Two servers on the same port: 127.0.0.2 (public, allowed) and 127.0.0.1 (internal)."""
    public = LoopbackServer(page(b"public page"), host=PUBLIC_HOST)
    internal = LoopbackServer(page(b"SECRET"), host="127.0.0.1", port=public.port)
    yield public, internal
    public.close()
    internal.close()


def test_case3_dns_rebinding_resolves_once_and_pins(
    public_and_internal: tuple[LoopbackServer, LoopbackServer], spy: ConnectSpy
) -> None:
    public, internal = public_and_internal
    resolver = RebindingResolver()
    result = fetch(f"http://rebind.test:{public.port}/", policy=POLICY, resolver=resolver)
    assert result.ok, result.reason
    assert result.body == b"public page"
    assert resolver.calls == 1
    assert result.resolved_ip == PUBLIC_HOST
    assert spy.hosts() == {PUBLIC_HOST}
    assert (public.connections, internal.connections) == (1, 0)
    assert public.requests[0].headers["host"] == f"rebind.test:{public.port}"


def test_case3_redirect_to_same_name_resolves_again_and_is_blocked(
    public_and_internal: tuple[LoopbackServer, LoopbackServer], spy: ConnectSpy
) -> None:
    """Each hop is resolved and validated anew: the rebinding answer on hop 2 is refused."""
    public, internal = public_and_internal
    public.handler = redirect_to("/again")
    result = fetch(f"http://rebind.test:{public.port}/", policy=POLICY, resolver=RebindingResolver())
    assert result.reason == blocked_address("loopback")
    assert internal.connections == 0
    assert "127.0.0.1" not in spy.hosts()
    assert [hop.get("blocked") for hop in result.redirect_chain] == [None, blocked_address("loopback")]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://127.0.0.1:{port}/", blocked_address("loopback")),
        ("file:///etc/passwd", RefusalReason.SCHEME_NOT_ALLOWED),
        ("//169.254.169.254/latest/meta-data/", blocked_address("metadata")),
        ("http://[fd00:ec2::254]/", blocked_address("metadata")),
        ("gopher://127.0.0.1:{port}/_x", RefusalReason.SCHEME_NOT_ALLOWED),
    ],
)
def test_case5_redirect_targets_revalidated(
    location: str, reason: str, internal: LoopbackServer, spy: ConnectSpy
) -> None:
    with LoopbackServer(redirect_to(location.format(port=internal.port)), host=PUBLIC_HOST) as public:
        result = fetch(public.url("/start"), policy=POLICY)
    assert (result.ok, result.reason) == (False, reason)
    assert internal.connections == 0
    assert spy.hosts() == {PUBLIC_HOST}
    assert len(result.redirect_chain) == 2
    first, second = result.redirect_chain
    assert (first["status"], first["resolved_ip"]) == (302, PUBLIC_HOST)
    assert second["blocked"] == reason


def test_case5_chain_of_ten_stops_at_five_and_is_stored() -> None:
    def hop(conn: socket.socket, req: Request) -> None:
        n = int(req.target.strip("/") or 0)
        respond(conn, 302, {"Location": f"/{n + 1}", "Set-Cookie": f"s{n}=1"})

    with LoopbackServer(hop, host=PUBLIC_HOST) as server:
        result = fetch(server.url("/0"), policy=POLICY)
    assert (result.ok, result.reason) == (False, RefusalReason.TOO_MANY_REDIRECTS)
    assert [h["location"] for h in result.redirect_chain] == [f"/{n}" for n in range(1, 7)]
    assert all(h["status"] == 302 and h["resolved_ip"] == PUBLIC_HOST for h in result.redirect_chain)
    assert server.connections == 6


def test_case5_authorization_and_cookies_never_sent() -> None:
    """Set-Cookie and WWW-Authenticate on hop 1; hop 2 must arrive without Cookie or Authorization."""
    table = {
        "/login": redirect_to("/home", extra={"Set-Cookie": "session=abc", "WWW-Authenticate": "Basic"}),
        "/home": page(b"home"),
    }
    with LoopbackServer(routes(table), host=PUBLIC_HOST) as server:
        result = fetch(server.url("/login"), policy=POLICY)
    assert result.ok
    assert [r.target for r in server.requests] == ["/login", "/home"]
    for request in server.requests:
        assert "cookie" not in request.headers
        assert "authorization" not in request.headers
        assert "proxy-authorization" not in request.headers
        assert request.headers["user-agent"] == "abusedesk-evidence/0.1"


def test_redirect_with_relative_and_scheme_relative_locations() -> None:
    with LoopbackServer(page(b"end"), host=PUBLIC_HOST) as end:
        table = {
            "/a": redirect_to("b"),
            "/b": redirect_to(f"//other.test:{end.port}/c"),
        }
        with LoopbackServer(routes(table), host=PUBLIC_HOST) as start:
            resolver = StaticResolver({"start.test": PUBLIC_HOST, "other.test": PUBLIC_HOST})
            result = fetch(f"http://start.test:{start.port}/a", policy=POLICY, resolver=resolver)
    assert result.ok, result.reason
    assert result.final_url == f"http://other.test:{end.port}/c"
    assert [h["url"] for h in result.redirect_chain] == [
        f"http://start.test:{start.port}/a",
        f"http://start.test:{start.port}/b",
        f"http://other.test:{end.port}/c",
    ]
    assert end.requests[0].headers["host"] == f"other.test:{end.port}"


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://hook.test/"])
def test_case10_webhook_url_rejected_at_save_time(url: str) -> None:
    resolver = StaticResolver({"hook.test": "10.0.0.1"})
    assert validate_outbound_url(url, resolver) == blocked_address("private")


def test_case10_webhook_host_repointed_to_loopback_rejected_at_send_time() -> None:
    mapping = {"hook.test": "127.0.0.2"}
    resolver = StaticResolver(mapping)
    assert validate_outbound_url("https://hook.test/cb", resolver, allow_networks=PUBLIC_NET) is None
    mapping_later = StaticResolver({"hook.test": "127.0.0.1"})
    assert validate_outbound_url("https://hook.test/cb", mapping_later, allow_networks=PUBLIC_NET) == (
        blocked_address("loopback")
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hook.test/", RefusalReason.SCHEME_NOT_ALLOWED),
        ("http://u:p@hook.test/", RefusalReason.USERINFO_IN_URL),
        ("http://hook.test:6379/", RefusalReason.PORT_NOT_ALLOWED),
        ("http://nxdomain.test/", RefusalReason.DNS_FAILURE),
    ],
)
def test_case10_webhook_other_reasons(url: str, reason: str) -> None:
    assert validate_outbound_url(url, StaticResolver({"hook.test": "8.8.8.8"})) == reason


def test_blocked_fetch_is_logged_as_security_event(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="abusedesk.security.outbound"):
        fetch("http://victim.test/secret-name", resolver=StaticResolver({"victim.test": "10.1.1.1"}))
    assert "reason=blocked_address:private host=victim.test" in caplog.text
    assert "secret-name" not in caplog.text


def test_resolver_exception_is_dns_failure() -> None:
    class Broken:
        def resolve(self, host: str) -> list[str]:
            raise RuntimeError("boom")

    assert fetch("http://x.test/", resolver=Broken()).reason == RefusalReason.DNS_FAILURE


def test_connect_refused_is_reported() -> None:
    probe = socket.socket()
    probe.bind((PUBLIC_HOST, 0))
    port = probe.getsockname()[1]
    probe.close()
    result = fetch(f"http://{PUBLIC_HOST}:{port}/", policy=POLICY)
    assert result.reason == RefusalReason.CONNECT_FAILED


def test_ipv6_pinned_connection_when_allowed(spy: ConnectSpy) -> None:
    """The IPv6 path works end to end (loopback ::1, explicitly allowed for the test)."""
    with LoopbackServer(page(b"v6 page"), host="::1") as server:
        policy = FetchPolicy(allow_networks=("::1/128",), deadline_s=5.0)
        result = fetch(f"http://six.test:{server.port}/", policy=policy, resolver=StaticResolver({"six.test": "::1"}))
    assert (result.ok, result.body, result.resolved_ip) == (True, b"v6 page", "::1")
    assert spy.hosts() == {"::1"}
    assert server.requests[0].headers["host"] == f"six.test:{server.port}"


def test_result_to_dict_leaves_body_out_by_default() -> None:
    with LoopbackServer(page(b"<p>x</p>"), host=PUBLIC_HOST) as server:
        result = fetch(server.url("/"), policy=POLICY)
    data = result.to_dict()
    assert "body" not in data
    assert data["body_length"] == 8
    assert result.to_dict(include_body=True)["body"] == "<p>x</p>"


def test_failed_hop_records_its_error() -> None:
    probe = socket.socket()
    probe.bind((PUBLIC_HOST, 0))
    port = probe.getsockname()[1]
    probe.close()
    result = fetch(f"http://{PUBLIC_HOST}:{port}/", policy=POLICY)
    assert result.redirect_chain[-1]["error"] == RefusalReason.CONNECT_FAILED
    assert "blocked" not in result.redirect_chain[-1]


def test_bytes_url_is_invalid_not_parsed_from_its_repr() -> None:
    result = fetch(b"http://example.test/", resolver=StaticResolver({}))  # type: ignore[arg-type]
    assert result.reason == RefusalReason.INVALID_URL
