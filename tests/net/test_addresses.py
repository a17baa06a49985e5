"""Address policy (SECURITY-TESTS 2, 4): an explicit deny table, independent of `ipaddress` gaps."""

from __future__ import annotations

import ipaddress

import pytest

from abusedesk.net import FetchBlocked, FetchPolicy, RefusalReason, StaticResolver, blocked_address, classify, fetch
from abusedesk.net.addresses import check_addresses, parse_networks

from .loopback import ConnectSpy

CASE_2 = [
    ("169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("100.64.0.1", "cgnat"),
    ("192.0.0.8", "ietf_protocol"),
    ("198.18.0.1", "benchmarking"),
    ("224.0.0.1", "multicast"),
    ("64:ff9b::a00:1", "nat64_private"),
    ("2002:7f00:1::1", "6to4"),
]

MORE_FORBIDDEN = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.0.0.5", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("169.254.1.1", "link_local"),
    ("168.63.129.16", "metadata"),
    ("100.100.100.200", "metadata"),
    ("fd20:ce::254", "metadata"),
    ("0.1.2.3", "this_network"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("192.88.99.1", "6to4_relay"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("::1", "loopback"),
    ("::ffff:127.0.0.1", "ipv4_mapped"),
    ("::ffff:8.8.8.8", "ipv4_mapped"),  # is_global says True on 3.11
    ("::127.0.0.1", "ipv4_compatible"),
    ("64:ff9b::7f00:1", "nat64_loopback"),
    ("64:ff9b::a9fe:a9fe", "nat64_metadata"),
    ("64:ff9b:1::808:808", "nat64_local"),
    ("2001::1", "teredo"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo"),
    ("2001:20::1", "ietf_protocol"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),  # is_global says True on 3.11
    ("2002:808:808::1", "6to4"),
    ("5f00::1", "srv6"),
    ("fc00::1", "unique_local"),
    ("fe80::1", "link_local"),
    ("fec0::1", "site_local"),
    ("ff02::1", "multicast"),
    ("100::1", "discard"),
    ("4000::1", "reserved"),
]


@pytest.mark.parametrize(("address", "reason"), CASE_2 + MORE_FORBIDDEN)
def test_forbidden_addresses_are_classified(address: str, reason: str) -> None:
    assert classify(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "104.16.0.1", "2606:4700::1", "64:ff9b::808:808"])
def test_public_addresses_pass(address: str) -> None:
    assert classify(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("address", "reason"), CASE_2)
def test_case2_resolver_answer_blocked_without_connecting(address: str, reason: str, spy: ConnectSpy) -> None:
    result = fetch("http://victim.test/", resolver=StaticResolver({"victim.test": address}))
    assert (result.ok, result.reason) == (False, blocked_address(reason))
    assert spy.addresses == []
    assert result.resolved_ip is None


def test_case4_one_bad_apple_rejects_the_whole_host(spy: ConnectSpy) -> None:
    """A host resolving to [public, 10.0.0.5] is refused entirely; neither address is contacted."""
    resolver = StaticResolver({"mixed.test": ["127.0.0.2", "10.0.0.5"]})
    policy = FetchPolicy(allow_networks=("127.0.0.2/32",))
    result = fetch("http://mixed.test/", policy=policy, resolver=resolver)
    assert (result.ok, result.reason) == (False, blocked_address("private"))
    assert spy.addresses == []


def test_order_does_not_matter_for_one_bad_apple() -> None:
    with pytest.raises(FetchBlocked, match="private"):
        check_addresses(["10.0.0.5", "8.8.8.8"])
    with pytest.raises(FetchBlocked, match="private"):
        check_addresses(["8.8.8.8", "10.0.0.5"])


@pytest.mark.parametrize("answer", ["fe80::1%eth0", "not-an-ip", "127.0.0.1 ", ""])
def test_malformed_resolver_answers_refused(answer: str) -> None:
    with pytest.raises(FetchBlocked, match=blocked_address("invalid")):
        check_addresses([answer])


def test_empty_answer_is_dns_failure() -> None:
    with pytest.raises(FetchBlocked, match=RefusalReason.DNS_FAILURE):
        check_addresses([])


def test_allow_networks_is_the_only_exception_and_exact() -> None:
    allow = parse_networks(["127.0.0.2/32"])
    assert [str(a) for a in check_addresses(["127.0.0.2"], allow)] == ["127.0.0.2"]
    with pytest.raises(FetchBlocked, match="loopback"):
        check_addresses(["127.0.0.1"], allow)


def test_default_policy_allows_nothing_extra() -> None:
    assert FetchPolicy().allow_networks == ()
