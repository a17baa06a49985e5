"""SECURITY-TESTS confidentiality and access cases not covered next to their features: raw database files
hold no plaintext identity, deployment checks are clean, concurrent approvals execute once, no PATCH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from abusedesk.testing.factories import report_body

CANARY = ("Yolanda Vexcanary", "vex-canary-31@reporters.test", "+34 911 555 0101")


def _canary_body() -> dict[str, Any]:
    return report_body(reporter={"name": CANARY[0], "email": CANARY[1], "phone": CANARY[2], "kind": "individual"},
                       explanation=f"Victim lives at 7 Canary Wharf Mews; reporter {CANARY[0]}.")


def test_sqlite_file_holds_no_plaintext_identity_or_victim_data(tmp_path: Path) -> None:
    """The embedded default's database file, read as bytes, never contains the canary (SECURITY-TESTS 35)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env.update(ABUSEDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="abusedesk.settings")
    script = (
        "import django, json, sys; django.setup()\n"
        "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
        "from abusedesk.intake.schema import parse_report; from abusedesk.intake.service import accept\n"
        "raw = sys.stdin.buffer.read(); accept(parse_report(raw), channel='api', raw=raw,"
        " content_type='application/json', client_ip='203.0.113.9')\n"
        "from abusedesk.jobs.worker import run_pending_jobs; run_pending_jobs()\n"
    )
    import json

    subprocess.run([sys.executable, "-c", script], input=json.dumps(_canary_body()).encode(), env=env,
                   check=True, timeout=120)
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("abusedesk.sqlite3*"))
    assert blob, "no database file written"
    for token in ("Vexcanary", "vex-canary-31", "911 555 0101", "Canary Wharf"):
        assert token.encode() not in blob, token
        assert token.encode("utf-16-le") not in blob, token


@pytest.mark.django_db(transaction=True)
def test_pg_dump_holds_no_plaintext_identity(post_report: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump needs PostgreSQL; the SQLite file is checked by the test above")
    from abusedesk.jobs.worker import run_pending_jobs

    assert shutil.which("pg_dump"), "pg_dump is missing: install postgresql-client"
    post_report(_canary_body())
    run_pending_jobs()
    s = connection.settings_dict
    dump = subprocess.run(["pg_dump", "-h", s["HOST"], "-p", str(s["PORT"]), "-U", s["USER"], s["NAME"]],
                          capture_output=True, check=True, timeout=120).stdout
    assert b"intake_reporter" in dump
    for token in ("Vexcanary", "vex-canary-31", "911 555 0101", "Canary Wharf"):
        assert token.encode() not in dump, token


def test_deployment_checks_are_clean_with_production_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env.update(ABUSEDESK_DATA_DIR=str(tmp_path), ABUSEDESK_SECURE_COOKIES="1", ABUSEDESK_SSL_REDIRECT="1",
               ABUSEDESK_SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-0123456789",
               ABUSEDESK_ALLOWED_HOSTS="abuse.example.net", DJANGO_SETTINGS_MODULE="abusedesk.settings")
    result = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_there_is_no_patch_or_delete_on_reports(client: Any, post_report: Any, staff_token: str) -> None:
    report_id = post_report().json()["id"]
    for method in ("patch", "put", "delete"):
        response = getattr(client, method)(f"/api/v1/reports/{report_id}", data='{"status": "closed"}',
                                           content_type="application/json",
                                           HTTP_AUTHORIZATION=f"Bearer {staff_token}")
        assert response.status_code == 405, method


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_execute_once(staff: Any, customers: Any, post_report: Any) -> None:
    if connection.vendor == "sqlite" and "memory" in connection.settings_dict["NAME"]:
        pytest.skip("real concurrency needs PostgreSQL")
    from abusedesk.accounts.models import User
    from abusedesk.audit import trail as audit
    from abusedesk.audit.models import AuditEvent
    from abusedesk.cases import actions
    from abusedesk.cases.models import Action, Case, Decision, PolicyClause
    from abusedesk.jobs.worker import run_pending_jobs

    post_report()
    run_pending_jobs()
    case = Case.objects.get()
    policy = PolicyClause.objects.get(code="threats-to-life")
    decision = actions.do_decide(case, actions.DecisionInput(outcome="terminate_service", policy_id=policy.pk,
                                                             reasoning="x"), acting_user=staff["ana"])
    approvers = [User.objects.create_user(username=f"a{i}", password="x", role="analyst") for i in range(20)]
    outcomes: list[str] = []

    def approve(user: Any) -> None:
        try:
            actions.do_approve(decision, acting_user=user, authenticated_at=timezone.now())
            outcomes.append("ok")
        except actions.ActionRefused as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    assert Decision.objects.get().status == "effective"
    assert Action.objects.count() == 1
    assert AuditEvent.objects.filter(verb="decision.effective").count() == 1
    assert audit.verify().ok
