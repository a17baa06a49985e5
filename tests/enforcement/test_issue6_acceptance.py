"""Issue 6's acceptance path in one run: two analysts terminate a customer's service through the console; the
statement of reasons reaches a real local SMTP server in the customer's language; the nginx blocklist reflects
it; the customer's appeal is reviewed by a third analyst; the period's transparency report and DSA statements
include the decision."""

from __future__ import annotations

import email
import json
import re
from datetime import timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abusedesk.appeals.models import Appeal
from abusedesk.attribution.models import Customer
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.cli.main import main
from abusedesk.testing.factories import PASSWORD, report_body
from abusedesk.testing.peers import SmtpSink

from .nginx_edge import Edge

pytestmark = pytest.mark.django_db


def _login(username: str) -> Client:
    client = Client()
    assert client.post("/console/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def _messages_to(sink: SmtpSink, address: str) -> list[Any]:
    return [email.message_from_bytes(m["raw"], policy=policy.default) for m in sink.messages if address in m["to"]]


def test_terminate_notify_block_appeal_and_report(tmp_path: Path, settings: Any, staff: Any, customers: Any,
                                                  post_report: Any, run_jobs: Any, capsys: Any) -> None:
    from abusedesk.enforcement import edge_blocklist

    settings.ENFORCEMENT_ACTIONS = ["console", "edge_blocklist"]
    settings.EDGE_BLOCKLIST_PATH = str(tmp_path / "blocklist.map")
    assert edge_blocklist.sync().done  # nginx refuses to start on a missing include: write the empty map first
    edge = Edge(tmp_path, tmp_path / "blocklist.map")
    sink = SmtpSink()
    try:
        edge.start()
        settings.EDGE_TEST_COMMAND, settings.EDGE_RELOAD_COMMAND = edge.test_command, edge.reload_command
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        Customer.objects.filter(external_id="forum-op").update(language="es")
        post_report(report_body(explanation="Han publicado su dirección y piden que alguien vaya.", language="es"))
        run_jobs()
        case = Case.objects.get()
        policy_clause = PolicyClause.objects.get(code="threats-to-life")

        ana, cho, ben = _login("ana"), _login("cho"), _login("ben")
        ana.post(f"/console/cases/{case.pk}/decide/", {"outcome": "terminate_service", "policy": policy_clause.pk,
                                                        "reasoning": "Amenaza creíble con dirección.", "facts": "x"})
        decision = Decision.objects.get()
        cho.post(f"/console/decisions/{decision.pk}/approve/")
        run_jobs()
        assert Decision.objects.get().status == "effective"

        [statement] = [m for m in _messages_to(sink, "owner@forum.test") if "Declaración de motivos" in m["subject"]]
        body = statement.get_body().get_content()
        assert "Terminación de nuestro servicio" in body and "resolución extrajudicial" in body
        assert edge.wait_for("forum.test", 451) == 451
        assert edge.wait_for("other.test", 200) == 200

        token = re.search(r"/es/appeal/([\w-]+)/", body)
        assert token
        Client().post(f"/es/appeal/{token.group(1)}/", {"grounds": "Hemos retirado el hilo; pedimos revisión."})
        appeal = Appeal.objects.get()
        refused = cho.post(f"/console/appeals/{appeal.pk}/review/", {"outcome": "upheld", "reasoning": "x"})
        assert refused.status_code == 302 and Appeal.objects.get().status == "pending"  # cho took part
        ben.post(f"/console/appeals/{appeal.pk}/review/", {"outcome": "rejected",
                                                           "reasoning": "La amenaza sigue publicada."})
        run_jobs()
        assert Appeal.objects.get().status == "rejected" and Appeal.objects.get().reviewed_by == staff["ben"]
        assert any("apelación" in m["subject"].lower() for m in _messages_to(sink, "owner@forum.test"))

        today = timezone.now().date()
        out = tmp_path / "transparency"
        assert main(["transparency", "build", "--from", str(today - timedelta(days=1)), "--to", str(today),
                     "--out", str(out), "--min-count", "1"]) == 0
        report = json.loads((out / "report.json").read_text())
        outcomes = next(t for t in report["tables"] if t["name"] == "actions_by_outcome")
        assert {r["key"]: r["display"] for r in outcomes["rows"]}["terminate_service"] == "1"
        statements = json.loads((out / "dsa-statements" / "batch-0001.json").read_text())["statements"]
        assert [s["puid"] for s in statements] == [f"abusedesk-decision-{decision.pk}"]
        assert statements[0]["decision_provision"] == "DECISION_PROVISION_TOTAL_TERMINATION"
    finally:
        edge.stop()
        sink.close()
