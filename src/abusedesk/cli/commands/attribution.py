"""`abusedesk attribution refresh` and `abusedesk attribution status`: the reference data look-ups use.

The package ships a dated snapshot of the IANA RDAP bootstrap registries and the CDN providers' published
address ranges. `refresh` downloads them again through the desk's outbound policy (proxy, DNS server,
allow-list from the EVIDENCE_* settings), checks each, and writes the good ones into the attribution data
directory (ABUSEDESK_ATTRIBUTION_DATA_DIR, default DATA_DIR/attribution), where the loaders prefer them.
`status` shows which copy of each file is in use and its date.

Exit codes: 0 every source refreshed, 1 at least one failed (its old copy stays in use), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from abusedesk.cli.main import CliError


def register(sub: Any) -> None:
    attribution = sub.add_parser("attribution", help="the RDAP bootstrap and CDN range data look-ups use")
    actions = attribution.add_subparsers(dest="attribution_command", metavar="ACTION", required=True)
    refresh = actions.add_parser("refresh", help="download the IANA registries and CDN ranges again and check them")
    refresh.add_argument(
        "--source",
        action="append",
        default=[],
        help="refresh only this one (repeatable): rdap-dns, rdap-ipv4, rdap-ipv6, rdap-asn, cloudflare, "
        "fastly, cloudfront, google",
    )
    refresh.add_argument(
        "--mirror", metavar="URL", help="fetch https://HOST/PATH as URL/HOST/PATH (an internal mirror)"
    )
    refresh.add_argument(
        "--allow-network",
        metavar="CIDR",
        action="append",
        default=[],
        help="FOR TEST SERVERS ONLY: permit fetching from this range (repeatable); not for production",
    )
    refresh.add_argument("--json", action="store_true", help="machine-readable output")
    refresh.set_defaults(handler=cmd_refresh, django=True)
    status = actions.add_parser("status", help="which copy of each data file is in use, and its date")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=cmd_status, django=False)


def cmd_refresh(args: argparse.Namespace) -> int:
    from abusedesk.attribution.lookup.refresh import policy_for_refresh, refresh
    from abusedesk.attribution.lookup.sources import SOURCES
    from abusedesk.net import outbound

    unknown = [name for name in args.source if name not in SOURCES]
    if unknown:
        raise CliError(f"unknown --source {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
    if args.mirror and not args.mirror.startswith(("http://", "https://")):
        raise CliError(f"--mirror {args.mirror!r} must be an http(s) URL")
    with outbound.override(allow_networks=tuple(_networks(args.allow_network))):
        policy = policy_for_refresh(outbound.outbound_policy())
        outcomes = refresh(args.source, policy=policy, resolver=outbound.outbound_resolver(), mirror=args.mirror)
    if args.json:
        print(json.dumps([{"source": o.source, "ok": o.ok, "message": o.message} for o in outcomes], indent=2))
    for outcome in outcomes if not args.json else []:
        print(f"{outcome.source}: {'ok' if outcome.ok else 'FAILED'}: {outcome.message}")
    return 0 if all(o.ok for o in outcomes) else 1


def _networks(values: list[str]) -> list[str]:
    import ipaddress

    for cidr in values:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise CliError(f"--allow-network {cidr!r} is not an address range like 127.0.0.1/32") from None
    return values


def cmd_status(args: argparse.Namespace) -> int:
    from abusedesk.attribution.lookup import datafiles
    from abusedesk.attribution.lookup.sources import SOURCES

    rows = []
    for source in SOURCES.values():
        loaded = datafiles.load(source.target, datafiles.stamp)
        refreshed = loaded is not None and loaded[1] == datafiles.refreshed_path(source.target)
        rows.append(
            {
                "source": source.name,
                "copy": "none" if loaded is None else "refreshed" if refreshed else "shipped",
                "date": loaded[0].isoformat() if loaded and loaded[0] else None,
                "path": str(loaded[1]) if loaded else None,
            }
        )
    if args.json:
        print(json.dumps({"data_dir": str(datafiles.data_dir()), "files": rows}, indent=2))
        return 0
    print(f"attribution data directory: {datafiles.data_dir()}")
    for row in rows:
        print(
            f"{row['source']}: {row['copy']}, {row['date'] or 'no date'}{'' if not row['path'] else ', ' + row['path']}"
        )
    return 0
