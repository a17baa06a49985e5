"""Issue 11: with ABUSEDESK_APPROVAL_REQUIRE_MFA every approval needs a fresh one-time code (a recent log-in is not
enough), users without a device cannot approve, and wrong codes are rate-limited per account."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from abusedesk.accounts import mfa
from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.testing.factories import PASSWORD, report_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(customers: Any, post_report: Any, run_jobs: Any, staff: Any, settings: Any) -> Decision:
    settings.APPROVAL_REQUIRE_MFA = True
    post_report(report_body())
    run_jobs()
    mail.outbox.clear()
    policy = PolicyClause.objects.get(code="threats-to-life")
    return actions.do_decide(Case.objects.get(), actions.DecisionInput(
        outcome="terminate_service", policy_id=policy.pk, reasoning="Credible threat."), acting_user=staff["ana"])


def _logged_in(username: str) -> Client:
    client = Client()
    assert client.post("/console/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def _totp(user: Any) -> pyotp.TOTP:
    mfa.enrol(user)
    return pyotp.TOTP(mfa.TotpDevice.objects.get(user=user).secret)


def test_a_fresh_log_in_does_not_replace_the_code(decision: Decision, staff: Any) -> None:
    totp = _totp(staff["cho"])
    cho = _logged_in("cho")  # logged in a moment ago, with the password only
    response = cho.post(f"/console/decisions/{decision.pk}/approve/")
    assert "/console/reauth/" in response["Location"]
    assert Decision.objects.get().status == "awaiting_approval"
    assert cho.post("/console/reauth/", {"password": PASSWORD, "code": totp.now(), "next": "/"}).status_code == 302
    cho.post(f"/console/decisions/{decision.pk}/approve/")
    assert Decision.objects.get().status == "effective"
    assert "abusedesk_code_at" not in cho.session  # spent: the next approval needs a new code


def test_each_approval_needs_its_own_recent_code(decision: Decision, staff: Any) -> None:
    _totp(staff["cho"])
    now = timezone.now()
    with pytest.raises(actions.ReauthenticationRequired, match="fresh one-time code"):
        actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=now)
    with pytest.raises(actions.ReauthenticationRequired):
        actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=now,
                           second_factor_at=now - timezone.timedelta(seconds=mfa.CODE_FRESH_SECONDS + 5))
    actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=now, second_factor_at=now)
    assert Decision.objects.get().status == "effective"


def test_without_a_device_nobody_approves(decision: Decision, staff: Any) -> None:
    cho = _logged_in("cho")
    cho.post(f"/console/decisions/{decision.pk}/approve/")
    assert Decision.objects.get().status == "awaiting_approval"
    with pytest.raises(actions.ActionRefused, match="second factor"):
        actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now(),
                           second_factor_at=timezone.now())
    refused = cho.post("/console/reauth/", {"password": PASSWORD, "code": "123456", "next": "/"})
    assert refused.status_code == 400 and "second factor" in refused.content.decode()


def test_wrong_codes_are_rate_limited(decision: Decision, staff: Any, settings: Any, caplog: Any) -> None:
    settings.APPROVAL_CODE_FAILURE_RATE = "3/15m"
    totp = _totp(staff["cho"])
    cho = _logged_in("cho")
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    for _ in range(3):
        assert cho.post("/console/reauth/", {"password": PASSWORD, "code": wrong, "next": "/"}).status_code == 400
    locked = cho.post("/console/reauth/", {"password": PASSWORD, "code": totp.now(), "next": "/"})
    assert locked.status_code == 400 and "Too many wrong one-time codes" in locked.content.decode()
    assert "too many wrong codes" in caplog.text
    cho.post(f"/console/decisions/{decision.pk}/approve/")
    assert Decision.objects.get().status == "awaiting_approval"
    with pytest.raises(mfa.TooManyWrongCodes):
        mfa.verify(staff["cho"], totp.now())
    assert mfa.verify(staff["ben"], "000000") is False  # counted per account: others are not locked out
