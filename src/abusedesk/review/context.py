"""Console-wide context: the S0 banner (pages nobody has acknowledged yet)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def oncall(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and getattr(user, "can_read_cases", False)):
        return {}
    if not request.path.startswith("/console/"):
        return {}
    from abusedesk.triage.paging import can_acknowledge, open_pages

    pages = open_pages()
    return {"open_pages": pages, "can_acknowledge": bool(pages) and can_acknowledge(user)}
