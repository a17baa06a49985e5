"""A saved queue's filters as one condition on cases, for the keyset queue (review/queue.py), the queue list's
counts and "next case" (review/claims.py), so the three can never disagree about what a queue holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK
from abusedesk.intake.models import Report

if TYPE_CHECKING:
    from abusedesk.review.models import SavedQueue


@dataclass(frozen=True)
class QueueFilter:
    """Blank fields match everything. Category and language match a case when any of its reports has them."""

    severity: str = ""
    lane: str = ""
    category: str = ""
    language: str = ""
    customer_id: uuid.UUID | None = None
    campaign: str = ""  # "yes", "no" or "" (either)
    min_age_minutes: int | None = None
    queue_id: int | None = None  # the saved queue this came from, kept in the queue's links

    @classmethod
    def of(cls, queue: SavedQueue) -> QueueFilter:
        return cls(severity=queue.severity, lane=queue.lane, category=queue.category, language=queue.language,
                   customer_id=queue.customer_id, campaign=queue.campaign, min_age_minutes=queue.min_age_minutes,
                   queue_id=queue.pk)

    def condition(self, now: datetime | None = None) -> Q:
        """The filter as a condition on Case. The ranks are matched beside the severity and lane so that they,
        which lead the queue's indexes, bound the range the database reads."""
        q = Q()
        if self.severity in SEVERITY_RANK:
            q &= Q(severity_rank=SEVERITY_RANK[self.severity], severity=self.severity)
        if self.lane in LANE_RANK:
            q &= Q(lane_rank=LANE_RANK[self.lane], lane=self.lane)
        if self.customer_id is not None:
            q &= Q(customer_id=self.customer_id)
        if self.campaign in {"yes", "no"}:
            q &= Q(campaign_since__isnull=self.campaign == "no")
        if self.min_age_minutes:
            q &= Q(opened_at__lte=(now or timezone.now()) - timedelta(minutes=self.min_age_minutes))
        reports = {key: value for key, value in (("category", self.category), ("language", self.language)) if value}
        if reports:
            q &= Q(Exists(Report.objects.filter(case=OuterRef("pk"), **reports)))
        return q

    def params(self) -> dict[str, str]:
        """What a link must carry to show this filter again."""
        return {"queue": str(self.queue_id)} if self.queue_id is not None else {}


def any_of(filters: list[QueueFilter], now: datetime | None = None) -> Q:
    """Cases in at least one of the queues; every case when there are none."""
    conditions = [item.condition(now) for item in filters]
    if not conditions or any(not condition for condition in conditions):  # a queue without filters holds all
        return Q()
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined
