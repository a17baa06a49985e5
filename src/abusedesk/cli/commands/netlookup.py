"""`abusedesk evidence fetch URL` and `abusedesk whois URL`: network look-ups without a database.

Both go through the SSRF-safe fetcher. ``--allow-network CIDR`` exists for test servers on loopback and
the offline scenario runner only: it lets the fetcher reach an address range the policy otherwise
refuses. ``--dns-server HOST:PORT`` sends DNS to one server (a local fixture, or an operator's resolver).

Exit codes: 0 captured / answered, 2 usage error, 3 fetch blocked or failed (reason printed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_BLOCKED = 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evidence = sub.add_parser("evidence", help="evidence capture tools")
    evidence_sub = evidence.add_subparsers(dest="evidence_command", metavar="ACTION")
    fetch_parser = evidence_sub.add_parser(
        "fetch", help="fetch a URL with the SSRF-safe fetcher and print hashes (no database)"
    )
    fetch_parser.add_argument("url")
    fetch_parser.add_argument("--max-bytes", type=int, default=None, help="decoded body cap (default 5 MiB)")
    fetch_parser.add_argument("--deadline", type=float, default=None, help="total seconds (default 30)")
    _network_options(fetch_parser)
    fetch_parser.set_defaults(handler=handle_evidence_fetch, django=False)
    evidence.set_defaults(handler=lambda args: _usage(evidence), django=False)

    whois_parser = sub.add_parser("whois", help="who serves a URL (CDN, host, DNS, registrar) and where to report")
    whois_parser.add_argument("url")
    whois_parser.add_argument(
        "--rdap-ip", metavar="URL", help="RDAP base URL for IP look-ups (default: IANA bootstrap)"
    )
    whois_parser.add_argument("--rdap-domain", metavar="URL", help="RDAP base URL for domain look-ups")
    whois_parser.add_argument("--no-probe", action="store_true", help="do not fetch the page or its security.txt")
    _network_options(whois_parser)
    whois_parser.set_defaults(handler=handle_whois, django=False)


def _network_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--dns-server", metavar="HOST:PORT", help="resolve through this DNS server")
    parser.add_argument(
        "--allow-network",
        metavar="CIDR",
        action="append",
        default=[],
        help="FOR TEST SERVERS ONLY: permit fetching from this range (repeatable); not for production",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def handle_evidence_fetch(args: argparse.Namespace) -> int:
    from abusedesk.evidence.extract import extract_text
    from abusedesk.net import FetchPolicy, fetch

    _check_network_args(args)
    policy = _policy(FetchPolicy, args)
    result = fetch(args.url, policy=policy, resolver=_resolver(args.dns_server))
    if not result.ok:
        _emit(
            args,
            {
                "ok": False,
                "reason": result.reason,
                "detail": result.detail,
                "url": args.url,
                "redirect_chain": result.redirect_chain,
            },
            f"blocked or failed: {result.reason} ({result.detail})",
        )
        return EXIT_BLOCKED
    text = extract_text(result.body, result.content_type, result.final_url or args.url)
    summary = {
        "ok": True,
        "url": args.url,
        "final_url": result.final_url,
        "status": result.status,
        "resolved_ip": result.resolved_ip,
        "host_ascii": result.host_ascii,
        "host_unicode": result.host_unicode,
        "content_type": result.content_type,
        "body_sha256": hashlib.sha256(result.body).hexdigest(),
        "body_length": len(result.body),
        "truncated": result.truncated,
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "text_length": len(text),
        "redirect_chain": result.redirect_chain,
        "elapsed_s": result.elapsed_s,
    }
    _emit(args, summary, "\n".join(f"{k}: {v}" for k, v in summary.items() if k != "redirect_chain"))
    return EXIT_OK


def handle_whois(args: argparse.Namespace) -> int:
    from abusedesk.attribution.lookup import WhoisInputError, whois

    _check_network_args(args)
    servers = {k: v for k, v in (("ip", args.rdap_ip), ("domain", args.rdap_domain)) if v}
    try:
        answer = whois(
            args.url,
            dns_server=args.dns_server,
            rdap_servers=servers,
            allow_networks=args.allow_network,
            probe_site=not args.no_probe,
            check_security_txt=not args.no_probe,
        )
    except WhoisInputError as exc:
        _emit(args, {"ok": False, "reason": exc.reason, "url": args.url}, str(exc))
        return EXIT_BLOCKED
    print(answer.to_json() if args.json else answer.to_text())
    return EXIT_OK


def _check_network_args(args: argparse.Namespace) -> None:
    """Turn bad option values into usage errors (exit 2) instead of tracebacks."""
    import ipaddress

    from abusedesk.cli.main import CliError

    for cidr in args.allow_network:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise CliError(f"--allow-network {cidr!r} is not an address range like 127.0.0.1/32") from None
    if args.dns_server:
        host, _, port = args.dns_server.rpartition(":")
        if args.dns_server.count(":") == 1 and not (host and port.isdigit() and 0 < int(port) < 65536):
            raise CliError(f"--dns-server {args.dns_server!r} must be HOST or HOST:PORT")


def _policy(policy_cls: Any, args: argparse.Namespace) -> Any:
    overrides: dict[str, Any] = {"allow_networks": tuple(args.allow_network)}
    if args.max_bytes is not None:
        overrides["max_bytes"] = args.max_bytes
    if args.deadline is not None:
        overrides["deadline_s"] = args.deadline
    return policy_cls(**overrides)


def _resolver(dns_server: str | None) -> Any:
    if not dns_server:
        return None
    from abusedesk.attribution.lookup import DnsLookup

    return DnsLookup.from_server(dns_server).fetch_resolver()


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(text, file=sys.stdout if data.get("ok") else sys.stderr)
