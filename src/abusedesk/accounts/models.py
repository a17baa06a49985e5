"""Staff accounts with one role each, and API tokens (staff tokens and trusted-flagger tokens).

Roles (enforced server-side in review/access.py and api/auth.py):
- analyst: works the queue and decides cases;
- senior_analyst: also approves decisions about protected customers;
- admin: everything, plus users and tokens;
- auditor: reads cases and the audit trail, changes nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ANALYST = "analyst", "Analyst"
    SENIOR_ANALYST = "senior_analyst", "Senior analyst"
    ADMIN = "admin", "Administrator"
    AUDITOR = "auditor", "Auditor"


DECIDING_ROLES = frozenset({Role.ANALYST, Role.SENIOR_ANALYST, Role.ADMIN})
SENIOR_ROLES = frozenset({Role.SENIOR_ANALYST, Role.ADMIN})
READING_ROLES = frozenset({Role.ANALYST, Role.SENIOR_ANALYST, Role.ADMIN, Role.AUDITOR})


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.ANALYST)

    @property
    def can_decide(self) -> bool:
        return self.is_active and self.role in DECIDING_ROLES

    @property
    def is_senior(self) -> bool:
        return self.is_active and self.role in SENIOR_ROLES

    @property
    def can_read_cases(self) -> bool:
        return self.is_active and self.role in READING_ROLES


class TokenKind(models.TextChoices):
    STAFF = "staff", "Staff (reads reports and cases with the owner's role)"
    TRUSTED_FLAGGER = "trusted_flagger", "Trusted flagger (submits with priority)"
    AUTHORITY = "authority", "Authority (submits orders, DSA Art. 9)"


TOKEN_PREFIX = "adk_"  # noqa: S105 - a public prefix, not a secret


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the secret is shown once at creation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    kind = models.CharField(max_length=20, choices=TokenKind.choices, default=TokenKind.STAFF)
    label = models.CharField(max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} token {self.label or self.id}"

    @classmethod
    def issue(cls, *, user: User, kind: str, label: str = "") -> tuple[ApiToken, str]:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, kind=kind, label=label, token_hash=hash_token(secret))
        return token, secret


from abusedesk.accounts.mfa import TotpDevice  # noqa: E402 - registers the model with this app

__all__ = ["ApiToken", "Role", "TotpDevice", "User"]
