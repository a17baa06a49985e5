"""Who is working which case: claims, a lead's assignments, takeovers of idle claims, and "next case".

The rule: a case has at most one live (unreleased) claim, and the database enforces it (the partial unique index
`claim_one_live_per_case`), so however two requests interleave, one of them gets the case and the other is told.
A live claim whose holder has neither opened nor acted on the case for CLAIM_IDLE_MINUTES is expired: anyone who
may decide can take it over, and the takeover is a conditional UPDATE (released only if still idle), so a holder
coming back at that instant keeps it. Every claim, release, assignment, takeover and override is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from abusedesk.accounts.models import DECIDING_ROLES, User
from abusedesk.audit import trail as audit
from abusedesk.cases.models import Case, CaseStatus
from abusedesk.review.models import Claim
from abusedesk.review.queue import ORDER
from abusedesk.review.queuefilter import QueueFilter, any_of

# The field a decide or close form sends to act on a case someone else has claimed ("I know X is working on this").
CONFIRM_FIELD = "claim_confirmed"
# How many candidates "next case" tries before it gives up (each loses only to a concurrent claim of that case).
NEXT_ATTEMPTS = 20


class ClaimRefused(Exception):
    """The claim, release or assignment was not made; the message says why, for the analyst."""


class _Lost(Exception):
    """Next case: a concurrent request got this candidate first (its attempt is rolled back; the next one runs)."""


def idle_limit() -> timedelta:
    return timedelta(minutes=max(1, int(settings.CLAIM_IDLE_MINUTES)))


def _actor(user: User) -> str:
    return f"user:{user.username}"


def is_lead(user: User) -> bool:
    return user.is_senior


def live_claim(case: Case) -> Claim | None:
    return Claim.objects.filter(case=case, released_at__isnull=True).select_related("user", "assigned_by").first()


def is_expired(claim: Claim, now: datetime | None = None) -> bool:
    return claim.last_activity_at <= (now or timezone.now()) - idle_limit()


def touch(case: Case, user: User) -> None:
    """The holder opened or acted on the case: their claim stays alive (a claim nobody took over yet revives)."""
    Claim.objects.filter(case=case, user=user, released_at__isnull=True).update(last_activity_at=timezone.now())


def _end(claim: Claim, *, reason: str, only_if_idle_since: datetime | None = None) -> bool:
    """Release `claim` if it is still live (and, for a takeover, still idle): False when another request changed
    it first. One UPDATE: PostgreSQL re-checks the condition after waiting for a concurrent writer's row lock."""
    query = Claim.objects.filter(pk=claim.pk, released_at__isnull=True)
    if only_if_idle_since is not None:
        query = query.filter(last_activity_at__lte=only_if_idle_since)
    return query.update(released_at=timezone.now(), release_reason=reason) == 1


def _insert(case: Case, user: User, *, assigned_by: User | None = None) -> Claim:
    """The new live claim; IntegrityError (the unique index) when someone else's claim committed first."""
    now = timezone.now()
    with transaction.atomic():  # a savepoint: the caller's transaction survives losing the race
        return Claim.objects.create(case=case, user=user, claimed_at=now, last_activity_at=now,
                                    assigned_by=assigned_by)


def claim(case: Case, user: User) -> Claim:
    """Claim the case for `user`, or take over an expired claim. Refused while someone else's claim is alive."""
    if not user.can_decide:
        raise ClaimRefused(_("Your role cannot claim cases."))
    _require_not_closed(case)
    with audit.atomic():
        current = live_claim(case)
        if current is not None and current.user_id == user.pk:
            touch(case, user)
            return current
        verb, payload = "claim.claimed", {"claimant": user.username}
        if current is not None:
            if not is_expired(current):
                raise ClaimRefused(_("%(name)s is working on this case.") % {"name": current.user.username})
            if not _end(current, reason="taken_over", only_if_idle_since=timezone.now() - idle_limit()):
                raise ClaimRefused(_("The claim changed meanwhile; reload the case."))
            verb, payload = "claim.taken_over", {**payload, "previous": current.user.username,
                                                 "idle_since": current.last_activity_at.isoformat()}
        try:
            made = _insert(case, user)
        except IntegrityError:
            raise ClaimRefused(_("Someone else claimed this case just now; reload it.")) from None
        audit.append(actor=_actor(user), verb=verb, object_type="case", object_id=str(case.pk), payload=payload)
    return made


