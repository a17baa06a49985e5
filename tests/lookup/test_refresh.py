"""`abusedesk attribution refresh` against a publisher stand-in on 127.0.0.2: good files are checked and
written atomically and the loaders use them; malformed, stale or missing ones are refused with the source
named and the copy in use kept. Nothing leaves 127.0.0.0/8 (the fetcher refuses any other address here)."""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from abusedesk.attribution.lookup import datafiles, shipped_table
from abusedesk.attribution.lookup.rdap import shipped_bootstrap
from abusedesk.attribution.lookup.refresh import refresh
from abusedesk.attribution.lookup.sources import SOURCES, subtract
from abusedesk.cli.commands import attribution
from abusedesk.net import FetchPolicy

from .fixture_servers import FixtureHttp, Route

POLICY = FetchPolicy(allow_networks=("127.0.0.2/32",), deadline_s=10.0)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _iana(publication: str, services: list[list[list[str]]]) -> bytes:
    doc = {"description": "RDAP bootstrap file", "publication": publication, "services": services, "version": "1.0"}
    return json.dumps(doc, indent=2).encode()


GOOD_DNS = _iana(
    "2027-01-01T00:00:00Z",
    [[["com", "net"], ["https://rdap.example/com/"]], [["newtld"], ["https://rdap.newtld.example/"]]],
)
AWS = {
    "syncToken": "1",
    "createDate": "2027-01-02-03-04-05",
    "prefixes": [
        {"ip_prefix": "198.51.100.0/24", "region": "GLOBAL", "service": "CLOUDFRONT"},
        {"ip_prefix": "198.51.100.0/24", "region": "GLOBAL", "service": "AMAZON"},
        {"ip_prefix": "203.0.113.0/24", "region": "us-east-1", "service": "EC2"},
    ],
    "ipv6_prefixes": [{"ipv6_prefix": "2001:db8:cf::/48", "region": "GLOBAL", "service": "CLOUDFRONT"}],
}


@pytest.fixture
def publisher() -> Iterator[FixtureHttp]:
    server = FixtureHttp(
        {
            "/data.iana.org/rdap/dns.json": Route(200, GOOD_DNS),
            "/data.iana.org/rdap/ipv4.json": Route(
                200, b'{"publication": "2027-01-01T00:00:00Z", "services": [[["10.0.0.0/33"'
            ),
            "/data.iana.org/rdap/ipv6.json": Route(
                200, _iana("2001-01-01T00:00:00Z", [[["2001:db8::/32"], ["https://x/"]]])
            ),
            "/ip-ranges.amazonaws.com/ip-ranges.json": Route(200, json.dumps(AWS).encode()),
            "/www.cloudflare.com/ips-v4": Route(200, b"192.0.2.0/24\n198.18.0.0/15\n"),
            "/www.cloudflare.com/ips-v6": Route(200, b"2001:db8:cf1::/48\n"),
            "/api.fastly.com/public-ip-list": Route(200, b'{"addresses": ["192.0.2.0/33"], "ipv6_addresses": []}'),
        }
    )
    yield server
    server.close()


def _run(server: FixtureHttp, *sources: str) -> dict[str, tuple[bool, str]]:
    outcomes = refresh(sources, policy=POLICY, mirror=server.url("/"), now=NOW)
    return {o.source: (o.ok, o.message) for o in outcomes}


def test_a_good_registry_is_written_and_the_bootstrap_uses_it(publisher: FixtureHttp, attribution_dir: Path) -> None:
    assert shipped_bootstrap().for_domain("site.newtld") == "https://rdap.org/"
    result = _run(publisher, "rdap-dns")
    assert result["rdap-dns"][0], result
    assert "3 entries, published 2027-01-01T00:00:00Z" in result["rdap-dns"][1]
    assert (attribution_dir / "rdap" / "dns.json").read_bytes() == GOOD_DNS  # as published, byte for byte
    assert shipped_bootstrap().for_domain("site.newtld") == "https://rdap.newtld.example/"
    assert shipped_bootstrap().for_domain("x.org") == "https://rdap.org/"  # the whole file is replaced
    assert shipped_bootstrap().for_ip("104.16.1.1") == "https://rdap.arin.net/registry/"  # other registries kept
    assert [p.name for p in (attribution_dir / "rdap").iterdir()] == ["dns.json"]  # no temporary file left


