"""Per-shift exposure: how many of the most harmful items an analyst has seen since their shift began.

Counted (each an `Exposure` row plus a counter on the analyst's `WellnessProfile`):
- opening a case in one of WELLNESS_HARMFUL_CATEGORIES: a report's category, or a detector finding at or over
  the triage threshold (so a "threat" found in a report filed as "harassment" counts);
- each evidence image shown unblurred (the analyst pressed "Show image", or turned blurring off).
Opening the same case or revealing the same image again within REPEAT is not counted again: a reload, or the
redirect back to the case after a decision, is not a second exposure.

A shift begins at a log-in and lasts at most SHIFT_HOURS; a log-in inside a shift continues it (a second
browser, a session that timed out), and activity after the shift has run out begins a new one.

"Continuous work" is kept in the cache, not the database: each console page sets a key that expires after
WELLNESS_BREAK_MINUTES, so a break of that length starts a new run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from abusedesk.accounts.models import User
from abusedesk.shifts.models import Exposure, ExposureKind, WellnessProfile

REPEAT = timedelta(minutes=10)
SNOOZE = timedelta(minutes=30)
# Exposure rows are personal data about staff: an analyst's older than this are deleted when their next shift begins.
KEEP = timedelta(days=30)


def harmful_categories() -> tuple[str, ...]:
    """Most harmful first: a case in several is counted under the first."""
    return tuple(settings.WELLNESS_HARMFUL_CATEGORIES)


def shift_length() -> timedelta:
    return timedelta(hours=float(settings.SHIFT_HOURS))


def case_category(case_id: int) -> str:
    """The case's most harmful category, or "" when it is in none of them."""
    from abusedesk.cases.models import Finding
    from abusedesk.intake.models import Report
    from abusedesk.triage.rules import THRESHOLD

    harmful = harmful_categories()
    # DISTINCT: a campaign case has thousands of reports of one category; the database answers with each once.
    found = set(Report.objects.filter(case_id=case_id, category__in=harmful)
                .order_by().values_list("category", flat=True).distinct())
    found |= set(Finding.objects.filter(Q(case_id=case_id) | Q(report__case_id=case_id) | Q(evidence__case_id=case_id),
                                        category__in=harmful, score__gte=THRESHOLD)
                 .order_by().values_list("category", flat=True).distinct())
    return next((category for category in harmful if category in found), "")


def profile_for(user: User) -> WellnessProfile:
    profile, _ = WellnessProfile.objects.get_or_create(user=user)
    return profile


def _shift_over(profile: WellnessProfile, now: datetime) -> bool:
    return profile.shift_started_at is None or profile.shift_started_at <= now - shift_length()


def _new_shift(profile: WellnessProfile, now: datetime) -> None:
    Exposure.objects.filter(user_id=profile.user_id, at__lt=now - KEEP).delete()  # only what a lead may need
    profile.shift_started_at, profile.shift_case_views, profile.shift_reveals = now, 0, 0
    profile.nudge_snoozed_until = None
    profile.save(update_fields=["shift_started_at", "shift_case_views", "shift_reveals", "nudge_snoozed_until"])


def current_profile(user: User, *, now: datetime | None = None) -> WellnessProfile:
    """The analyst's profile, a new shift begun if the last one has run out."""
    now = now or timezone.now()
    profile = profile_for(user)
    if _shift_over(profile, now):
        _new_shift(profile, now)
    return profile


def start_shift_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """user_logged_in: begin a shift unless one is running."""
    if isinstance(user, User) and user.can_read_cases:
        current_profile(user)


def record(user: User, kind: str, *, category: str, case_id: int | None, evidence_id: Any = None,
           now: datetime | None = None) -> bool:
    """One exposure, unless the same one was counted within REPEAT; True when counted."""
    now = now or timezone.now()
    with transaction.atomic():
        profile = current_profile(user, now=now)
        seen = Exposure.objects.filter(user=user, kind=kind, case_id=case_id, evidence_id=evidence_id,
                                       at__gt=max(now - REPEAT, profile.shift_started_at or now))
        if seen.exists():
            return False
        Exposure.objects.create(user=user, kind=kind, category=category, case_id=case_id, evidence_id=evidence_id,
                                at=now)
        counter = "shift_case_views" if kind == ExposureKind.CASE_VIEW else "shift_reveals"
        WellnessProfile.objects.filter(pk=profile.pk).update(**{counter: F(counter) + 1})
    return True


