"""Bookkeeping the job library lacks: worker heartbeats (to hand a dead worker's job to another) and
dead letters (jobs that failed every attempt, visible to operators)."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(db_index=True)


class DeadLetter(models.Model):
    task_path = models.CharField(max_length=300)
    task_result_id = models.CharField(max_length=64)
    attempts = models.PositiveIntegerField()
    error_class = models.CharField(max_length=300)
    error = models.TextField()
    args_kwargs = models.JSONField()
    priority = models.IntegerField(default=0)  # the enqueue-time priority, kept for a retry
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)  # "user:<name>" or "cli" who retried it


class PeriodicSchedule(models.Model):
    """When a periodic job is next due. Workers claim due rows with SKIP LOCKED, so exactly one enqueues."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