def test_a_malformed_file_is_refused_and_the_old_copy_kept(publisher: FixtureHttp, attribution_dir: Path) -> None:
    before = shipped_bootstrap().for_ip("104.16.1.1")
    result = _run(publisher, "rdap-ipv4", "fastly")
    ok, message = result["rdap-ipv4"]
    assert not ok
    assert message.startswith("rejected https://data.iana.org/rdap/ipv4.json: not JSON")
    assert message.endswith("the copy in use is kept")
    ok, message = result["fastly"]
    assert not ok and "'192.0.2.0/33' is not a CIDR" in message
    assert not (attribution_dir / "rdap").exists() and not (attribution_dir / "cdn").exists()
    assert shipped_bootstrap().for_ip("104.16.1.1") == before
    assert shipped_table().match_ip("151.101.1.69") is not None


def test_an_older_publication_and_a_missing_file_are_refused(publisher: FixtureHttp, attribution_dir: Path) -> None:
    result = _run(publisher, "rdap-ipv6", "rdap-asn")
    assert not result["rdap-ipv6"][0]
    assert "published 2001-01-01T00:00:00Z, older than the copy in use (2024-11-01T22:00:01Z" in result["rdap-ipv6"][1]
    assert not result["rdap-asn"][0]
    assert (
        "download of http://127.0.0.2:" in result["rdap-asn"][1]
        and "asn.json failed: HTTP 404" in result["rdap-asn"][1]
    )
    assert not (attribution_dir / "rdap").exists()


def test_cdn_lists_are_normalised_and_the_table_uses_them(publisher: FixtureHttp, attribution_dir: Path) -> None:
    assert shipped_table().match_ip("198.51.100.7") is None
    result = _run(publisher, "cloudfront", "cloudflare")
    assert result["cloudfront"] == (
        True,
        f"2 prefixes, published 2027-01-02T03:04:05+00:00; written to {attribution_dir / 'cdn' / 'cloudfront.json'}",
    )
    written = json.loads((attribution_dir / "cdn" / "cloudfront.json").read_text())
    assert written["prefixes"] == ["198.51.100.0/24", "2001:db8:cf::/48"]  # EC2 left out
    assert written["source"] == ["https://ip-ranges.amazonaws.com/ip-ranges.json"]
    assert written["fetched"] == "2026-12-01T00:00:00+00:00"
    table = shipped_table()
    match = table.match_ip("198.51.100.7")
    assert match is not None and match.provider.key == "cloudfront"
    assert table.match_ip("13.224.1.1") is None  # the refreshed list replaced the snapshot's
    assert table.match_ip("2001:db8:cf1::1").provider.key == "cloudflare"  # type: ignore[union-attr]
    assert table.match_ip("104.16.1.1") is None


def test_cloudflare_refuses_a_v6_address_in_the_v4_list(publisher: FixtureHttp) -> None:
    publisher.routes["/www.cloudflare.com/ips-v4"] = Route(200, b"192.0.2.0/24\n2001:db8::/32\n")
    ok, message = _run(publisher, "cloudflare")["cloudflare"]
    assert not ok and "https://www.cloudflare.com/ips-v4 lists an address that is not IPv4" in message


