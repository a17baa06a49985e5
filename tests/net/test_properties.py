"""Property tests (SECURITY-TESTS 7): host validated == host connected == host recorded.

Hypothesis builds URLs from hostile pieces (IDN labels, case, trailing dots, '@', '\\', '%', '#', control
characters, odd ports). Every name resolves to the loopback "public" server; for each URL either the
fetch is refused before any DNS query and connection, or the one name resolved is the recorded
``host_ascii``, the only address connected to is the recorded ``resolved_ip``, and the server saw that
same name in its Host header. Accepted names must also match what urllib's parser sees.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import idna
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from abusedesk.net import FetchBlocked, FetchPolicy, RefusalReason, fetch, parse_url

from .conftest import PUBLIC_HOST, PUBLIC_NET
from .loopback import ConnectSpy, LoopbackServer, page

POLICY = FetchPolicy(allow_networks=PUBLIC_NET, deadline_s=3.0, read_timeout_s=2.0)
# Refused from the URL alone: no DNS query and no connection may have happened.
PRE_DNS = frozenset(
    {
        RefusalReason.SCHEME_NOT_ALLOWED,
        RefusalReason.USERINFO_IN_URL,
        RefusalReason.PORT_NOT_ALLOWED,
        RefusalReason.INVALID_PORT,
        RefusalReason.CONTROL_CHAR_IN_URL,
        RefusalReason.BACKSLASH_IN_URL,
        RefusalReason.INVALID_URL,
        RefusalReason.INVALID_HOST,
        RefusalReason.SINGLE_LABEL_HOST,
        RefusalReason.URL_TOO_LONG,
        RefusalReason.LOCAL_NAME,
    }
)


class RecordingResolver:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.calls.append(host)
        return [PUBLIC_HOST]


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(page(b"ok"), host=PUBLIC_HOST) as srv:
        yield srv


_ascii_label = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,10}[A-Za-z0-9]", fullmatch=True)
_idn_label = st.text(
    alphabet=st.sampled_from("abcxyz\u0430\u0435\u0440\u0441\u043eüßçñ日本語ПИ٣ǅ"), min_size=1, max_size=8
)
_hostile = st.sampled_from(["@", "\\", "%2e", "#", "?", ":", "\t", "\r\n", "\x00", " ", "[", "]", "..", "."])
_label = st.one_of(_ascii_label, _ascii_label, _idn_label, _idn_label, _hostile)
_host = (
    st.lists(_label, min_size=1, max_size=4)
    .map(lambda labels: ".".join([*labels, "test"]))
    .flatmap(lambda h: st.sampled_from([h, h + ".", h.upper()]))
)
_path = st.text(alphabet=st.sampled_from("abc/?#%@:é日\\\t "), max_size=12)


def _url(host: str, port_style: str, port: int, path: str) -> str:
    port_part = {"server": f":{port}", "none": "", "weird": ":0x50", "low": ":25"}[port_style]
    return f"http://{host}{port_part}/{path}"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    host=_host,
    port_style=st.sampled_from(["server", "server", "server", "none", "weird", "low"]),
    path=_path,
)
def test_host_validated_equals_connected_equals_recorded(
    server: LoopbackServer, host: str, port_style: str, path: str
) -> None:
    url = _url(host, port_style, server.port, path)
    resolver = RecordingResolver()
    with pytest.MonkeyPatch.context() as mp:
        spy = ConnectSpy().install(mp)
        before = len(server.requests)
        result = fetch(url, policy=POLICY, resolver=resolver)
    event(f"outcome: {'ok' if result.ok else result.reason}")
    if result.reason in PRE_DNS:
        assert resolver.calls == []
        assert spy.addresses == []
        return
    assert result.host_ascii is not None
    is_ip_literal = result.host_ascii.replace(".", "").isdigit() or ":" in result.host_ascii
    assert resolver.calls == ([] if is_ip_literal else [result.host_ascii])  # at most one resolution
    assert {h for h, _ in spy.addresses} <= {PUBLIC_HOST}
    assert result.redirect_chain[0]["host"] == result.host_ascii
    _assert_same_as_urllib(url, result.host_ascii)
    if result.ok:
        assert result.resolved_ip == PUBLIC_HOST
        assert spy.addresses == [(PUBLIC_HOST, server.port)]
        seen = server.requests[before].headers["host"]
        assert seen == f"{result.host_ascii}:{server.port}"


def _assert_same_as_urllib(url: str, host_ascii: str) -> None:
    """Differential check: an accepted name is the one a standard parser finds in the same URL."""
    hostname = urlsplit(url).hostname or ""
    if hostname.replace(".", "").isdigit():
        return  # numeric hosts are read the WHATWG way on purpose; urllib keeps them as text
    expected = (
        idna.encode(hostname.rstrip("."), uts46=True).decode() if not hostname.isascii() else (hostname.rstrip("."))
    )
    assert expected == host_ascii


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_arbitrary_text_never_raises_and_never_connects_outside_loopback(tail: str) -> None:
    resolver = RecordingResolver()
    original = socket.socket.connect
    seen: list[object] = []

    def connect(sock: socket.socket, address: object) -> None:
        seen.append(address)
        raise OSError("no network in this test")

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        result = fetch("http://" + tail, policy=POLICY, resolver=resolver)
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]
    assert isinstance(result.ok, bool)
    assert len(resolver.calls) <= 1
    assert all(addr[0] == PUBLIC_HOST for addr in seen)  # type: ignore[index]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20))
def test_accepted_names_are_always_plain_ldh(label: str) -> None:
    """Whatever Unicode goes in, a name that passes is lower-case letters, digits, '-', '_' and dots:
    IDNA mapping can never smuggle '/', '@', '\\', ':' or '%' into the host we resolve and send."""
    try:
        parsed = parse_url(f"http://{label}.test/")
    except FetchBlocked:
        return
    if parsed.ip is None:
        assert re.fullmatch(r"[a-z0-9_.-]+", parsed.host_ascii)
        assert parsed.host_ascii.endswith(".test")
