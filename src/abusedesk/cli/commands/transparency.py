"""`abusedesk transparency build`: the period's transparency report and DSA statements, written to a folder
(by default under the data directory, never the current directory; the path is printed)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from abusedesk.cli.main import CliError


def register(sub: Any) -> None:
    transparency = sub.add_parser("transparency", help="transparency reports and DSA statements of reasons")
    actions = transparency.add_subparsers(dest="transparency_command", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="build a period's report (JSON, CSV, HTML) and DSA statement batches")
    build.add_argument("--period", help="2026H1, 2026H2, 2026Q3 or 2026-07 (UTC)")
    build.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day (with --to)")
    build.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day, included (with --from)")
    build.add_argument("--out", help="output folder (default DATA_DIR/transparency/<period>)")
    build.add_argument("--min-count", type=int, default=5,
                       help="counts below this are published as '<N' (default 5)")
    build.set_defaults(handler=cmd_build, django=True)


def _period(args: argparse.Namespace) -> Any:
    from abusedesk.transparency.period import PeriodError, parse_period, period_from_dates

    dates = (args.date_from, args.date_to)
    try:
        if args.period and any(dates):
            raise CliError("give either --period or --from/--to, not both")
        if args.period:
            return parse_period(args.period)
        if all(dates):
            return period_from_dates(*dates)
        if any(dates):
            raise CliError("--from and --to must be given together")
        raise CliError("--period (or --from and --to) is required")
    except PeriodError as exc:
        raise CliError(str(exc)) from None


def cmd_build(args: argparse.Namespace) -> int:
    from django.conf import settings

    from abusedesk.transparency.build import build

    if args.min_count < 1:
        raise CliError(f"--min-count {args.min_count} must be at least 1")
    period = _period(args)
    out = Path(args.out).resolve() if args.out else Path(settings.DATA_DIR) / "transparency" / period.label
    result = build(period, out, min_count=args.min_count)
    print(f"transparency report {period.label}: {len(result.files)} files in {out}; "
          f"{result.statements} DSA statements")
    if result.rejected:
        print(f"{result.rejected} statements failed validation: see {out / 'dsa-statements' / 'rejected.json'}")
        return 1
    return 0
