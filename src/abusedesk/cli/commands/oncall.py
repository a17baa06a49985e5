"""`abusedesk oncall add|list`: the on-call rota that S0 pages go to (triage/paging.py)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from abusedesk.cli.main import CliError


def register(sub: Any) -> None:
    oncall = sub.add_parser("oncall", help="the on-call rota for S0 pages")
    oncall_sub = oncall.add_subparsers(dest="oncall_command", metavar="ACTION", required=True)
    add = oncall_sub.add_parser("add", help="put someone on call for a period")
    add.add_argument("username")
    add.add_argument("--from", dest="starts", help="start, ISO 8601 (default: now)")
    add.add_argument("--hours", type=float, default=12.0, help="length of the shift in hours (default 12)")
    add.add_argument("--order", type=int, default=0, help="paging order: 0 is paged first (default 0)")
    add.set_defaults(handler=cmd_add, django=True)
    oncall_sub.add_parser("list", help="shifts now and to come").set_defaults(handler=cmd_list, django=True)


def cmd_add(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from abusedesk.accounts.models import User
    from abusedesk.triage.models import OnCallShift

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        raise CliError(f"no active account called {args.username!r}")
    if not 0 < args.hours <= 24 * 14:
        raise CliError("--hours must be more than 0 and at most two weeks")
    try:
        starts = datetime.fromisoformat(args.starts) if args.starts else timezone.now()
    except ValueError:
        raise CliError("--from must be an ISO 8601 time such as 2026-11-21T08:00:00+00:00") from None
    if timezone.is_naive(starts):
        starts = starts.replace(tzinfo=UTC)
    shift = OnCallShift.objects.create(user=user, starts_at=starts, ends_at=starts + timedelta(hours=args.hours),
                                       order=args.order)
    print(f"{user.username} on call {shift.starts_at:%Y-%m-%d %H:%M} to {shift.ends_at:%Y-%m-%d %H:%M} UTC "
          f"(order {shift.order})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from abusedesk.triage.models import OnCallShift

    for shift in OnCallShift.objects.select_related("user").filter(ends_at__gt=timezone.now()):
        print(f"{shift.starts_at:%Y-%m-%d %H:%M} to {shift.ends_at:%Y-%m-%d %H:%M} UTC  order {shift.order}  "
              f"{shift.user.username}{'' if shift.user.email else '  (no e-mail address: webhook and console only)'}")
    return 0
