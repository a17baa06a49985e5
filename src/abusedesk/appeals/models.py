"""Appeals against decisions (DSA Art. 20): customers and reporters contest within six months through the
link in their notice; a person who took no part in the decision reviews; an upheld appeal reverses actions."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models

from abusedesk.common.fields import EncryptedTextField


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AppealInvite(models.Model):
    """The secret link in a notice. Only its hash is stored; the link is the appellant's credential."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    decision = models.ForeignKey("cases.Decision", on_delete=models.CASCADE, related_name="appeal_invites")
    role = models.CharField(max_length=10)  # customer | reporter
    report = models.ForeignKey("intake.Report", null=True, blank=True, on_delete=models.CASCADE)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    @classmethod
    def issue(cls, *, decision: object, role: str, report: object | None = None) -> tuple[AppealInvite, str]:
        token = secrets.token_urlsafe(24)
        invite = cls.objects.create(decision=decision, role=role, report=report, token_hash=hash_token(token))
        return invite, token


class AppealStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    UPHELD = "upheld", "Upheld (decision reversed)"
    REJECTED = "rejected", "Rejected (decision stands)"


class Appeal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    decision = models.ForeignKey("cases.Decision", on_delete=models.PROTECT, related_name="appeals")
    invite = models.OneToOneField(AppealInvite, on_delete=models.PROTECT, related_name="appeal")
    role = models.CharField(max_length=10)
    grounds = EncryptedTextField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reasoning = models.TextField(blank=True)
