"""Referral packets to law enforcement, prepared at S0 (not sent: a person reviews and sends them)."""

from __future__ import annotations

import uuid

from django.db import models

from abusedesk.common.fields import EncryptedTextField


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals")
    jurisdiction = models.CharField(max_length=20)
    authority = models.CharField(max_length=300)
    contact = models.CharField(max_length=300, blank=True)
    basis = models.CharField(max_length=500, blank=True)
    dsa_article_18 = models.BooleanField(default=False)
    # The packet holds victims' data (content, location): encrypted JSON.
    packet = EncryptedTextField()
    status = models.CharField(max_length=10, default="draft")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "jurisdiction"], name="referral_once_per_place")]
