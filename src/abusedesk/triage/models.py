"""Who a campaign is about (Target, linked to every case that concerns them) and on-call paging."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from abusedesk.common.fields import EncryptedTextField


class Target(models.Model):
    """A person targeted across sites. The name is a victim's datum: encrypted, found by a blind index."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = EncryptedTextField()
    aliases = EncryptedTextField(default="[]")  # JSON list
    # Blind indexes of the normalised name and each alias ("|"-separated, with leading/trailing "|").
    keys = models.TextField(db_index=True)
    cases = models.ManyToManyField("cases.Case", related_name="targets", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class OnCallShift(models.Model):
    """Who is paged, in order, while the shift lasts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "starts_at"]


class Page(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="pages")
    severity = models.CharField(max_length=2)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    paged_users = models.JSONField(default=list)
    delivered = models.JSONField(default=dict)  # channel -> first delivery time (ISO) for the latency record
    trigger = models.JSONField(default=dict)  # what raised it, e.g. {"url": ..., "post_index": 7}
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