def release(case: Case, user: User, *, reason: str = "released") -> Claim:
    """The holder gives the case back, or a lead releases anyone's claim."""
    with audit.atomic():
        current = live_claim(case)
        if current is None:
            raise ClaimRefused(_("Nobody holds this case."))
        if current.user_id != user.pk and not is_lead(user):
            raise ClaimRefused(_("Only %(name)s or a lead can release this claim.") % {"name": current.user.username})
        if not _end(current, reason=reason):
            raise ClaimRefused(_("The claim changed meanwhile; reload the case."))
        audit.append(actor=_actor(user), verb="claim.released", object_type="case", object_id=str(case.pk),
                     payload={"claimant": current.user.username, "reason": reason})
    return current


def assign(case: Case, assignee: User, *, lead: User) -> Claim:
    """A lead gives the case to an analyst, ending whatever claim it had."""
    if not is_lead(lead):
        raise ClaimRefused(_("Only a senior analyst or an administrator can assign cases."))
    if not assignee.can_decide:
        raise ClaimRefused(_("%(name)s cannot work cases.") % {"name": assignee.username})
    _require_not_closed(case)
    with audit.atomic():
        current = live_claim(case)
        if current is not None and current.user_id == assignee.pk:
            return current
        if current is not None and not _end(current, reason="reassigned"):
            raise ClaimRefused(_("The claim changed meanwhile; reload the case."))
        try:
            made = _insert(case, assignee, assigned_by=lead)
        except IntegrityError:
            raise ClaimRefused(_("Someone else claimed this case just now; reload it.")) from None
        audit.append(actor=_actor(lead), verb="claim.assigned", object_type="case", object_id=str(case.pk),
                     payload={"claimant": assignee.username,
                              "previous": current.user.username if current is not None else None})
    return made


def _require_not_closed(case: Case) -> None:
    if Case.objects.filter(pk=case.pk, status=CaseStatus.CLOSED).exists():
        raise ClaimRefused(_("This case is closed."))


def release_closed(case: Case, user: User) -> None:
    """The case was closed: its claim, whoever held it, ends with it."""
    with audit.atomic():
        current = live_claim(case)
        if current is not None and _end(current, reason="case_closed"):
            audit.append(actor=_actor(user), verb="claim.released", object_type="case", object_id=str(case.pk),
                         payload={"claimant": current.user.username, "reason": "case_closed"})


# -- acting on a case someone else holds -------------------------------------------------------------------------

def held_by_other(case: Case, user: User) -> Claim | None:
    current = live_claim(case)
    return current if current is not None and current.user_id != user.pk else None


def unconfirmed(request: HttpRequest, case: Case, user: User) -> Claim | None:
    """Someone else's claim that this POST did not acknowledge: the view must not act, and says so."""
    other = held_by_other(case, user)
    return other if other is not None and request.POST.get(CONFIRM_FIELD) != "yes" else None


def acted(case: Case, user: User, *, action: str) -> None:
    """After a decide or close: the actor's own claim stays alive; acting over someone else's is audited."""
    touch(case, user)
    other = held_by_other(case, user)
    if other is not None:
        with audit.atomic():
            audit.append(actor=_actor(user), verb="claim.overridden", object_type="case", object_id=str(case.pk),
                         payload={"claimant": other.user.username, "action": action})


# -- next case ---------------------------------------------------------------------------------------------------

def available(filters: list[QueueFilter], now: datetime | None = None) -> QuerySet[Case]:
    """Open cases in any of the queues that nobody holds (no claim, or only an expired one), most urgent first:
    the queue's own order (severity, then lane, then oldest; within a severity the SLA falls due in opening
    order, so oldest first is SLA first)."""
    now = now or timezone.now()
    alive = Claim.objects.filter(case=OuterRef("pk"), released_at__isnull=True,
                                 last_activity_at__gt=now - idle_limit())
    return (Case.objects.filter(status=CaseStatus.OPEN).filter(any_of(filters, now))
            .exclude(Exists(alive)).order_by(*ORDER))


