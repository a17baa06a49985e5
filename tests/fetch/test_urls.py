"""URL policy (SECURITY-TESTS 6, 7): rejected at parse/policy stage, before any DNS query."""

from __future__ import annotations

import pytest

from abusedesk.evidence.fetch import FetchBlocked, StaticResolver, fetch, parse_url
from abusedesk.evidence.fetch.urls import DENIED_PORTS, join_location


class CountingResolver(StaticResolver):
    def __init__(self) -> None:
        super().__init__({})
        self.calls: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.calls.append(host)
        return super().resolve(host)


CASE_6 = [
    ("file:///etc/passwd", "scheme_not_allowed"),
    ("gopher://example.test:70/_SET%20x", "scheme_not_allowed"),
    ("ftp://example.test/file", "scheme_not_allowed"),
    ("data:text/html,<script>alert(1)</script>", "scheme_not_allowed"),
    ("javascript:alert(1)", "scheme_not_allowed"),
    ("http://user:pass@example.test/", "userinfo_in_url"),
    ("http://@example.test/", "userinfo_in_url"),
    ("http://example.test:25/", "port_not_allowed"),
    ("http://example.test:22/", "port_not_allowed"),
    ("http://example.test:6379/", "port_not_allowed"),
    ("https://example.test:11211/", "port_not_allowed"),
    ("http://example.test:0/", "port_not_allowed"),
    ("http://example.test:65536/", "port_not_allowed"),
]


@pytest.mark.parametrize(("url", "reason"), CASE_6)
def test_case6_rejected_before_dns(url: str, reason: str) -> None:
    resolver = CountingResolver()
    result = fetch(url, resolver=resolver)
    assert (result.ok, result.reason) == (False, reason)
    assert resolver.calls == []
    assert result.redirect_chain[-1]["blocked"] == reason


CASE_7 = [
    ("http://evil.test\\@127.0.0.1/", "backslash_in_url"),
    ("http://evil.test\\.127.0.0.1/", "backslash_in_url"),
    ("http://exa\tmple.test/", "control_char_in_url"),
    ("http://example.test/\r\nX-Injected: 1", "control_char_in_url"),
    ("http://example.test/a\nb", "control_char_in_url"),
    ("http://example.test/\x00", "control_char_in_url"),
    (" http://example.test/", "control_char_in_url"),
    ("http://example.test/\u2028", "control_char_in_url"),
    ("http://example.test:80@127.0.0.1/", "userinfo_in_url"),
    ("http://example%2etest/", "invalid_host"),
    ("http:/example.test/", "invalid_url"),
    ("http:example.test", "invalid_url"),
    ("//example.test/", "invalid_url"),
    ("http://[::1%25lo]/", "invalid_host"),
    ("http://[::1/", "invalid_host"),
    ("http://example.test:+80/", "invalid_port"),
    ("http://example.test:\uff18\uff10/", "invalid_port"),
    ("http://a..test/", "invalid_host"),
    ("http://1.2.3.4.5/", "invalid_host"),
    ("http://0x1g.test.1/", "invalid_host"),
    ("http://intranet/", "single_label_host"),
    ("http://localhost./", "blocked_host:local_name"),
    ("http://printer.local/", "blocked_host:local_name"),
    ("http://db.internal/", "blocked_host:local_name"),
    ("http://x.localhost/", "blocked_host:local_name"),
]


@pytest.mark.parametrize(("url", "reason"), CASE_7)
def test_case7_parser_differentials_rejected(url: str, reason: str) -> None:
    resolver = CountingResolver()
    result = fetch(url, resolver=resolver)
    assert (result.ok, result.reason) == (False, reason)
    assert resolver.calls == []


def test_idn_homograph_recorded_as_u_label_and_a_label() -> None:
    parsed = parse_url("https://p\u0430ypal.example/login")  # Cyrillic small a (U+0430)
    assert parsed.host_ascii == "xn--pypal-4ve.example"
    assert parsed.host_unicode == "p\u0430ypal.example"
    result = fetch("https://p\u0430ypal.example/login", resolver=StaticResolver({}))
    assert (result.host_ascii, result.host_unicode) == ("xn--pypal-4ve.example", "p\u0430ypal.example")


def test_a_label_input_gets_its_u_label() -> None:
    parsed = parse_url("http://XN--PYPAL-4VE.example/")
    assert parsed.host_unicode == "p\u0430ypal.example"
    assert parsed.host_ascii == "xn--pypal-4ve.example"


def test_uts46_maps_fullwidth_and_case() -> None:
    assert parse_url("http://\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.test/").host_ascii == "example.test"


def test_invalid_punycode_rejected() -> None:
    with pytest.raises(FetchBlocked, match="invalid_host"):
        parse_url("http://xn--zz-.test/")


def test_trailing_dot_is_the_same_host() -> None:
    parsed = parse_url("http://Example.Test./a")
    assert parsed.host_ascii == "example.test"
    assert parsed.host_header == "example.test"


@pytest.mark.parametrize(
    ("url", "ip"),
    [
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://017700000001/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1"),
        ("http://127.0.0.1./", "127.0.0.1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"),
    ],
)
def test_numeric_hosts_read_like_browsers(url: str, ip: str) -> None:
    assert str(parse_url(url).ip) == ip


def test_request_target_is_encoded_and_fragment_dropped() -> None:
    parsed = parse_url('http://example.test/a b"é?q=<x>#frag'.replace(" ", "%20"))
    assert parsed.target == "/a%20b%22%C3%A9?q=%3Cx%3E"
    assert parsed.canonical == "http://example.test/a%20b%22%C3%A9?q=%3Cx%3E"


def test_port_policy() -> None:
    assert parse_url("http://example.test:443/").port == 443
    assert parse_url("https://example.test:80/").port == 80
    assert parse_url("http://example.test:8080/").port == 8080
    for port in (21, 22, 25, 110, 143, 445, 1023, *sorted(DENIED_PORTS)):
        with pytest.raises(FetchBlocked, match="port_not_allowed"):
            parse_url(f"http://example.test:{port}/")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("/next", "http://example.test:8080/next"),
        ("next", "http://example.test:8080/dir/next"),
        ("../up", "http://example.test:8080/up"),
        ("//other.test/x", "http://other.test/x"),
        ("https://other.test/y", "https://other.test/y"),
        ("?q=1", "http://example.test:8080/dir/page?q=1"),
    ],
)
def test_join_location(location: str, expected: str) -> None:
    base = parse_url("http://example.test:8080/dir/page")
    assert join_location(base, location).canonical == expected


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("file:///etc/passwd", "scheme_not_allowed"),
        ("gopher://x.test/", "scheme_not_allowed"),
        ("/\\evil.test", "backslash_in_url"),
        ("//user@evil.test/", "userinfo_in_url"),
        ("/a\r\nSet-Cookie: x=1", "control_char_in_url"),
        ("//evil.test:25/", "port_not_allowed"),
    ],
)
def test_join_location_polices_the_result(location: str, reason: str) -> None:
    base = parse_url("http://example.test/")
    with pytest.raises(FetchBlocked) as info:
        join_location(base, location)
    assert info.value.reason == reason


def test_non_string_url_is_a_reason_not_a_crash() -> None:
    result = fetch(None, resolver=StaticResolver({}))  # type: ignore[arg-type]
    assert (result.ok, result.reason) == (False, "invalid_url")


def test_overlong_url() -> None:
    result = fetch("http://example.test/" + "a" * 9000, resolver=StaticResolver({}))
    assert result.reason == "url_too_long"
