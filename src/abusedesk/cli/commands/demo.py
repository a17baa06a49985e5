"""`abusedesk demo`: the reference scenario's customers, staff and a few reports, so a new user sees a
populated console. Reports go through the real intake and job pipeline."""

from __future__ import annotations

import argparse
import json
import secrets
from pathlib import Path
from typing import Any

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo_data.json"


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="load demo customers, staff and reports (reference scenario)")
    demo.add_argument("--password", help="password for the demo staff accounts (default: generated, printed)")
    demo.set_defaults(handler=cmd_demo, django=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from abusedesk.accounts.models import User
    from abusedesk.attribution.importer import import_records
    from abusedesk.intake.schema import parse_report
    from abusedesk.intake.service import accept
    from abusedesk.jobs.worker import run_pending_jobs

    call_command("migrate", interactive=False, verbosity=0)
    data = json.loads(DEMO_FILE.read_text())
    import_records(data["customers"], actor="demo")
    password = args.password or secrets.token_urlsafe(9)
    for person in data["staff"]:
        if not User.objects.filter(username=person["username"]).exists():
            User.objects.create_user(username=person["username"], password=password, role=person["role"])
            print(f"staff {person['username']} ({person['role']}) password: {password}")
    for index, body in enumerate(data["reports"]):
        raw = json.dumps(body, ensure_ascii=False).encode()
        accept(parse_report(raw), channel="api", raw=raw, content_type="application/json",
               client_ip="127.0.0.1", idempotency_key=f"demo-{index}")
    ran = run_pending_jobs()
    print(f"loaded {len(data['customers'])} customers and {len(data['reports'])} reports ({ran} jobs run)")
    return 0