def next_case(user: User, filters: list[QueueFilter]) -> Case | None:
    """Claim the most urgent available case for `user`. Two requests never get the same case: on PostgreSQL each
    locks its candidate row (FOR UPDATE SKIP LOCKED, so the other moves on to the next one without waiting); on
    SQLite writers are serialised (IMMEDIATE transactions); and on both the unique index refuses a second live
    claim, so a candidate lost to a concurrent request is skipped and the next one tried."""
    if not user.can_decide:
        raise ClaimRefused(_("Your role cannot claim cases."))
    for _attempt in range(NEXT_ATTEMPTS):
        try:
            with audit.atomic():
                candidates = available(filters)
                if connection.features.has_select_for_update_skip_locked:
                    candidates = candidates.select_for_update(skip_locked=True, no_key=True, of=("self",))
                case = candidates.first()
                if case is None:
                    return None
                _take(case, user)
                return case
        except _Lost:
            continue
    return None


def _take(case: Case, user: User) -> None:
    """Inside next_case's transaction: claim `case`, taking over an expired claim; _Lost (and the whole attempt
    rolled back, a takeover's release included) if another request got it first."""
    current = live_claim(case)
    payload: dict[str, Any] = {"claimant": user.username, "via": "next"}
    verb = "claim.claimed"
    if current is not None:
        if not _end(current, reason="taken_over", only_if_idle_since=timezone.now() - idle_limit()):
            raise _Lost
        verb, payload = "claim.taken_over", {**payload, "previous": current.user.username,
                                             "idle_since": current.last_activity_at.isoformat()}
    try:
        _insert(case, user)
    except IntegrityError:
        raise _Lost from None
    audit.append(actor=_actor(user), verb=verb, object_type="case", object_id=str(case.pk), payload=payload)


# -- what pages show ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimView:
    user_id: int
    username: str
    since: datetime
    idle_minutes: int
    expired: bool
    assigned_by: str


def view_of(claim: Claim | None, now: datetime | None = None) -> ClaimView | None:
    if claim is None:
        return None
    now = now or timezone.now()
    return ClaimView(user_id=claim.user_id, username=claim.user.username, since=claim.claimed_at,
                     idle_minutes=max(0, int((now - claim.last_activity_at).total_seconds() // 60)),
                     expired=is_expired(claim, now),
                     assigned_by=claim.assigned_by.username if claim.assigned_by is not None else "")


def attach(cases: list[Case]) -> None:
    """Set `claim` (a ClaimView or None) on each case of a queue page: one query for the page."""
    now = timezone.now()
    live = {c.case_id: c for c in Claim.objects.filter(case_id__in=[case.pk for case in cases],
                                                       released_at__isnull=True).select_related("user", "assigned_by")}
    for case in cases:
        setattr(case, "claim", view_of(live.get(case.pk), now))  # noqa: B010 - read by the template only


def page_context(case: Case, user: User) -> dict[str, Any]:
    """The case page's claim panel and, when someone else holds the case, the confirmation the forms ask for."""
    view = view_of(live_claim(case))
    mine = view is not None and view.user_id == user.pk
    lead = is_lead(user)
    return {
        "claim": view, "claim_mine": mine, "claim_other": view is not None and not mine,
        "claim_confirm_field": CONFIRM_FIELD, "claim_is_lead": lead,
        "claim_can_take": user.can_decide and case.status != CaseStatus.CLOSED
        and (view is None or (not mine and view.expired)),
        "claim_can_release": view is not None and (mine or lead),
        "claim_assignees": list(User.objects.filter(is_active=True, role__in=DECIDING_ROLES).order_by("username")
                                .values_list("pk", "username")) if lead and case.status != CaseStatus.CLOSED else [],
    }
