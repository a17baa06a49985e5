"""`abusedesk scenario run FILE.json [--outbox DIR] [--json]`: a drill of the whole pipeline, offline."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from abusedesk.cli.main import CliError, setup_django


def register(sub: Any) -> None:
    scenario = sub.add_parser("scenario", help="run drills of the whole pipeline (format: docs/scenarios.md)")
    scenario_sub = scenario.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    run = scenario_sub.add_parser("run", help="run a drill file against a local forum on a simulated clock")
    run.add_argument("file", type=Path)
    run.add_argument("--outbox", type=Path, help="write every outbound message (.eml, webhook .json) here")
    run.add_argument("--json", action="store_true", help="print the result as one JSON document")
    run.add_argument("--keep-data", type=Path, help="use this data directory (default: a fresh temporary one)")
    run.set_defaults(handler=cmd_run, django=False)


def cmd_run(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise CliError(f"{args.file}: no such file")
    # A drill never touches the desk's own database: it runs on a fresh SQLite file unless told otherwise.
    data_dir = args.keep_data or Path(tempfile.mkdtemp(prefix="abusedesk-drill-"))
    os.environ["ABUSEDESK_DATA_DIR"] = str(data_dir.resolve())
    os.environ.pop("ABUSEDESK_DATABASE_URL", None)
    os.environ["ABUSEDESK_LOG_LEVEL"] = os.environ.get("ABUSEDESK_DRILL_LOG_LEVEL", "WARNING")
    setup_django()
    from django.core.management import call_command

    from abusedesk.drills.runner import DrillRunner, load
    from abusedesk.drills.spec import DrillError

    try:
        drill = load(args.file)
    except DrillError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    call_command("migrate", interactive=False, verbosity=0)
    if args.outbox:
        args.outbox.mkdir(parents=True, exist_ok=True)
    try:
        result = DrillRunner(drill, outbox=args.outbox).run()
    except DrillError as exc:
        raise CliError(f"{args.file}: {exc}") from None
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _summary(result)
    return 0


def _summary(result: dict[str, Any]) -> None:
    print(f"drill {result['scenario']}: {len(result['cases'])} cases, {len(result['alerts'])} alerts, "
          f"{len(result['outbox'])} outbound messages, {result['wall_seconds']} s")
    for alert in result["alerts"]:
        if "severity" in alert:
            print(f"  {alert['severity']} at {alert['at']} (page in {alert['wall_ms']} ms): case {alert['case']} — "
                  f"{alert['reason']}")
    for referral in result["referrals"]:
        print(f"  referral for case {referral['case']}: {referral['authority']} ({referral['jurisdiction']})")