def test_google_keeps_its_own_front_ends_only() -> None:
    goog = {
        "creationTime": "2027-01-01T00:00:00.000000",
        "prefixes": [{"ipv4Prefix": "10.0.0.0/8"}, {"ipv6Prefix": "2001:db8::/32"}],
    }
    cloud = {
        "creationTime": "2027-01-01T00:00:00.000000",
        "prefixes": [{"ipv4Prefix": "10.0.0.0/9", "service": "Google Cloud"}],
    }
    built = SOURCES["google"].build([json.dumps(goog).encode(), json.dumps(cloud).encode()], NOW)
    doc = json.loads(built.content)
    assert doc["prefixes"] == ["10.128.0.0/9", "2001:db8::/32"]
    assert built.published == "2027-01-01T00:00:00.000000"


def test_subtract_leaves_the_fewest_networks() -> None:
    net = ipaddress.ip_network
    assert subtract([net("10.0.0.0/8")], [net("10.0.0.0/24"), net("10.0.0.0/8")]) == []
    left = subtract([net("10.0.0.0/22"), net("2001:db8::/32")], [net("10.0.1.0/24")])
    assert [str(n) for n in left] == ["10.0.0.0/24", "10.0.2.0/23", "2001:db8::/32"]


def test_a_damaged_refreshed_copy_falls_back_to_the_snapshot(
    attribution_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (attribution_dir / "cdn").mkdir()
    (attribution_dir / "cdn" / "fastly.json").write_text('{"prefixes": ["not a network"]}')
    with caplog.at_level(logging.WARNING):
        match = shipped_table().match_ip("151.101.1.69")
    assert match is not None and match.provider.key == "fastly"
    assert "fastly.json is unusable" in caplog.text


def test_a_newer_shipped_snapshot_wins_over_an_old_refresh(attribution_dir: Path) -> None:
    (attribution_dir / "rdap").mkdir()
    (attribution_dir / "rdap" / "dns.json").write_bytes(_iana("2020-01-01T00:00:00Z", [[["com"], ["https://old/"]]]))
    assert shipped_bootstrap().for_domain("a.com") == "https://rdap.verisign.com/com/v1/"
    loaded = datafiles.load("rdap/dns.json", datafiles.stamp)
    assert loaded is not None and loaded[1] == datafiles.shipped_path("rdap/dns.json")


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="abusedesk")
    attribution.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_cli_refresh_reports_each_source(publisher: FixtureHttp, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["attribution", "refresh", "--mirror", publisher.url("/"), "--allow-network", "127.0.0.2/32"]
    assert _cli([*base, "--source", "rdap-dns"]) == 0
    assert capsys.readouterr().out.startswith("rdap-dns: ok: 3 entries, published 2027-01-01T00:00:00Z; written to ")
    assert _cli([*base, "--source", "rdap-dns", "--source", "rdap-ipv4", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [(o["source"], o["ok"]) for o in out] == [("rdap-dns", True), ("rdap-ipv4", False)]


def test_cli_status_names_the_copy_in_use(publisher: FixtureHttp, capsys: pytest.CaptureFixture[str]) -> None:
    _run(publisher, "rdap-dns")
    assert _cli(["attribution", "status", "--json"]) == 0
    rows = {row["source"]: row for row in json.loads(capsys.readouterr().out)["files"]}
    assert (rows["rdap-dns"]["copy"], rows["rdap-dns"]["date"]) == ("refreshed", "2027-01-01T00:00:00+00:00")
    assert (rows["rdap-asn"]["copy"], rows["rdap-asn"]["date"]) == ("shipped", "2026-06-01T20:00:01+00:00")
    assert rows["google"]["copy"] == "none"


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--source", "akamai"], "unknown --source akamai"),
        (["--mirror", "ftp://x/"], "must be an http(s) URL"),
        (["--allow-network", "nope"], "is not an address range"),
    ],
)
def test_cli_usage_errors(argv: list[str], error: str) -> None:
    from abusedesk.cli.main import CliError

    with pytest.raises(CliError, match=re.escape(error)):
        _cli(["attribution", "refresh", *argv])


def test_cli_help_names_every_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _cli(["attribution", "refresh", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for name in SOURCES:
        assert name in help_text.replace("- ", "-"), name
