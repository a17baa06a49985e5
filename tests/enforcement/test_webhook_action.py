"""The signed webhook to the provider's control plane, against a real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from abusedesk.cases.models import Action, Case
from abusedesk.enforcement import registry
from abusedesk.enforcement.tasks import perform_action
from abusedesk.enforcement.webhook_action import WebhookAction, WebhookNotDelivered, check_webhook_url, encode

from .helpers import ControlPlane, decide, make_retries_due, open_case

pytestmark = pytest.mark.django_db
SECRET = "control-plane-secret"


@pytest.fixture
def plane() -> Iterator[ControlPlane]:
    server = ControlPlane()
    yield server
    server.close()


@pytest.fixture
def configured(settings: Any, plane: ControlPlane) -> Any:
    settings.ENFORCEMENT_ACTIONS = ["console", "webhook"]
    settings.ENFORCEMENT_WEBHOOK_URL = f"http://control.test:{plane.port}/abuse/decisions"
    settings.WEBHOOK_SIGNING_SECRET = SECRET
    settings.EVIDENCE_STATIC_HOSTS = {"control.test": "127.0.0.1"}
    settings.EVIDENCE_ALLOW_NETWORKS = ["127.0.0.1/32"]
    return settings


@pytest.fixture
def case(configured: Any, customers: Any, staff: Any, post_report: Any, run_jobs: Any) -> Case:
    return open_case(post_report, run_jobs)


def _webhook_action() -> Action:
    return Action.objects.get(kind="webhook")


def _verify(call: dict[str, Any]) -> None:
    """What a control plane does: recompute the HMAC over `t.body` with the shared secret."""
    parts = dict(p.split("=", 1) for p in call["headers"]["X-Abusedesk-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + call["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)


def test_the_planned_body_is_what_is_sent_signed_with_an_idempotency_key(
        case: Case, staff: Any, plane: ControlPlane, run_jobs: Any) -> None:
    decision = decide(case, staff, "terminate_service")
    run_jobs()
    action = _webhook_action()
    assert action.status == "done" and action.result == {"status": 200}
    [call] = plane.calls
    _verify(call)
    assert call["headers"]["Idempotency-Key"] == action.idempotency_key == f"decision:{decision.pk}:webhook"
    assert call["headers"]["Content-Type"].startswith("application/json")
    assert call["body"] == encode(action.payload)
    body = call["json"]
    assert body["decision_id"] == str(decision.pk) and body["case_id"] == case.pk
    assert body["outcome"] == "terminate_service" and body["territorial_scope"] == []
    assert [(s["kind"], s["property"]) for s in body["services"]] == [("proxy", "forum.test")]
    assert set(body) == {"type", "version", "decision_id", "case_id", "outcome", "customer_id", "services",
                         "territorial_scope", "duration_days"}


def test_no_reporter_data_reaches_the_control_plane(case: Case, staff: Any, plane: ControlPlane,
                                                    run_jobs: Any) -> None:
    decide(case, staff, "restrict", territorial_scope=("DE", "FR"), duration_days=30)
    run_jobs()
    [call] = plane.calls
    assert call["json"]["territorial_scope"] == ["DE", "FR"] and call["json"]["duration_days"] == 30
    text = call["body"].decode() + json.dumps(call["headers"])
    for token in ("Rita", "Reporter", "rita@advocates.test", "advocates", "visit her"):
        assert token not in text


def test_a_500_is_retried_by_the_job_layer_and_then_succeeds_once(
        case: Case, staff: Any, plane: ControlPlane, run_jobs: Any) -> None:
    plane.statuses = [500, 200]
    decide(case, staff, "suspend_service")
    run_jobs()
    action = _webhook_action()
    assert len(plane.calls) == 1 and action.status == "planned"
    make_retries_due()
    run_jobs()
    action.refresh_from_db()
    assert action.status == "done" and action.result == {"status": 200}
    assert len(plane.calls) == 2
    assert {c["headers"]["Idempotency-Key"] for c in plane.calls} == {action.idempotency_key}
    make_retries_due()
    run_jobs()
    assert len(plane.calls) == 2


def test_a_rerun_after_success_sends_nothing(case: Case, staff: Any, plane: ControlPlane, run_jobs: Any) -> None:
    decide(case, staff, "warn_customer")
    run_jobs()
    action = _webhook_action()
    assert action.status == "done"
    assert perform_action.call(str(action.pk)) == "already done"
    assert len(plane.calls) == 1


def test_a_url_resolving_to_a_private_address_is_refused_and_not_retried(
        case: Case, staff: Any, plane: ControlPlane, run_jobs: Any, settings: Any) -> None:
    settings.EVIDENCE_STATIC_HOSTS = {"control.test": "10.0.0.1"}
    decide(case, staff, "terminate_service")
    run_jobs()
    action = _webhook_action()
    assert action.status == "failed" and action.result["reason"].startswith("blocked_address")
    make_retries_due()
    run_jobs()
    assert plane.calls == []
    assert Action.objects.get(kind="console").status == "done"  # the other backends are not held up


def test_a_connection_failure_raises_so_the_job_retries(configured: Any) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configured.ENFORCEMENT_WEBHOOK_URL = f"http://control.test:{port}/"
    with pytest.raises(WebhookNotDelivered, match="connect"):
        WebhookAction().perform({"decision_id": "d"}, idempotency_key="k")


def test_unconfigured_url_is_reported_not_retried(settings: Any) -> None:
    settings.ENFORCEMENT_WEBHOOK_URL = ""
    outcome = WebhookAction().perform({"decision_id": "d"}, idempotency_key="k")
    assert not outcome.done and outcome.detail == {"reason": "not_configured"}


def test_outcomes_are_configurable(case: Case, staff: Any, plane: ControlPlane, run_jobs: Any,
                                   settings: Any) -> None:
    settings.ENFORCEMENT_WEBHOOK_OUTCOMES = ["terminate_service"]
    decide(case, staff, "warn_customer")
    run_jobs()
    assert not Action.objects.filter(kind="webhook").exists() and plane.calls == []


def test_the_webhook_backend_is_registered() -> None:
    assert isinstance(registry.get("webhook"), WebhookAction)


def test_system_check_validates_the_configured_url(configured: Any) -> None:
    assert check_webhook_url() == []
    configured.EVIDENCE_STATIC_HOSTS = {"control.test": "10.0.0.1"}
    [error] = check_webhook_url()
    assert error.id == "abusedesk.E102" and "blocked_address" in error.msg
    configured.ENFORCEMENT_WEBHOOK_URL = "http://localhost:8080/"
    assert [m.id for m in check_webhook_url()] == ["abusedesk.E102"]
    configured.ENFORCEMENT_WEBHOOK_URL = "http://unknown.test/"
    assert [m.id for m in check_webhook_url()] == ["abusedesk.W101"]
    configured.ENFORCEMENT_WEBHOOK_URL = ""
    assert [m.id for m in check_webhook_url()] == ["abusedesk.E101"]
    configured.ENFORCEMENT_ACTIONS = ["console"]
    assert check_webhook_url() == []


def test_system_check_runs_with_django_checks(configured: Any) -> None:
    from django.core.checks import run_checks

    configured.EVIDENCE_STATIC_HOSTS = {"control.test": "169.254.169.254"}
    assert "abusedesk.E102" in [m.id for m in run_checks(include_deployment_checks=False)]


def test_reverse_tells_the_control_plane_under_its_own_key(configured: Any, plane: ControlPlane) -> None:
    payload = {"type": "abusedesk.enforcement.decision", "decision_id": "d1", "outcome": "suspend_service"}
    outcome = registry.get("webhook").reverse(payload, idempotency_key="decision:d1:webhook")
    assert outcome.done
    [call] = plane.calls
    _verify(call)
    assert call["headers"]["Idempotency-Key"] == "decision:d1:webhook:reverse"
    assert call["json"] == {**payload, "type": "abusedesk.enforcement.reversal"}
