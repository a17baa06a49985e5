"""The console's own tables: who is working a case (claims) and the team's named queues (saved views).

Neither is case state: a claim says who is looking at a case, never what happens to it, so these live in the
console and are written by review/claims.py and review/queues.py (each change audited), not by cases.actions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from abusedesk.common.severity import Severity
from abusedesk.intake.models import Category, Lane


class Claim(models.Model):
    """One analyst working one case. A claim is live until released; at most one live claim per case, enforced by
    the database (`claim_one_live_per_case`), so two analysts can never both hold a case, whatever the timing.
    A live claim without activity for CLAIM_IDLE_MINUTES is expired: still shown, but anyone may take it over."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims")
    claimed_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    # Why it ended: released, taken_over, reassigned, case_closed.
    release_reason = models.CharField(max_length=20, blank=True)
    # The lead who assigned the case to `user`; null when the analyst claimed it.
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(released_at__isnull=True),
                                               name="claim_one_live_per_case")]
        indexes = [models.Index(fields=["user"], condition=models.Q(released_at__isnull=True),
                                name="claim_live_by_user_idx")]

    def __str__(self) -> str:
        return f"claim of C-{self.case_id} by user {self.user_id}"


class Campaign(models.TextChoices):
    ANY = "", "any"
    YES = "yes", "campaigns only"
    NO = "no", "no campaigns"


class SavedQueue(models.Model):
    """A named view of the open cases, shared by the team; blank filters match everything. A case matches a
    category or language when any of its reports does. Leads create and change them; analysts pick theirs
    (`members`), which "next case" takes from."""

    name = models.CharField(max_length=80, unique=True)
    severity = models.CharField(max_length=2, choices=Severity.choices, blank=True)
    lane = models.CharField(max_length=10, choices=Lane.choices, blank=True)
    category = models.CharField(max_length=30, choices=Category.choices, blank=True)
    language = models.CharField(max_length=8, blank=True)
    # PROTECT: a queue for one customer must never widen silently to every customer.
    customer = models.ForeignKey("attribution.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    campaign = models.CharField(max_length=3, choices=Campaign.choices, blank=True)
    min_age_minutes = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="picked_queues")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