def record_case_view(user: User, case_id: int, *, shown_images: Sequence[Any] = ()) -> None:
    """The console opened a case: counted if the case is in a harmful category; images the analyst chose to
    see without blur (`shown_images`, evidence ids) are counted as revealed."""
    category = case_category(case_id)
    if category:
        record(user, ExposureKind.CASE_VIEW, category=category, case_id=case_id)
    for evidence_id in shown_images:
        record(user, ExposureKind.IMAGE_REVEAL, category=category, case_id=case_id, evidence_id=evidence_id)


def case_opened(user: User, case: Any) -> None:
    """The console's case page was opened (review.views.case_detail calls this after access_case)."""
    from abusedesk.shifts.media import image_type

    shown = [] if current_profile(user).blur_media else [e.pk for e in case.evidence.all() if image_type(e)]
    record_case_view(user, case.pk, shown_images=shown)


def record_reveal(user: User, *, case_id: int, evidence_id: Any) -> bool:
    return record(user, ExposureKind.IMAGE_REVEAL, category=case_category(case_id), case_id=case_id,
                  evidence_id=evidence_id)


# Continuous work (see the module docstring).

def _run_key(user_id: int) -> str:
    return f"abusedesk:wellness:run:{user_id}"


def mark_active(user: User, *, now: datetime | None = None, active: bool = True) -> datetime | None:
    """When the current run of work without a break began; `active` notes activity now (a page the analyst
    opened), otherwise it only reads (a page refreshing itself is not someone working)."""
    now = now or timezone.now()
    started = cache.get(_run_key(user.pk))
    if not isinstance(started, datetime):
        if not active:
            return None
        started = now
    if active:
        cache.set(_run_key(user.pk), started, timeout=max(60, int(settings.WELLNESS_BREAK_MINUTES) * 60))
    return started


def runs_started(user_ids: list[int]) -> dict[int, datetime]:
    """For the leads' page: when each analyst's current run began (absent: on a break, or not working)."""
    found = cache.get_many([_run_key(pk) for pk in user_ids])
    return {pk: found[_run_key(pk)] for pk in user_ids if isinstance(found.get(_run_key(pk)), datetime)}


@dataclass(frozen=True)
class Shift:
    """What the panel shows and what the nudge is decided on."""

    started_at: datetime | None
    case_views: int
    reveals: int
    run_minutes: int
    working: bool = False  # active in the console within the last WELLNESS_BREAK_MINUTES

    @property
    def total(self) -> int:
        return self.case_views + self.reveals

    @property
    def over_exposures(self) -> bool:
        limit = int(settings.WELLNESS_NUDGE_EXPOSURES)
        return limit > 0 and self.total >= limit

    @property
    def over_minutes(self) -> bool:
        limit = int(settings.WELLNESS_NUDGE_MINUTES)
        return limit > 0 and self.run_minutes >= limit


def shift_of(profile: WellnessProfile, *, run_started: datetime | None, now: datetime) -> Shift:
    minutes = int((now - run_started).total_seconds() // 60) if run_started else 0
    return Shift(profile.shift_started_at, profile.shift_case_views, profile.shift_reveals, minutes,
                 working=run_started is not None)


def should_nudge(shift: Shift, profile: WellnessProfile, now: datetime) -> bool:
    """Over either limit (WELLNESS_NUDGE_EXPOSURES items, WELLNESS_NUDGE_MINUTES without a break), not snoozed."""
    if profile.nudge_snoozed_until and profile.nudge_snoozed_until > now:
        return False
    return shift.over_exposures or shift.over_minutes


def snooze(user: User, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    WellnessProfile.objects.filter(pk=current_profile(user, now=now).pk).update(nudge_snoozed_until=now + SNOOZE)
