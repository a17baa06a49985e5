"""The nginx edge blocklist: rendered from state, idempotent, rolled back when the edge rejects it, and checked
against a real nginx on loopback from a decision made through the public `do_decide` / `do_approve` path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from abusedesk.attribution.models import Service
from abusedesk.cases.models import Action, Case
from abusedesk.enforcement import edge_blocklist, registry
from abusedesk.enforcement.edge_blocklist import EdgeBlocklistAction, EdgeReloadFailed, EdgeStateCorrupt, render
from abusedesk.sdk.enforcement import ActionContext, ServiceRef

from .helpers import decide, open_case
from .nginx_edge import Edge

pytestmark = pytest.mark.django_db
KEY = "decision:d1:edge_blocklist"


def _payload(hosts: list[str], outcome: str = "terminate_service", status: int = 451, **kw: Any) -> dict[str, Any]:
    return {"decision_id": "d1", "outcome": outcome, "status": status, "hosts": hosts, "skipped": [], **kw}


@pytest.fixture
def map_path(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "edge" / "abusedesk-blocklist.map"
    settings.EDGE_BLOCKLIST_PATH = str(path)
    settings.EDGE_TEST_COMMAND = []
    settings.EDGE_RELOAD_COMMAND = []
    return path


@pytest.fixture
def edge(settings: Any, map_path: Path, tmp_path: Path) -> Iterator[Edge]:
    assert edge_blocklist.sync().done  # nginx refuses to start on a missing include: write the empty map first
    server = Edge(tmp_path, map_path)
    server.start()
    settings.EDGE_TEST_COMMAND = server.test_command
    settings.EDGE_RELOAD_COMMAND = server.reload_command
    yield server
    server.stop()


@pytest.fixture
def case(settings: Any, customers: Any, staff: Any, post_report: Any, run_jobs: Any) -> Case:
    settings.ENFORCEMENT_ACTIONS = ["console", "edge_blocklist"]
    return open_case(post_report, run_jobs)


def _state(map_path: Path) -> dict[str, Any]:
    return dict(json.loads(map_path.with_name(map_path.name + ".state.json").read_text())["entries"])


def test_a_termination_is_answered_451_by_the_real_edge_and_unblock_restores_it(
        case: Case, staff: Any, edge: Edge, map_path: Path, run_jobs: Any) -> None:
    assert edge.status("forum.test") == 200
    decision = decide(case, staff, "terminate_service")
    run_jobs()
    action = Action.objects.get(kind="edge_blocklist")
    assert action.status == "done", action.result
    assert action.payload["hosts"] == [".forum.test"] and action.payload["status"] == 451
    assert Action.objects.get(kind="console").status == "done"
    text = map_path.read_text()
    assert text.startswith("# managed by abusedesk — do not edit\nmap $host $abusedesk_blocked {\n")
    assert f"    .forum.test 451;   # decision {decision.pk} terminate_service\n" in text
    assert edge.wait_for("forum.test", 451) == 451
    # A reload hands over to new workers asynchronously, so every changed answer is awaited, not sampled once.
    assert edge.wait_for("www.forum.test", 451) == 451  # a domain property covers its subdomains
    assert edge.status("other.test") == 200
    assert edge.status("notforum.test") == 200

    before = map_path.read_bytes()
    again = EdgeBlocklistAction().perform(action.payload, idempotency_key=action.idempotency_key)
    assert again.done and again.detail["file_changed"] is False
    assert map_path.read_bytes() == before

    assert edge_blocklist.unblock(action.idempotency_key).done
    assert edge.wait_for("forum.test", 200) == 200
    assert ".forum.test" not in map_path.read_text() and _state(map_path) == {}


def test_restrict_answers_403_and_reverse_lifts_it(case: Case, staff: Any, edge: Edge, run_jobs: Any) -> None:
    decide(case, staff, "restrict")
    run_jobs()
    action = Action.objects.get(kind="edge_blocklist")
    assert action.payload["status"] == 403
    assert edge.wait_for("forum.test", 403) == 403
    assert registry.get("edge_blocklist").reverse(action.payload, idempotency_key=action.idempotency_key).done
    assert edge.wait_for("forum.test", 200) == 200


def test_perform_twice_is_byte_identical_and_state_is_keyed_by_idempotency_key(map_path: Path) -> None:
    action = EdgeBlocklistAction()
    first = action.perform(_payload([".forum.test"]), idempotency_key=KEY)
    assert first.done and first.detail == {"hosts": [".forum.test"], "file_changed": True}
    files = (map_path.read_bytes(), map_path.with_name(map_path.name + ".state.json").read_bytes())
    second = action.perform(_payload([".forum.test"]), idempotency_key=KEY)
    assert second.done and second.detail["file_changed"] is False
    assert files == (map_path.read_bytes(), map_path.with_name(map_path.name + ".state.json").read_bytes())
    assert list(_state(map_path)) == [KEY]
    assert not list(map_path.parent.glob(".*.tmp"))


def test_a_map_the_edge_rejects_is_rolled_back_with_its_state(settings: Any, map_path: Path) -> None:
    EdgeBlocklistAction().perform(_payload([".forum.test"]), idempotency_key=KEY)
    before = map_path.read_bytes()
    settings.EDGE_TEST_COMMAND = ["sh", "-c", "echo 'nginx: [emerg] invalid map' >&2; exit 1"]
    outcome = EdgeBlocklistAction().perform(_payload(["shop.test"], status=403, outcome="restrict"),
                                            idempotency_key="decision:d2:edge_blocklist")
    assert not outcome.done
    assert outcome.detail == {"reason": "config_check_failed", "error": "nginx: [emerg] invalid map"}
    assert map_path.read_bytes() == before and list(_state(map_path)) == [KEY]


def test_a_rejected_first_map_leaves_no_file(settings: Any, map_path: Path) -> None:
    settings.EDGE_TEST_COMMAND = ["false"]
    assert not EdgeBlocklistAction().perform(_payload([".forum.test"]), idempotency_key=KEY).done
    assert not map_path.exists() and not map_path.with_name(map_path.name + ".state.json").exists()


def test_a_failing_reload_raises_for_a_retry_and_keeps_the_checked_file(settings: Any, map_path: Path) -> None:
    settings.EDGE_RELOAD_COMMAND = ["sh", "-c", "echo 'nginx: [error] invalid PID number' >&2; exit 1"]
    with pytest.raises(EdgeReloadFailed, match="invalid PID"):
        EdgeBlocklistAction().perform(_payload([".forum.test"]), idempotency_key=KEY)
    assert ".forum.test 451;" in map_path.read_text()
    settings.EDGE_RELOAD_COMMAND = ["true"]
    outcome = EdgeBlocklistAction().perform(_payload([".forum.test"]), idempotency_key=KEY)
    assert outcome.done and outcome.detail["file_changed"] is False  # the retry only reloads


def test_a_hanging_reload_times_out(settings: Any, map_path: Path) -> None:
    settings.EDGE_RELOAD_COMMAND = ["sleep", "5"]
    settings.EDGE_COMMAND_TIMEOUT_SECONDS = 0.2
    with pytest.raises(EdgeReloadFailed, match="did not finish"):
        EdgeBlocklistAction().perform(_payload([".forum.test"]), idempotency_key=KEY)


def test_a_corrupt_state_file_stops_everything_rather_than_unblocking_all(map_path: Path) -> None:
    EdgeBlocklistAction().perform(_payload([".forum.test"]), idempotency_key=KEY)
    before = map_path.read_bytes()
    map_path.with_name(map_path.name + ".state.json").write_text("{not json")
    with pytest.raises(EdgeStateCorrupt):
        edge_blocklist.unblock(KEY)
    assert map_path.read_bytes() == before


def test_unconfigured_path_is_reported(settings: Any) -> None:
    settings.EDGE_BLOCKLIST_PATH = ""
    outcome = EdgeBlocklistAction().perform(_payload([".forum.test"]), idempotency_key=KEY)
    assert not outcome.done and outcome.detail == {"reason": "not_configured"}


def test_invalid_payloads_never_reach_the_file(map_path: Path) -> None:
    for hosts in (["forum.test; include /etc/shadow"], ["forum.test\n}"], [], ["-bad.test"], ["a..test"]):
        outcome = EdgeBlocklistAction().perform(_payload(hosts), idempotency_key=KEY)
        assert outcome.detail == {"reason": "invalid_payload"}, hosts
    assert not EdgeBlocklistAction().perform(_payload(["ok.test"], status=200), idempotency_key=KEY).done
    assert not map_path.exists()


def test_render_merges_hosts_skips_tampered_and_expired_entries() -> None:
    now = timezone.now()
    state = {
        "a": {"decision_id": "d1", "outcome": "restrict", "status": 403, "hosts": [".forum.test", "shop.test"]},
        "b": {"decision_id": "d2", "outcome": "terminate_service", "status": 451, "hosts": [".forum.test"]},
        "c": {"decision_id": "d3", "outcome": "suspend_service", "status": 451, "hosts": ["old.test"],
              "expires_at": (now - timedelta(seconds=1)).isoformat()},
        "d": {"decision_id": "d4", "outcome": "terminate_service", "status": 451, "hosts": ["evil.test; x"]},
        "e": {"decision_id": "d5", "outcome": "restrict", "status": 403, "hosts": ["forum.test"]},
    }
    assert render(state, now=now).decode() == (
        "# managed by abusedesk — do not edit\n"
        "map $host $abusedesk_blocked {\n"
        "    hostnames;\n"
        "    default 0;\n"
        "    .forum.test 451;   # decision d1 restrict, decision d2 terminate_service\n"
        "    shop.test 403;   # decision d1 restrict\n"
        "}\n")


def test_a_suspension_with_a_duration_expires(settings: Any, map_path: Path) -> None:
    outcome = EdgeBlocklistAction().perform(_payload(["shop.test"], outcome="suspend_service", duration_days=7),
                                            idempotency_key=KEY)
    assert outcome.done and "shop.test 451;" in map_path.read_text()
    expires = _state(map_path)[KEY]["expires_at"]
    assert render(_state(map_path), now=timezone.now() + timedelta(days=8)).decode().count("shop.test") == 0
    assert expires


def _ctx(services: tuple[ServiceRef, ...], outcome: str = "terminate_service", **kw: Any) -> ActionContext:
    return ActionContext(decision_id="d1", case_id=1, outcome=outcome, customer_id=None, services=services, **kw)


def test_plan_covers_served_hostnames_and_says_what_it_left_out(customers: Any) -> None:
    refs = tuple(ServiceRef(id=str(s.id), kind=s.kind, property=s.property.value)
                 for s in Service.objects.select_related("property").filter(property__customer__external_id__in=[
                     "rights-ngo", "shop-co"]))
    planned = EdgeBlocklistAction().plan(_ctx(refs))
    assert planned is not None and planned.kind == "edge_blocklist"
    assert planned.payload["hosts"] == [".derechos.test", ".shop.test"]
    assert {s["reason"] for s in planned.payload["skipped"]} == {"dns service is not served by the edge",
                                                                 "not a hostname"}
    assert EdgeBlocklistAction().plan(_ctx(refs, outcome="warn_customer")) is None
    assert EdgeBlocklistAction().plan(_ctx(refs, territorial_scope=("DE",))) is None  # left to the webhook
    hostname_only = (ServiceRef(id="00000000-0000-0000-0000-000000000000", kind="proxy", property="a.b.test"),)
    planned = EdgeBlocklistAction().plan(_ctx(hostname_only))
    assert planned is not None and planned.payload["hosts"] == ["a.b.test"]  # unknown kind: exact name only
