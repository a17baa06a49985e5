"""Console-wide context: the analyst's shift panel, the break nudge, and images revealed by a form post.

One read of the analyst's profile per console page (its counters are kept on it) and one cache write (the run
of work without a break); no COUNT. A lead's "requests waiting" is an EXISTS, run only when the page shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from abusedesk.accounts.models import User
from abusedesk.shifts.exposure import Shift, current_profile, mark_active, shift_of, should_nudge
from abusedesk.shifts.models import RotationRequest, WellnessProfile

# Session key: the evidence id revealed by the "Show image" form without script, shown unblurred on the next page.
REVEALED = "abusedesk_wellness_revealed"


@dataclass
class Panel:
    profile: WellnessProfile
    shift: Shift
    nudge: bool
    is_lead: bool
    revealed: set[str] = field(default_factory=set)

    @cached_property
    def requests_waiting(self) -> bool:
        return self.is_lead and RotationRequest.objects.filter(handled_at__isnull=True).exists()


def _by_hand(request: HttpRequest) -> bool:
    """A page the analyst opened or a form they sent, not a fetch the page makes by itself (live updates):
    browsers mark navigations `Sec-Fetch-Mode: navigate`; a client that sends no such header counts as a person."""
    return request.method == "POST" or request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"


def wellness(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not (isinstance(user, User) and user.is_authenticated and user.can_read_cases):
        return {}
    if not request.path.startswith("/console/"):
        return {}
    now = timezone.now()
    profile = current_profile(user, now=now)
    shift = shift_of(profile, run_started=mark_active(user, now=now, active=_by_hand(request)), now=now)
    revealed = {str(v) for v in request.session.pop(REVEALED, [])} if REVEALED in request.session else set()
    return {"wellness": Panel(profile, shift, should_nudge(shift, profile, now), user.is_senior, revealed)}
