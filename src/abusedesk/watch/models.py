"""Threads a case watches: re-fetched on a schedule through the safe fetcher, split into posts; only new posts
are analysed, building a per-target timeline that the escalation rule reads."""

from __future__ import annotations

import uuid

from django.db import models

from abusedesk.common.fields import EncryptedTextField


class WatchedThread(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="watches")
    url = models.TextField()
    interval_seconds = models.PositiveIntegerField(default=1800)
    active = models.BooleanField(default=True)
    next_fetch_at = models.DateTimeField(db_index=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "url"], name="watch_once_per_case")]


class WatchedPost(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(WatchedThread, on_delete=models.CASCADE, related_name="posts")
    index = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    author = EncryptedTextField(default="")
    posted_at = models.CharField(max_length=40, blank=True)
    text = EncryptedTextField()
    text_sha256 = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField()
    labels = models.JSONField(default=list)
    span_types = models.JSONField(default=list)
    location = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "fingerprint"], name="post_once_per_thread")]
        ordering = ["first_seen_at", "index"]
