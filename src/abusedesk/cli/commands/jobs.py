"""`abusedesk jobs dead` and `abusedesk jobs retry`: jobs that failed every attempt, and running them again."""

from __future__ import annotations

import argparse
import json
from typing import Any

from abusedesk.cli.main import CliError


def register(sub: Any) -> None:
    jobs = sub.add_parser("jobs", help="background jobs that failed every attempt (dead letters)")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    dead = jobs_sub.add_parser("dead", help="list dead letters not yet retried")
    dead.add_argument("--all", action="store_true", help="include the ones already retried")
    dead.add_argument("--json", action="store_true")
    dead.set_defaults(handler=cmd_dead, django=True)
    retry = jobs_sub.add_parser("retry", help="run dead-lettered jobs again from their first attempt")
    retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="dead letter ids from `abusedesk jobs dead`")
    retry.add_argument("--all", action="store_true", help="every dead letter not yet retried")
    retry.set_defaults(handler=cmd_retry, django=True)


def cmd_dead(args: argparse.Namespace) -> int:
    from abusedesk.jobs.models import DeadLetter

    letters = DeadLetter.objects.order_by("-created_at")
    if not args.all:
        letters = letters.filter(resolved_at__isnull=True)
    rows = [_row(letter) for letter in letters[:500]]
    if args.json:
        print(json.dumps(rows))
    elif not rows:
        print("no dead letters")
    for row in [] if args.json else rows:
        retried = f"  retried {row['resolved_at']} by {row['resolved_by']}" if row["resolved_at"] else ""
        print(f"{row['id']}  {row['created_at']}  {row['task']}({', '.join(map(str, row['args']))})  "
              f"{row['attempts']} attempts  {row['error_class']}: {row['error']}{retried}")
    return 0


def _row(letter: Any) -> dict[str, Any]:
    return {"id": letter.pk, "task": letter.task_path, "args": letter.args_kwargs.get("args", []),
            "attempts": letter.attempts, "priority": letter.priority, "error_class": letter.error_class,
            "error": letter.error[:300], "created_at": letter.created_at.isoformat(timespec="seconds"),
            "resolved_at": letter.resolved_at.isoformat(timespec="seconds") if letter.resolved_at else None,
            "resolved_by": letter.resolved_by}


def cmd_retry(args: argparse.Namespace) -> int:
    from abusedesk.jobs.core import retry_dead_letter
    from abusedesk.jobs.models import DeadLetter

    if bool(args.ids) == bool(args.all):
        raise CliError("name dead letter ids, or --all")
    letters = DeadLetter.objects.filter(resolved_at__isnull=True).order_by("created_at")
    if args.ids:
        letters = letters.filter(pk__in=args.ids)
        missing = set(args.ids) - set(letters.values_list("pk", flat=True))
        if missing:
            raise CliError(f"no dead letter waiting with id {', '.join(map(str, sorted(missing)))}")
    retried = sum(1 for letter in letters if retry_dead_letter(letter, actor="cli") is not None)
    print(f"{retried} job(s) enqueued again")
    return 0
