"""Intake rate limits: per API token when one is given, else per client address (django-ratelimit on
the shared cache: Redis in production). Answers how long to wait when over the limit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from abusedesk.accounts.models import ApiToken
from abusedesk.common.net import client_ip


def retry_after(request: HttpRequest, token: ApiToken | None, *, group: str = "intake",
                rate: str | None = None) -> int | None:
    """Count this request; None when allowed, else seconds until the window resets."""
    rate = rate or (settings.INTAKE_RATE_TOKEN if token else settings.INTAKE_RATE_ANONYMOUS)
    ident = f"token:{token.pk}" if token else f"ip:{client_ip(request)}"
    usage = get_usage(request, group=group, key=lambda _g, _r: ident, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))
