"""The leads' view of the team: each analyst's current shift, what they have seen by category, how long they
have worked without a break, and whether the nudge is showing to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F
from django.utils import timezone

from abusedesk.accounts.models import User
from abusedesk.shifts.exposure import Shift, runs_started, shift_length, shift_of, should_nudge
from abusedesk.shifts.models import Exposure, RotationRequest, WellnessProfile


@dataclass(frozen=True)
class TeamRow:
    user: User
    shift: Shift
    by_category: list[tuple[str, int]]
    nudged: bool
    open_requests: int


def category_label(value: str) -> str:
    from abusedesk.intake.models import Category

    return dict(Category.choices).get(value, value) if value else "other categories (images)"


def _by_category(user_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    rows = (Exposure.objects.filter(user_id__in=user_ids, at__gte=F("user__wellness__shift_started_at"))
            .values("user_id", "category").annotate(n=Count("id")).order_by("user_id", "-n", "category"))
    grouped: dict[int, list[tuple[str, int]]] = {}
    for row in rows:
        grouped.setdefault(row["user_id"], []).append((category_label(row["category"]), row["n"]))
    return grouped


def team_shifts(*, now: datetime | None = None) -> list[TeamRow]:
    """Everyone whose shift is running (begun within SHIFT_HOURS), most exposed first."""
    now = now or timezone.now()
    profiles = list(WellnessProfile.objects.filter(shift_started_at__gt=now - shift_length(), user__is_active=True)
                    .select_related("user"))
    ids = [p.user_id for p in profiles]
    categories = _by_category(ids)
    runs = runs_started(ids)
    requests = dict(RotationRequest.objects.filter(user_id__in=ids, handled_at__isnull=True)
                    .values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    rows = []
    for profile in profiles:
        shift = shift_of(profile, run_started=runs.get(profile.user_id), now=now)
        rows.append(TeamRow(profile.user, shift, categories.get(profile.user_id, []),
                            should_nudge(shift, profile, now), requests.get(profile.user_id, 0)))
    return sorted(rows, key=lambda r: (-r.shift.total, r.user.username))
