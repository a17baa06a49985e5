"""`abusedesk demo`: the reference scenario played into this desk, so a new user sees what the product does.

The scenario's forum is served on loopback exactly as `abusedesk scenario run` does (drills/runner.py): its
posts appear on a simulated clock, the reports arrive through the real intake, evidence is captured, the
thread is watched and every new post goes through detection and triage. Staff actions of the scenario are
left out, so the case waits in the console for the user to decide: with its evidence, the timeline of watched
posts and — as soon as the detectors see the thread's threatening posts — an S0 with a page. When the run ends
the forum is gone, so the demo's watches are stopped (nothing tries to fetch `forum.test` afterwards).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import secrets
from pathlib import Path
from typing import Any

from abusedesk.cli.main import CliError

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo_data.json"
REFERENCE = Path(__file__).resolve().parents[4] / "scenarios" / "reference.json"


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="play the reference scenario into this desk: a case with evidence, "
                                       "watched posts and an S0 page (forum served on loopback)")
    demo.add_argument("--password", help="password for the demo staff accounts (default: generated, printed)")
    demo.add_argument("--scenario", type=Path, default=REFERENCE,
                      help="drill file to play (default: scenarios/reference.json; format in docs/scenarios.md)")
    demo.set_defaults(handler=cmd_demo, django=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from abusedesk.attribution.importer import import_records
    from abusedesk.drills.runner import DrillRunner, load
    from abusedesk.drills.spec import DrillError

    if not args.scenario.is_file():
        raise CliError(f"--scenario {args.scenario}: no such file (the reference scenario ships in the "
                       "source tree's scenarios/ folder)")
    try:
        drill = dataclasses.replace(load(args.scenario), actions=[])
    except DrillError as exc:
        raise CliError(f"{args.scenario}: {exc}") from None
    data = json.loads(DEMO_FILE.read_text())
    import_records(data["customers"], actor="demo")
    _staff([*data["staff"], *drill.staff], args.password or secrets.token_urlsafe(9))
    result = DrillRunner(drill).run()
    _stop_watches()
    _summary(result)
    return 0


def _staff(people: list[dict[str, Any]], password: str) -> None:
    """Demo accounts, each with the one password (the drill runner reuses accounts that exist)."""
    from abusedesk.accounts.models import User

    for person in {p["username"]: p for p in people}.values():
        if not User.objects.filter(username=person["username"]).exists():
            User.objects.create_user(username=person["username"], password=password,
                                     role=person.get("role", "analyst"))
            print(f"staff {person['username']} ({person.get('role', 'analyst')}) password: {password}")


def _stop_watches() -> None:
    """The scenario's forum stopped with the run; its threads cannot be re-fetched any more."""
    from abusedesk.watch.models import WatchedThread

    WatchedThread.objects.filter(active=True, last_status__startswith="HTTP").update(
        active=False, last_status="demo ended: the scenario's forum is no longer served")


def _summary(result: dict[str, Any]) -> None:
    from abusedesk.evidence.models import Evidence
    from abusedesk.watch.models import WatchedPost

    print(f"played scenario {result['scenario']!r}: {len(result['cases'])} case(s)")
    for case in result["cases"]:
        evidence = Evidence.objects.filter(report__case_id=case["id"]).count()
        posts = WatchedPost.objects.filter(thread__case_id=case["id"]).count()
        print(f"  case {case['id']}: {case['severity']}, {case['reports']} reports, {evidence} captures, "
              f"{posts} watched posts; targets: {', '.join(case['targets']) or 'none'}")
    for alert in result["alerts"]:
        if "severity" in alert:
            print(f"  {alert['severity']} page at {alert['at']} into the scenario: {alert['reason']}")
    print("open the console (/console/) to review it")
