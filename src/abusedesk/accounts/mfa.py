"""Second factor for step-up (TOTP, RFC 6238, with pyotp): enrolled per account, required to re-authenticate
before every approval when the account has a device or ABUSEDESK_APPROVAL_REQUIRE_MFA is on. A code is accepted once:
the step it belongs to is remembered, so replaying a code (even within its 30 s) is refused and logged. Wrong codes
are counted per account (ABUSEDESK_APPROVAL_CODE_FAILURE_RATE, on the shared cache): over the limit, even a right
code is refused until the window ends, so six digits cannot be guessed."""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, TypedDict, cast

import pyotp
from django.conf import settings
from django.db import models, transaction
from django_ratelimit.core import get_usage

from abusedesk.common.fields import EncryptedTextField

if TYPE_CHECKING:
    from abusedesk.accounts.models import User

logger = logging.getLogger("abusedesk.security.mfa")
STEP_SECONDS = 30
# A code proves presence for one approval, made within this many seconds of entering it.
CODE_FRESH_SECONDS = 300


class _Usage(TypedDict):
    """What django-ratelimit's get_usage reports for one key and window."""

    count: int
    limit: int
    should_limit: bool
    time_left: int


class TooManyWrongCodes(PermissionError):
    """Too many wrong codes for this account in the window; `wait` is the seconds until it ends."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"too many wrong one-time codes; try again in {wait} seconds")
        self.wait = wait


class TotpDevice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField()
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "accounts"


def enrol(user: User) -> tuple[TotpDevice, str]:
    """A new device (replacing any old one); returns the otpauth:// URI to show once."""
    secret = pyotp.random_base32()
    TotpDevice.objects.filter(user=user).delete()
    device = TotpDevice.objects.create(user=user, secret=secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name=getattr(user, "username", "user"), issuer_name="abusedesk")
    return device, uri


def _wrong_codes(user: User, *, count: bool) -> _Usage | None:
    ident = f"user:{getattr(user, 'pk', '?')}"
    usage = get_usage(None, group="mfa-code", key=lambda _g, _r: ident, rate=settings.APPROVAL_CODE_FAILURE_RATE,
                      increment=count)
    return cast("_Usage | None", usage)  # django-ratelimit has no type information


def verify(user: User, code: str, *, now: float | None = None) -> bool:
    """True once per code: the current or the previous step, never a step already used. Raises TooManyWrongCodes
    while the account is over the wrong-code limit (checked before the code, so guessing learns nothing)."""
    usage = _wrong_codes(user, count=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        logger.warning("refused a one-time code for user %s: too many wrong codes", getattr(user, "pk", "?"))
        raise TooManyWrongCodes(max(1, int(usage["time_left"])))
    if _check(user, code, now=now):
        return True
    _wrong_codes(user, count=True)
    return False


def _check(user: User, code: str, *, now: float | None) -> bool:
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


def has_device(user: User) -> bool:
    return TotpDevice.objects.filter(user=user).exists()
