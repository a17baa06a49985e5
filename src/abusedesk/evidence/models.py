"""A capture of a reported URL with its chain of custody. Bodies and extracted text contain victims'
data, so both are encrypted at rest; their SHA-256 hashes are over the plaintext as fetched."""

from __future__ import annotations

import uuid

from django.db import models

from abusedesk.common.fields import EncryptedBinaryField, EncryptedTextField


class CaptureStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CAPTURED = "captured", "Captured"
    BLOCKED = "blocked", "Blocked by fetch policy"
    FAILED = "failed", "Failed"


class Evidence(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(
        "intake.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    url = models.TextField()
    status = models.CharField(max_length=10, choices=CaptureStatus.choices, default=CaptureStatus.PENDING)
    # Machine-readable reason when blocked or failed (e.g. "blocked_address:loopback").
    reason = models.CharField(max_length=200, blank=True)
    final_url = models.TextField(blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    resolved_ip = models.GenericIPAddressField(null=True, blank=True)
    redirect_chain = models.JSONField(default=list)
    headers = models.JSONField(default=dict)
    truncated = models.BooleanField(default=False)
    # True once no further capture attempt will be made (captured, blocked, or failed for the last time).
    settled = models.BooleanField(default=False)
    body = EncryptedBinaryField(null=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    text = EncryptedTextField(null=True)
    text_sha256 = models.CharField(max_length=64, blank=True)
    # Chain of custody: who or what fetched it, when, from where.
    fetched_by = models.CharField(max_length=200, blank=True)
    fetched_from = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # This report's URL was covered by that capture of the same URL in the same case (evidence/reuse.py): the row
    # has no fetch and no bytes of its own; once that capture settles, its final state is copied here (no body or
    # text: they are read from the capture). None for a capture of its own. RESTRICT: a capture that other rows
    # point at is deleted only together with them (deleting all of a case's reports), never left dangling.
    same_as = models.ForeignKey("self", null=True, blank=True, on_delete=models.RESTRICT, related_name="covers")

    class Meta:
        # The captures a new report may reuse are looked up by case among the rows that are captures of their own.
        indexes = [models.Index(fields=["case", "created_at"], condition=models.Q(same_as__isnull=True),
                                name="evidence_own_capture_idx")]

    def __str__(self) -> str:
        return f"evidence {self.id} ({self.status})"


class RunState(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"


class AssessmentRun(models.Model):
    """Progress of one `abusedesk assess --case` run, written by the command about every 2 seconds so that the case
    page can show it (assess/progress.py). A row still `running` whose `updated_at` stopped moving is a run that
    died without saying so (killed, machine lost): the page shows it as interrupted, and the job workers' periodic
    `close_stale_runs` closes it as such with its end event (assess/progress.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessment_runs")
    state = models.CharField(max_length=12, choices=RunState.choices, default=RunState.RUNNING)
    posts = models.PositiveBigIntegerField(default=0)  # posts read
    scored = models.PositiveBigIntegerField(default=0)  # unique texts scored in this run
    posts_per_s = models.FloatField(default=0.0)
    fraction = models.FloatField(default=0.0)  # share of the input bytes read and scored
    eta_s = models.FloatField(null=True, blank=True)
    started_by = models.CharField(max_length=200)
    engine = models.CharField(max_length=200)
    checkpoint = models.TextField(blank=True)  # the --checkpoint file, to resume from
    sources = models.JSONField(default=list)  # the input files' names
    input_sha256 = models.JSONField(default=list)  # each input's SHA-256, once hashed (for the audit events)
    error = models.CharField(max_length=300, blank=True)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "started_at"], name="assessment_run_case_idx"),
                   # close_stale_runs reads the running rows every minute: a small partial index keeps that cheap
                   models.Index(fields=["updated_at"], condition=models.Q(state="running"),
                                name="assessment_run_running_idx")]

    def __str__(self) -> str:
        return f"assessment run {self.id} ({self.state})"
