"""URL policy (SECURITY-TESTS 6, 7): rejected at parse/policy stage, before any DNS query."""

from __future__ import annotations

import pytest

from abusedesk.net import FetchBlocked, RefusalReason, StaticResolver, fetch, parse_url
from abusedesk.net.urls import DENIED_PORTS, join_location


class CountingResolver(StaticResolver):
    def __init__(self) -> None:
        super().__init__({})
        self.calls: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.calls.append(host)
        return super().resolve(host)


CASE_6 = [
    ("file:///etc/passwd", RefusalReason.SCHEME_NOT_ALLOWED),
    ("gopher://example.test:70/_SET%20x", RefusalReason.SCHEME_NOT_ALLOWED),
    ("ftp://example.test/file", RefusalReason.SCHEME_NOT_ALLOWED),
    ("data:text/html,<script>alert(1)</script>", RefusalReason.SCHEME_NOT_ALLOWED),
    ("javascript:alert(1)", RefusalReason.SCHEME_NOT_ALLOWED),
    ("http://user:pass@example.test/", RefusalReason.USERINFO_IN_URL),
    ("http://@example.test/", RefusalReason.USERINFO_IN_URL),
    ("http://example.test:25/", RefusalReason.PORT_NOT_ALLOWED),
    ("http://example.test:22/", RefusalReason.PORT_NOT_ALLOWED),
    ("http://example.test:6379/", RefusalReason.PORT_NOT_ALLOWED),
    ("https://example.test:11211/", RefusalReason.PORT_NOT_ALLOWED),
    ("http://example.test:0/", RefusalReason.PORT_NOT_ALLOWED),
    ("http://example.test:65536/", RefusalReason.PORT_NOT_ALLOWED),
]


@pytest.mark.parametrize(("url", "reason"), CASE_6)
def test_case6_rejected_before_dns(url: str, reason: str) -> None:
    resolver = CountingResolver()
    result = fetch(url, resolver=resolver)
    assert (result.ok, result.reason) == (False, reason)
    assert resolver.calls == []
    assert result.redirect_chain[-1]["blocked"] == reason


CASE_7 = [
    ("http://evil.test\\@127.0.0.1/", RefusalReason.BACKSLASH_IN_URL),
    ("http://evil.test\\.127.0.0.1/", RefusalReason.BACKSLASH_IN_URL),
    ("http://exa\tmple.test/", RefusalReason.CONTROL_CHAR_IN_URL),
    ("http://example.test/\r\nX-Injected: 1", RefusalReason.CONTROL_CHAR_IN_URL),
    ("http://example.test/a\nb", RefusalReason.CONTROL_CHAR_IN_URL),
    ("http://example.test/\x00", RefusalReason.CONTROL_CHAR_IN_URL),
    (" http://example.test/", RefusalReason.CONTROL_CHAR_IN_URL),
    ("http://example.test/\u2028", RefusalReason.CONTROL_CHAR_IN_URL),
    ("http://example.test:80@127.0.0.1/", RefusalReason.USERINFO_IN_URL),
    ("http://example%2etest/", RefusalReason.INVALID_HOST),
    ("http:/example.test/", RefusalReason.INVALID_URL),
    ("http:example.test", RefusalReason.INVALID_URL),
    ("//example.test/", RefusalReason.INVALID_URL),
    ("http://[::1%25lo]/", RefusalReason.INVALID_HOST),
    ("http://[::1/", RefusalReason.INVALID_HOST),
    ("http://example.test:+80/", RefusalReason.INVALID_PORT),
    ("http://example.test:\uff18\uff10/", RefusalReason.INVALID_PORT),
    ("http://a..test/", RefusalReason.INVALID_HOST),
    ("http://1.2.3.4.5/", RefusalReason.INVALID_HOST),
    ("http://0x1g.test.1/", RefusalReason.INVALID_HOST),
    ("http://intranet/", RefusalReason.SINGLE_LABEL_HOST),
    ("http://localhost./", RefusalReason.LOCAL_NAME),
    ("http://printer.local/", RefusalReason.LOCAL_NAME),
    ("http://db.internal/", RefusalReason.LOCAL_NAME),
    ("http://x.localhost/", RefusalReason.LOCAL_NAME),
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
    with pytest.raises(FetchBlocked, match=RefusalReason.INVALID_HOST):
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
        with pytest.raises(FetchBlocked, match=RefusalReason.PORT_NOT_ALLOWED):
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
        ("file:///etc/passwd", RefusalReason.SCHEME_NOT_ALLOWED),
        ("gopher://x.test/", RefusalReason.SCHEME_NOT_ALLOWED),
        ("/\\evil.test", RefusalReason.BACKSLASH_IN_URL),
        ("//user@evil.test/", RefusalReason.USERINFO_IN_URL),
        ("/a\r\nSet-Cookie: x=1", RefusalReason.CONTROL_CHAR_IN_URL),
        ("//evil.test:25/", RefusalReason.PORT_NOT_ALLOWED),
    ],
)
def test_join_location_polices_the_result(location: str, reason: str) -> None:
    base = parse_url("http://example.test/")
    with pytest.raises(FetchBlocked) as info:
        join_location(base, location)
    assert info.value.reason == reason


def test_non_string_url_is_a_reason_not_a_crash() -> None:
    result = fetch(None, resolver=StaticResolver({}))  # type: ignore[arg-type]
    assert (result.ok, result.reason) == (False, RefusalReason.INVALID_URL)


def test_overlong_url() -> None:
    result = fetch("http://example.test/" + "a" * 9000, resolver=StaticResolver({}))
    assert result.reason == RefusalReason.URL_TOO_LONG
