"""Every outbound HTTP call the desk makes on its own behalf (forwards to hosts, on-call pages, the enforcement
control plane) goes through here: one signature scheme, the fetcher's address policy and resolver, the
connection pinned to the address just checked. A URL is checked when configured or saved (`refusal`) and again at
send time (`post_signed`), so a name re-pointed to an internal address is refused with nothing sent."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

from abusedesk.net.client import deliver, validate_outbound_url
from abusedesk.net.outbound import outbound_policy, outbound_resolver
from abusedesk.net.policy import FetchResult


def signature(body: bytes, timestamp: str, secret: str) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` (the receiver recomputes it with the shared secret)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def post_signed(url: str, body: bytes, headers: dict[str, str] | None = None) -> FetchResult:
    """POST `body` signed with WEBHOOK_SIGNING_SECRET; returns the fetcher's FetchResult (never follows redirects)."""
    stamp = str(int(time.time()))
    all_headers = {"X-Abusedesk-Signature": signature(body, stamp, settings.WEBHOOK_SIGNING_SECRET),
                   **(headers or {})}
    return deliver(url, body, headers=all_headers, policy=outbound_policy(), resolver=outbound_resolver())


def delivered(result: FetchResult) -> bool:
    return bool(result.ok and result.status is not None and 200 <= result.status < 300)


def refusal(url: str) -> str | None:
    """Why the address policy refuses `url` right now, or None."""
    return validate_outbound_url(url, outbound_resolver(), allow_networks=outbound_policy().allow_networks)
