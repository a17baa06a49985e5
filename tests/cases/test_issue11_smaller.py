"""Smaller holes: numeric hosts validated as names, CR/LF in the phone, protection changed before approval,
unparsable audit rows, and the audit page recomputing the whole chain on every load."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from abusedesk.attribution.models import Customer
from abusedesk.audit import trail as audit
from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision, DecisionStatus, PolicyClause
from abusedesk.cli.main import main
from abusedesk.testing.factories import PASSWORD, report_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(customers: Any, post_report: Any, run_jobs: Any, settings: Any) -> Case:
    settings.PIPELINE_AFTER_FILING = []  # these tests are about approvals, not detection or evidence
    post_report(report_body())
    run_jobs()
    return Case.objects.get()


@pytest.mark.parametrize("url", ["http://1.0x1/", "http://0x7f.1/x", "http://127.1/", "http://2130706433/",
                                 "http://a.0x10/", "http://example.\uff11\uff12\uff13/", "http://foo.09/"])
def test_a_host_the_fetcher_reads_as_an_ip_is_never_accepted_as_a_name(post_report: Any, url: str) -> None:
    from abusedesk.net import parse_url
    from abusedesk.net.errors import FetchBlocked

    with contextlib.suppress(FetchBlocked):  # refused outright, or read as an address: never as a name
        assert parse_url(url).ip is not None
    response = post_report(report_body(urls=[url]))
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [{"field": "urls.0", "problem": "has a host that looks like an IP address "
                                                                         "written in an unusual form"}]


def test_an_ip_literal_host_matches_ip_ranges_not_names(db: Any) -> None:
    from abusedesk.attribution.importer import import_records
    from abusedesk.attribution.resolve import match_host

    import_records([{"id": "net", "name": "Net Co", "properties": [{"ip_range": "203.0.113.0/24",
                                                                    "services": ["hosting"]}]}], actor="test")
    assert match_host("203.0.113.7") is not None
    assert match_host("203.0.113.7").customer.name == "Net Co"  # type: ignore[union-attr]


@pytest.mark.parametrize("phone", ["+34 600\r\nBcc: x@y.test", "600\n1", "600\x00"])
def test_line_breaks_and_nul_in_the_phone_are_refused(post_report: Any, phone: str) -> None:
    body = report_body()
    body["reporter"]["phone"] = phone
    response = post_report(body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["reporter.phone"]


def test_protection_granted_after_a_decision_voids_the_approval(case: Case, staff: Any) -> None:
    policy = PolicyClause.objects.get(code="threats-to-life", version=1)
    decision = actions.do_decide(case, actions.DecisionInput(outcome="suspend_service", policy_id=policy.pk,
                                                             reasoning="Credible threat."), acting_user=staff["ana"])
    assert not decision.requires_senior
    Customer.objects.filter(pk=case.customer_id).update(protected=True)
    with pytest.raises(actions.ActionRefused, match="has changed"):
        actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    assert Decision.objects.get().status == DecisionStatus.VOIDED
    from abusedesk.audit.models import AuditEvent

    voided = AuditEvent.objects.get(verb="decision.voided")
    assert voided.payload == {"reason": "customer protection changed after decision"}


def _events(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            audit.append(actor="test", verb="thing.happened", object_type="thing", object_id=str(i), payload={"i": i})
    audit.seal()


def _as_superuser(sql: str, value: str) -> None:
    """What someone with database superuser rights could do: bypass the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE cases_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, [value])
            cursor.execute("ALTER TABLE cases_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
            cursor.execute(sql, [value])


def test_audit_verify_reports_an_unparsable_row_instead_of_crashing(capsys: Any) -> None:
    _events(4)
    # a time the driver cannot turn into a datetime (PostgreSQL), or that is no time at all (SQLite's text)
    _as_superuser("UPDATE cases_auditevent SET at = %s WHERE seq = 2",
                  "infinity" if connection.vendor == "postgresql" else "not a time")
    result = audit.verify()
    assert not result.ok and result.first_broken_seq == 2
    assert any("seq 2: cannot be read" in p for p in result.problems), result.problems
    assert main(["audit", "verify"]) == 1
    assert "seq 2: cannot be read" in capsys.readouterr().out


def test_the_audit_page_does_not_recompute_the_whole_chain_on_each_load(staff: Any, monkeypatch: Any) -> None:
    _events(30)
    root = Client()
    root.post("/console/login/", {"username": "root", "password": PASSWORD})
    hashed: list[int] = []
    real = audit.event_hash
    monkeypatch.setattr(audit, "event_hash", lambda **kw: hashed.append(kw["seq"]) or real(**kw))
    assert root.get("/console/audit/").status_code == 200
    assert hashed[:1] == [1] and len(hashed) >= 30  # the first load checks everything
    _events(1)
    hashed.clear()
    page = root.get("/console/audit/")
    assert page.status_code == 200 and b"Chain verified" in page.content
    from abusedesk.audit.models import AuditEvent

    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)[0]
    assert hashed[:1] == [last] and len(hashed) == 1  # then only what was appended since
    assert f"last seq {last}".encode() in page.content


def test_the_audit_page_still_sees_an_old_event_changed_after_its_last_full_check(staff: Any,
                                                                                  monkeypatch: Any) -> None:
    _events(5)
    root = Client()
    root.post("/console/login/", {"username": "root", "password": PASSWORD})
    assert b"Chain verified" in root.get("/console/audit/").content
    _as_superuser("UPDATE cases_auditevent SET actor = %s WHERE seq = 2", "forged")
    monkeypatch.setattr(audit, "FULL_CHECK_SECONDS", 0)  # the hour has passed
    page = root.get("/console/audit/").content.decode()
    assert "The chain does not verify" in page and "seq 2: content does not match its hash" in page


def test_the_purge_switch_does_not_let_a_role_without_delete_purge(db: Any) -> None:
    """docs/security.md: with DELETE and TRUNCATE revoked, setting the switch does not help the application role."""
    if connection.vendor != "postgresql":
        pytest.skip("roles and privileges are PostgreSQL's")
    from django.db import DatabaseError

    _events(2)
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE abusedesk_app_probe NOLOGIN")
        cursor.execute("GRANT SELECT, INSERT ON cases_auditevent TO abusedesk_app_probe")
        cursor.execute("SET abusedesk.audit_purge = 'allowed'")
        cursor.execute("SET ROLE abusedesk_app_probe")
        try:
            for statement in ("DELETE FROM cases_auditevent", "TRUNCATE cases_auditevent"):
                with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                    cursor.execute(statement)
        finally:
            cursor.execute("RESET ROLE")
    assert audit.verify().ok and audit.verify().events == 2
