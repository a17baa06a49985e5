"""Who is asking: the client address, believing X-Forwarded-For only from configured proxies."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - a label, not a bind address
    if peer not in settings.TRUSTED_PROXIES:
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    # The right-most address not added by one of our own proxies is the client.
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if hop in settings.TRUSTED_PROXIES:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            break
    return peer
