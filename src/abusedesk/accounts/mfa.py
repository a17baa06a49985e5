"""Second factor for step-up (TOTP, RFC 6238, with pyotp): enrolled per account, required to re-authenticate
before approving when the account has a device or ABUSEDESK_APPROVAL_REQUIRE_MFA is on. A code is accepted once:
the step it belongs to is remembered, so replaying a code (even within its 30 s) is refused and logged."""

from __future__ import annotations

import logging
import time
import uuid

import pyotp
from django.db import models, transaction

from abusedesk.common.fields import EncryptedTextField

logger = logging.getLogger("abusedesk.security.mfa")
STEP_SECONDS = 30


class TotpDevice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField()
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "accounts"


def enrol(user: object) -> tuple[TotpDevice, str]:
    """A new device (replacing any old one); returns the otpauth:// URI to show once."""
    secret = pyotp.random_base32()
    TotpDevice.objects.filter(user=user).delete()
    device = TotpDevice.objects.create(user=user, secret=secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name=getattr(user, "username", "user"), issuer_name="abusedesk")
    return device, uri


def verify(user: object, code: str, *, now: float | None = None) -> bool:
    """True once per code: the current or the previous step, never a step already used."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return False
        totp = pyotp.TOTP(device.secret)
        moment = time.time() if now is None else now
        current = int(moment // STEP_SECONDS)
        for step in (current, current - 1):
            if totp.at(step * STEP_SECONDS) == code:
                if step <= device.last_step:
                    logger.warning("refused a replayed one-time code for user %s", getattr(user, "pk", "?"))
                    return False
                TotpDevice.objects.filter(pk=device.pk).update(last_step=step)
                return True
    logger.warning("refused a wrong one-time code for user %s", getattr(user, "pk", "?"))
    return False


def has_device(user: object) -> bool:
    return TotpDevice.objects.filter(user=user).exists()
