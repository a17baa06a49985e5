"""Suspensions of intake from reporters who frequently submit manifestly unfounded notices (DSA Art. 23)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MisuseStep(models.Model):
    """A warning or a suspension for one reporter (identified by the e-mail blind index or an API token)."""

    WARNING, SUSPENSION = "warning", "suspension"
    kind = models.CharField(max_length=12, choices=[(WARNING, "Warning"), (SUSPENSION, "Suspension")])
    email_index = models.CharField(max_length=64, blank=True, db_index=True)
    token = models.ForeignKey("accounts.ApiToken", null=True, blank=True, on_delete=models.CASCADE)
    unfounded_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
