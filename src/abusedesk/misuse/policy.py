"""The misuse rule (DSA Art. 23), written where it runs:

A reporter — a verified identity: the same API token, or the same e-mail (blind index) counting only the notices
its mailbox confirmed from the receipt's link (intake/confirm.py) — whose notices were marked manifestly
unfounded MISUSE_WARN_AFTER times within MISUSE_WINDOW_DAYS is warned once; at MISUSE_SUSPEND_AFTER they are
suspended from intake for MISUSE_SUSPENSION_DAYS. Each step is audited and the reporter is told, with the
reason and how to contest. Intake refuses a suspended reporter with the date the suspension ends.

A notice sent without a token and never confirmed counts towards nobody: anyone can type anyone's address, and
junk filed under an advocate's e-mail must not get the advocate suspended. (Such senders still meet the intake
rate limit per client address.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.intake.models import Report
from abusedesk.misuse.models import MisuseStep

logger = logging.getLogger("abusedesk.misuse")


@dataclass(frozen=True)
class Stats:
    notices: int
    unfounded: int

    @property
    def unfounded_share(self) -> float:
        return self.unfounded / self.notices if self.notices else 0.0


def _confirmed_by(email_index: str) -> Q:
    return Q(reporter__email_index=email_index, reporter_confirmed_at__isnull=False, submission__token__isnull=True)


def stats_for(email_index: str) -> Stats:
    """Notices of an e-mail identity in the window: only those its mailbox confirmed."""
    return _stats(_confirmed_by(email_index))


def _stats(identity: Q) -> Stats:
    since = timezone.now() - timedelta(days=settings.MISUSE_WINDOW_DAYS)
    row = Report.objects.filter(identity, received_at__gte=since).aggregate(
        notices=Count("id"), unfounded=Count("id", filter=Q(manifestly_unfounded=True)))
    return Stats(notices=row["notices"] or 0, unfounded=row["unfounded"] or 0)


def refuse_suspended(*, email_index: str | None, token: Any = None, **_signal: Any) -> None:
    """Before intake stores a submission (intake.signals.checking_reporter): refuse a suspended reporter."""
    from abusedesk.intake.service import ReporterSuspended

    suspension = active_suspension(email_index=email_index, token=token)
    if suspension is not None:
        raise ReporterSuspended(f"intake from you is suspended until {suspension.until:%Y-%m-%d} because several "
                                "of your notices were manifestly unfounded (DSA Art. 23); reply to our warning "
                                "e-mail to contest")


SUSPENSION_CACHE_SECONDS = 60


def active_suspension(*, email_index: str | None, token: Any = None) -> MisuseStep | None:
    """The suspension in force for this e-mail (blind index) or token, if any. Intake asks on every submission, so
    each owner's answer ("none" included) is cached; creating or changing a step drops its owner's entry."""
    owners = [("e", email_index)] if email_index else []
    if token is not None:
        owners.append(("t", str(token.pk)))
    cached = cache.get_many([_cache_key(kind, owner) for kind, owner in owners]) if owners else {}
    found = [step for step in (_suspension_of(kind, owner, cached) for kind, owner in owners)
             if step is not None and step.until is not None and step.until > timezone.now()]
    return max(found, key=lambda step: step.until or timezone.now(), default=None)


def _cache_key(kind: str, owner: str) -> str:
    return f"abusedesk:suspension:{kind}:{owner}"


def _suspension_of(kind: str, owner: str, cached_answers: dict[str, Any]) -> MisuseStep | None:
    """The owner's suspension: from `cached_answers` (one cache round trip for all owners) or the database."""
    cached = cached_answers.get(_cache_key(kind, owner))
    if cached is not None:
        return cached if isinstance(cached, MisuseStep) else None
    query = Q(email_index=owner) if kind == "e" else Q(token_id=owner)
    step = (MisuseStep.objects.filter(query, kind=MisuseStep.SUSPENSION, until__gt=timezone.now(),
                                      lifted_at__isnull=True).order_by("-until").first())
    cache.set(_cache_key(kind, owner), step if step is not None else "none", SUSPENSION_CACHE_SECONDS)
    return step


def forget_owner(sender: Any, instance: MisuseStep, **kwargs: Any) -> None:
    """A step was created or changed (lifted): its owner's cached answer goes."""
    keys = [_cache_key("e", instance.email_index)] if instance.email_index else []
    if instance.token_id is not None:
        keys.append(_cache_key("t", str(instance.token_id)))
    cache.delete_many(keys)


def _identity(report: Report) -> tuple[Q, dict[str, Any]] | None:
    """Whose notice this is, as far as we can prove it: the token it came with, or the e-mail whose mailbox confirmed
    it; None for an unconfirmed notice without a token. Returns the reports that count and the step's owner."""
    token = report.submission.token
    if token is not None:
        return Q(submission__token=token), {"token": token, "email_index": ""}
    if report.reporter_confirmed_at is not None and report.reporter.email_index:
        return _confirmed_by(report.reporter.email_index), {"token": None, "email_index": report.reporter.email_index}
    return None


def evaluate(report: Report, *, acting_user: Any) -> MisuseStep | None:
    """After a report is marked unfounded: warn or suspend its reporter when the thresholds are reached.
    Must run inside the transaction that marked the report."""
    identity = _identity(report)
    if identity is None:
        logger.info("misuse rule: the notice is neither confirmed by its mailbox nor sent with a token; not counted")
        return None
    reports, owner = identity
    count = _stats(reports).unfounded
    already = set(MisuseStep.objects.filter(**owner, created_at__gte=timezone.now() - timedelta(
        days=settings.MISUSE_WINDOW_DAYS), lifted_at__isnull=True).values_list("kind", flat=True))
    if count >= settings.MISUSE_SUSPEND_AFTER and MisuseStep.SUSPENSION not in already:
        step = _step(MisuseStep.SUSPENSION, report, count, acting_user, owner,
                     until=timezone.now() + timedelta(days=settings.MISUSE_SUSPENSION_DAYS))
    elif count >= settings.MISUSE_WARN_AFTER and not already:
        step = _step(MisuseStep.WARNING, report, count, acting_user, owner, until=None)
    else:
        logger.info("misuse rule: %d unfounded notices in the window; no step", count)
        return None
    logger.info("misuse rule: %s after %d unfounded notices", step.kind, count)
    return step


def _step(kind: str, report: Report, count: int, acting_user: Any, owner: dict[str, Any], *,
          until: Any) -> MisuseStep:
    from abusedesk.enforcement.notices import create_reporter_notice

    step = MisuseStep.objects.create(kind=kind, **owner, unfounded_count=count, until=until, created_by=acting_user)
    audit.append(actor=f"user:{acting_user.username}", verb=f"misuse.{'suspended' if until else 'warned'}",
                 object_type="reporter", object_id=str(report.reporter_id),
                 payload={"unfounded": count, "until": until.isoformat() if until else None})
    create_reporter_notice(report, kind=f"misuse_{kind}", extra={
        "count": count, "window_days": settings.MISUSE_WINDOW_DAYS,
        "until": until.strftime("%Y-%m-%d") if until else ""})
    return step
