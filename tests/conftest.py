"""Shared fixtures. The suite runs twice: on SQLite (embedded default) and, with ABUSEDESK_TEST_DB=postgres,
on PostgreSQL + Redis; the second pass runs only the tests that touch the database."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from abusedesk.testing.factories import PASSWORD, make_user, report_body

ON_POSTGRES = os.environ.get("ABUSEDESK_TEST_DB") == "postgres"
DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
DEMO = Path(__file__).resolve().parent.parent / "src" / "abusedesk" / "cli" / "demo_data.json"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    keep, drop = [], []
    for item in items:
        uses_db = bool(DB_FIXTURES & set(getattr(item, "fixturenames", ()))) or item.get_closest_marker("django_db")
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Let the test harness reset the audit table between transactional tests (see cases migration 0003)."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO abusedesk_audit_guard (allow_purge) VALUES (1)")


@pytest.fixture(scope="session", autouse=True)
def _postgres_purge_allowed() -> Iterator[None]:
    """On PostgreSQL, let the harness TRUNCATE the append-only audit table between transactional tests: every
    test connection sets the session flag the trigger checks (the append-only tests clear it with SET LOCAL).
    Connected for the whole session, because pytest-django flushes after function-scoped fixtures are gone."""
    if not ON_POSTGRES:
        yield
        return
    from django.db.backends.signals import connection_created

    def allow(sender: Any, connection: Any, **kwargs: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET abusedesk.audit_purge = 'allowed'")

    connection_created.connect(allow, weak=False, dispatch_uid="audit-purge")
    yield
    connection_created.disconnect(dispatch_uid="audit-purge")


@pytest.fixture(autouse=True)
def _clear_cache(settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def policies(db: Any) -> int:
    """The seeded policy catalogue (transactional tests flush the migration's seed rows)."""
    from abusedesk.cases.policies import load_catalogue

    return load_catalogue()


@pytest.fixture
def staff(policies: int) -> dict[str, Any]:
    return {name: make_user(name, role) for name, role in (
        ("ana", "analyst"), ("ben", "senior_analyst"), ("cho", "analyst"), ("aud", "auditor"),
        ("root", "admin"))}


@pytest.fixture
def staff_token(staff: dict[str, Any]) -> str:
    from abusedesk.accounts.models import ApiToken

    return ApiToken.issue(user=staff["ana"], kind="staff")[1]


@pytest.fixture
def flagger_token(staff: dict[str, Any]) -> str:
    from abusedesk.accounts.models import ApiToken, User

    user = User.objects.create_user(username="flagger-org", password=PASSWORD, role="auditor")
    return ApiToken.issue(user=user, kind="trusted_flagger")[1]


@pytest.fixture
def customers(db: Any) -> Any:
    from abusedesk.attribution.importer import import_records

    return import_records(json.loads(DEMO.read_text())["customers"], actor="test")


@pytest.fixture
def post_report(client: Any) -> Any:
    def post(body: Any = None, *, raw: bytes | None = None, token: str | None = None, key: str | None = None,
             content_type: str = "application/json", **extra: Any) -> Any:
        headers = dict(extra)
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if key:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        data = raw if raw is not None else json.dumps(body if body is not None else report_body()).encode()
        return client.post("/api/v1/reports", data=data, content_type=content_type, **headers)

    return post


@pytest.fixture
def run_jobs(db: Any) -> Any:
    from abusedesk.jobs.worker import run_pending_jobs

    return run_pending_jobs
