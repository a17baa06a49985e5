"""Intake's per-request look-ups are cached, and the cache never outlives a revocation, a deactivation or a step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abusedesk.accounts import tokens
from abusedesk.accounts.models import ApiToken, TokenKind, User
from abusedesk.cli.main import main
from abusedesk.misuse.models import MisuseStep
from abusedesk.misuse.policy import active_suspension

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagger() -> tuple[ApiToken, str]:
    user = User.objects.create_user(username="flagger", password="x" * 16, role="analyst")
    return ApiToken.issue(user=user, kind=TokenKind.TRUSTED_FLAGGER, label="cert")


def test_a_token_is_read_once_then_from_the_cache(flagger: tuple[ApiToken, str]) -> None:
    token, secret = flagger
    assert tokens.resolve(secret) == token
    with CaptureQueriesContext(connection) as queries:
        assert tokens.resolve(secret) == token
    assert len(queries) == 0


def test_revoking_a_token_stops_it_on_the_next_request(flagger: tuple[ApiToken, str], capsys: Any) -> None:
    token, secret = flagger
    assert tokens.resolve(secret) is not None
    assert main(["token", "revoke", str(token.pk)]) == 0
    assert tokens.resolve(secret) is None
    assert main(["token", "revoke", str(token.pk)]) == 2  # already revoked: says so, changes nothing
    assert "already revoked" in capsys.readouterr().err


def test_deactivating_the_owner_stops_the_token(flagger: tuple[ApiToken, str]) -> None:
    token, secret = flagger
    assert tokens.resolve(secret) is not None
    token.user.is_active = False
    token.user.save()
    assert tokens.resolve(secret) is None


def test_an_unknown_secret_is_refused_and_a_bad_id_is_named(capsys: Any) -> None:
    assert tokens.resolve("adk_not-a-token") is None
    assert main(["token", "revoke", "nonsense"]) == 2
    assert "token_id" in capsys.readouterr().err


def test_a_new_suspension_applies_at_once_despite_the_cached_none(flagger: tuple[ApiToken, str]) -> None:
    token, _secret = flagger
    assert active_suspension(email_index="idx-1", token=token) is None  # cached: nobody is suspended
    with CaptureQueriesContext(connection) as queries:
        assert active_suspension(email_index="idx-1", token=token) is None
    assert len(queries) == 0
    step = MisuseStep.objects.create(kind=MisuseStep.SUSPENSION, token=token, unfounded_count=5,
                                     until=timezone.now() + timedelta(days=7))
    assert active_suspension(email_index="idx-1", token=token) == step
    step.lifted_at = timezone.now()
    step.save()
    assert active_suspension(email_index="idx-1", token=token) is None
