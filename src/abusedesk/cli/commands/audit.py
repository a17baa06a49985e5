"""`abusedesk audit verify` and `abusedesk audit checkpoint`."""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from abusedesk.cli.main import CliError

_CHECKPOINT = re.compile(r"^(\d+):([0-9a-f]{64})$")


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the tamper-evident audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser("verify", help="recompute the hash chain; exit 1 if anything is wrong")
    verify.add_argument("--checkpoint", help="SEQ:HASH printed earlier by `audit checkpoint`, kept outside the DB")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=cmd_verify, django=True)
    checkpoint = audit_sub.add_parser("checkpoint", help="print SEQ:HASH of the chain's end to keep elsewhere")
    checkpoint.set_defaults(handler=cmd_checkpoint, django=True)


def cmd_verify(args: argparse.Namespace) -> int:
    from abusedesk.audit.trail import verify

    checkpoint = None
    if args.checkpoint:
        match = _CHECKPOINT.match(args.checkpoint.strip())
        if not match:
            raise CliError("--checkpoint must look like 123:<64 hex digits>")
        checkpoint = (int(match.group(1)), match.group(2))
    result = verify(checkpoint=checkpoint)
    if args.json:
        print(json.dumps({"ok": result.ok, "events": result.events, "last_seq": result.last_seq,
                          "last_hash": result.last_hash, "first_broken_seq": result.first_broken_seq,
                          "problems": result.problems}))
    elif result.ok:
        print(f"audit chain OK: {result.events} events, last seq {result.last_seq}, head {result.last_hash}")
    else:
        print(f"audit chain BROKEN ({len(result.problems)} problems):")
        for problem in result.problems:
            print(f"  {problem}")
    return 0 if result.ok else 1


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from abusedesk.audit.trail import verify

    result = verify()
    if not result.ok:
        print("audit chain does not verify; refusing to checkpoint it. Run `abusedesk audit verify`.")
        return 1
    print(f"{result.last_seq}:{result.last_hash}")
    return 0
