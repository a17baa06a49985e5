"""The audit tables. They were created by the cases app (migrations cases 0001 and 0004) and keep their names,
so an existing database moves here without copying a row; the triggers that refuse UPDATE and DELETE stay."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """Append-only, hash-chained. hash = SHA-256(prev_hash || canonical(seq, at, actor, verb, object, payload)).

    Written unsealed (seq, prev_hash and hash empty) in the transaction of the change it records; `trail.seal`
    chains it afterwards. The database refuses DELETE, and any UPDATE except sealing an unsealed event once with
    its content unchanged (triggers, migration audit 0002); `abusedesk audit verify` recomputes the chain and
    compares its end with the head row and optional checkpoints. Payloads never contain reporter identity or
    victims' data.
    """

    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200)
    verb = models.CharField(max_length=80)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "cases_auditevent"
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="cases_audit_object__94445d_idx"),
                   models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed_idx")]


class AuditHead(models.Model):
    """One row: the last sequence number and hash; appends lock it, so the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        db_table = "cases_audithead"
