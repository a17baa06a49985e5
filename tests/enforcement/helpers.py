"""Shared pieces for the enforcement tests: a case to decide on, a control-plane receiver, decisions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.testing.factories import report_body


class ControlPlane:
    """A loopback HTTP server standing in for the provider's control plane.

    It answers each POST with the next status of `statuses` (the last one repeats) and keeps every request.
    """

    def __init__(self, statuses: Iterable[int] = (200,)) -> None:
        self.statuses = list(statuses)
        self.calls: list[dict[str, Any]] = []
        plane = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                plane.calls.append({"headers": dict(self.headers), "body": body, "json": json.loads(body)})
                status = plane.statuses[min(len(plane.calls), len(plane.statuses)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def open_case(post_report: Any, run_jobs: Any) -> Case:
    """One report about forum.test (a proxied domain of the demo customer `forum-op`), filed into a case."""
    response = post_report(report_body())
    assert response.status_code == 201, response.content
    run_jobs()
    return Case.objects.get()


def decide(case: Case, staff: dict[str, Any], outcome: str, **kw: Any) -> Decision:
    """Decide as ana; outcomes under four eyes are approved by cho, as in the reviewer console."""
    policy = PolicyClause.objects.get(code="threats-to-life", version=1)
    decision = actions.do_decide(case, actions.DecisionInput(
        outcome=outcome, policy_id=policy.pk, reasoning="Credible threat with an address.", **kw),
        acting_user=staff["ana"])
    if decision.status == "awaiting_approval":
        decision = actions.do_approve(decision, acting_user=staff["cho"], authenticated_at=timezone.now())
    return decision


def make_retries_due() -> int:
    """Jobs waiting for their backoff become due now (the test does not sleep through the backoff)."""
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
