"""`abusedesk evidence fetch` and `abusedesk whois` through their argparse registration (no Django)."""

from __future__ import annotations

import argparse
import hashlib
import json

import pytest

from abusedesk.cli.commands import netlookup
from abusedesk.cli.main import CliError
from abusedesk.evidence.extract import extract_text
from abusedesk.net import RefusalReason, blocked_address

from .conftest import Net


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="abusedesk")
    netlookup.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    assert args.django is False
    return int(args.handler(args))


def test_evidence_fetch_json(net: Net, capsys: pytest.CaptureFixture[str]) -> None:
    url = net.forum.url("/thread/1", "forum.test")
    code = run(
        [
            "evidence",
            "fetch",
            url,
            "--json",
            "--dns-server",
            net.dns.address,
            "--allow-network",
            "127.0.0.2/32",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["status"], out["resolved_ip"], out["final_url"]) == (200, "127.0.0.2", url)
    assert out["body_sha256"] == hashlib.sha256(b"<p>thread</p>").hexdigest()
    text = extract_text(b"<p>thread</p>", "text/html", url)
    assert out["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert out["text_length"] == len(text)


def test_evidence_fetch_human(net: Net, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["evidence", "fetch", net.forum.url("/thread/1", "127.0.0.2"), "--allow-network", "127.0.0.2/32"])
    out = capsys.readouterr().out
    assert code == 0
    assert "status: 200" in out
    assert "body_sha256: " in out


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", blocked_address("metadata")),
        ("file:///etc/passwd", RefusalReason.SCHEME_NOT_ALLOWED),
        ("http://127.0.0.1:6379/", RefusalReason.PORT_NOT_ALLOWED),
    ],
)
def test_evidence_fetch_blocked_exit_3(url: str, reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["evidence", "fetch", url, "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["reason"] == reason


def test_evidence_fetch_blocked_human_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["evidence", "fetch", "http://[::1]/"]) == 3
    assert "blocked or failed: blocked_address:loopback" in capsys.readouterr().err


def test_allow_network_is_needed_for_loopback(net: Net, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["evidence", "fetch", net.forum.url("/thread/1"), "--json"]) == 3
    assert json.loads(capsys.readouterr().out)["reason"] == blocked_address("loopback")


@pytest.mark.parametrize(
    "argv",
    [["--allow-network", "not-a-cidr"], ["--dns-server", "127.0.0.1:notaport"]],
)
def test_bad_options_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(CliError):
        run(["evidence", "fetch", "http://x.test/", *argv])


def test_whois_json(net: Net, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        [
            "whois",
            net.proxied.url("/t/1", "proxied.test"),
            "--json",
            "--dns-server",
            net.dns.address,
            "--rdap-ip",
            net.rdap.url("/"),
            "--rdap-domain",
            net.rdap.url("/"),
            "--allow-network",
            "127.0.0.2/32",
            "--allow-network",
            "127.0.0.3/32",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["cdn"]["name"] == "Cloudflare, Inc."
    assert out["registrar"]["name"] == "Other Registrar SL"
    assert out["where_to_report"][0]["role"] == "cdn"


def test_whois_human(net: Net, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        [
            "whois",
            net.forum.url("/thread/1", "forum.test"),
            "--dns-server",
            net.dns.address,
            "--rdap-ip",
            net.rdap.url("/"),
            "--rdap-domain",
            net.rdap.url("/"),
            "--allow-network",
            "127.0.0.2/32",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Origin host:  Example Hosting Ltd - abuse@hosting.test" in out
    assert "Where to report:" in out
    assert "1. Example Hosting Ltd (origin_host): abuse@hosting.test" in out


def test_whois_bad_url_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["whois", "gopher://x.test/"]) == 3
    assert "scheme_not_allowed" in capsys.readouterr().err


def test_evidence_without_action_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["evidence"]) == 2
    assert "fetch" in capsys.readouterr().out
