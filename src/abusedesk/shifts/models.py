"""What an analyst saw this shift, their own viewing preferences, and their requests to rotate off a queue.

These rows are about staff, not about cases: they hold case and evidence ids as plain values (no foreign keys),
so the wellness record neither keeps a case alive nor disappears with one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from abusedesk.common.fields import EncryptedTextField


class WellnessProfile(models.Model):
    """One per analyst: preferences, when the current shift began and the current run of work without a break."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wellness")
    # Evidence images start blurred and greyscale until the analyst chooses to look (the default, kept on unless
    # the analyst turns it off); `keep_greyscale` leaves a revealed image grey.
    blur_media = models.BooleanField(default=True)
    keep_greyscale = models.BooleanField(default=False)
    # The current shift and what was seen in it, kept here so that every console page reads one row (the
    # Exposure rows below hold the detail for the leads' page). A shift begins at a log-in and lasts at most
    # SHIFT_HOURS; a log-in inside a shift continues it.
    shift_started_at = models.DateTimeField(null=True, blank=True)
    shift_case_views = models.PositiveIntegerField(default=0)
    shift_reveals = models.PositiveIntegerField(default=0)
    nudge_snoozed_until = models.DateTimeField(null=True, blank=True)


class ExposureKind(models.TextChoices):
    CASE_VIEW = "case_view", "Case opened"
    IMAGE_REVEAL = "image_reveal", "Image revealed"


class Exposure(models.Model):
    """One harmful item seen: a case in one of the most harmful categories opened, or an evidence image shown
    unblurred. `category` is the case's most harmful category ("" for an image in a case outside them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exposures")
    kind = models.CharField(max_length=20, choices=ExposureKind.choices)
    category = models.CharField(max_length=30, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    evidence_id = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "at"], name="exposure_user_at_idx"),
                   models.Index(fields=["at"], name="exposure_at_idx")]


class RotationRequest(models.Model):
    """"Rotate me off this queue": filed by an analyst, seen and marked handled by a lead. The note may be
    personal, so it is encrypted at rest and never written to the audit trail (which records ids only)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rotation_requests")
    queue = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=30, blank=True)
    note = EncryptedTextField(default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        indexes = [models.Index(fields=["handled_at", "created_at"], name="rotation_open_idx")]
