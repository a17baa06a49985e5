"""Receipts without loops: which senders are robots, and how many receipts one address gets.

A robot sender, from its headers (RFC 3834 and the usual practice), checked in this order:
- `bounce`: a null return path (envelope MAIL FROM:<> or `Return-Path: <>`), a delivery or read report
  (`multipart/report; report-type=delivery-status|disposition-notification`), or MAILER-DAEMON/postmaster;
- `auto_reply`: `Auto-Submitted: auto-replied`, `X-Autoreply`, `X-Autorespond`, `Precedence: auto_reply`;
- `list`: `List-Id` or `List-Post`, or `Precedence: list`;
- `bulk`: `Precedence: bulk` or `junk`;
- `automated`: any other `Auto-Submitted` value but "no" (auto-generated, auto-notified);
- `noreply`: a local part such as noreply, no-reply, do-not-reply, donotreply, bounce(s).

Free text from a bounce, an auto-reply, a list or bulk mail is no report (the message is kept, its status says
why). An ARF or X-ARF report is filed whatever its headers say. Automated and noreply senders' reports are filed.
No notice at all ever goes to a robot sender. A person gets at most `MAIL_RECEIPT_RATE` receipts ("5/h") per
address: beyond it the report is filed and acknowledged by nothing, though its decision is still sent (DSA Art.
16(5)); the counter lives in the shared cache (Redis in production).
"""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.cache import cache

from abusedesk.intake.email.parse import Parsed

NOT_FILED = frozenset({"bounce", "auto_reply", "list", "bulk"})
_NOREPLY = re.compile(r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|bounces?|mailer[-_.]?daemon|postmaster)"
                      r"(?:[-+._].*)?$|^.*[-+._]no[-_.]?reply$", re.IGNORECASE)
_BOUNCE_REPORTS = frozenset({"delivery-status", "disposition-notification"})
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def robot(parsed: Parsed, mail_from: str | None) -> str:
    """The kind of robot that sent this ("" for a person); see the module docstring for the rules."""
    checks = (("bounce", _bounce), ("auto_reply", _auto_reply), ("list", _mailing_list), ("bulk", _bulk),
              ("automated", _automated), ("noreply", _noreply))
    for kind, check in checks:
        if check(parsed, mail_from):
            return kind
    return ""


def _bounce(parsed: Parsed, mail_from: str | None) -> bool:
    if mail_from is not None and mail_from.strip() in ("", "<>"):
        return True
    if parsed.header("Return-Path").strip().replace(" ", "") == "<>":
        return True
    try:
        report_type = str(parsed.message.get_param("report-type", "", header="content-type") or "").lower()
    except Exception:  # an unreadable Content-Type is not a delivery report
        report_type = ""
    local = parsed.from_address.partition("@")[0].lower()
    return report_type in _BOUNCE_REPORTS or local in ("mailer-daemon", "postmaster")


def _auto_reply(parsed: Parsed, _: str | None) -> bool:
    return (parsed.header("Auto-Submitted").strip().lower().startswith("auto-replied")
            or bool(parsed.header("X-Autoreply") or parsed.header("X-Autorespond"))
            or parsed.header("Precedence").strip().lower() == "auto_reply")


def _mailing_list(parsed: Parsed, _: str | None) -> bool:
    return bool(parsed.header("List-Id") or parsed.header("List-Post")) or \
        parsed.header("Precedence").strip().lower() == "list"


def _bulk(parsed: Parsed, _: str | None) -> bool:
    return parsed.header("Precedence").strip().lower() in ("bulk", "junk")


def _automated(parsed: Parsed, _: str | None) -> bool:
    value = parsed.header("Auto-Submitted").strip().lower()
    return bool(value) and not value.startswith("no")


def _noreply(parsed: Parsed, _: str | None) -> bool:
    return bool(_NOREPLY.match(parsed.from_address.partition("@")[0]))


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/h" -> (5, 3600); a malformed rate names itself."""
    count, _, unit = rate.strip().partition("/")
    if not count.isdigit() or unit not in _UNITS:
        raise ValueError(f"ABUSEDESK_MAIL_RECEIPT_RATE: {rate!r} must look like 5/h (per s, m, h or d)")
    return int(count), _UNITS[unit]


def take_receipt(sender_index: str) -> bool:
    """Count one receipt for this sender (blind index of the address); False when over MAIL_RECEIPT_RATE."""
    limit, window = parse_rate(settings.MAIL_RECEIPT_RATE)
    key = f"mail-receipts:{sender_index[:32]}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return int(count) <= limit
