"""The live console feed (review/live.py): after a cursor it returns new cases, severity changes, claims,
decisions and S0 pages as small events (ids, severities, statuses, a claimant's username — no report text, no
reporter); only reading roles get it; the server-sent-event stream carries the same; with Redis a commit wakes it."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
from django.test import Client

from abusedesk.audit import trail as audit
from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case
from abusedesk.review import live
from abusedesk.testing.factories import report_body
from abusedesk.triage.models import Page

pytestmark = pytest.mark.django_db
EVENT_KEYS = {"id", "kind", "case", "ref", "severity", "status", "claimant"}
SECRET_TEXT = "Posts say someone should visit her at her new flat."


@pytest.fixture
def case(staff: Any, customers: Any, post_report: Any, run_jobs: Any) -> Case:
    post_report(report_body(explanation=SECRET_TEXT))
    run_jobs()
    return Case.objects.get()


def _as(staff: dict[str, Any], name: str) -> Client:
    client = Client()
    client.force_login(staff[name])
    return client


def _newest() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _feed(client: Client, since: int | str) -> dict[str, Any]:
    response = client.get(f"/console/live/?since={since}")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.json()  # type: ignore[no-any-return]


def _kinds(feed: dict[str, Any], case: Case) -> list[str]:
    return [e["kind"] for e in feed["events"] if e["case"] == case.pk]


def test_a_new_case_appears_after_the_cursor(staff: Any, customers: Any, post_report: Any, run_jobs: Any) -> None:
    ana = _as(staff, "ana")
    start = _feed(ana, "")  # no cursor: where to start, and nothing yet
    assert start["events"] == [] and isinstance(start["cursor"], int)
    before = _newest()
    post_report(report_body(explanation=SECRET_TEXT))
    run_jobs()
    case = Case.objects.get()
    feed = _feed(ana, before)
    opened = [e for e in feed["events"] if e["kind"] == "opened"]
    assert opened == [{"id": opened[0]["id"], "kind": "opened", "case": case.pk, "ref": case.ref,
                       "severity": case.severity, "status": "open", "claimant": ""}]
    assert "updated" in _kinds(feed, case)  # its report, attributed


def test_severity_change_claim_and_release_after_the_cursor(staff: Any, case: Case) -> None:
    ana = _as(staff, "ana")
    before = _newest()
    assert ana.post(f"/console/cases/{case.pk}/severity/",
                    {"severity": "S3", "reason": "Checked: a film quote."}).status_code == 302
    assert ana.post(f"/console/cases/{case.pk}/claim/").status_code == 302
    assert _as(staff, "ben").post(f"/console/cases/{case.pk}/release/").status_code == 302
    events = [e for e in _feed(_as(staff, "cho"), before)["events"] if e["case"] == case.pk]
    assert [e["kind"] for e in events] == ["severity", "claimed", "released"]
    assert all(e["severity"] == "S3" for e in events)  # the case as it is now
    assert events[1]["claimant"] == "ana" and events[2]["claimant"] == "ana"
    assert events[0]["claimant"] == ""  # only claim events name anyone


def test_decisions_and_closing_after_the_cursor(staff: Any, case: Case) -> None:
    from abusedesk.cases.models import PolicyClause

    before = _newest()
    policy = PolicyClause.objects.filter(code="threats-to-life").first() or PolicyClause.objects.first()
    assert policy is not None
    data = actions.DecisionInput(outcome="no_action", policy_id=policy.pk, reasoning="Not a threat.",
                                 facts="", notice_hours=0)
    actions.do_decide(case, data, acting_user=staff["ana"])
    kinds = _kinds(_feed(_as(staff, "aud"), before), case)
    assert kinds and set(kinds) <= {"decision", "closed", "updated"} and "decision" in kinds


def test_pages_raised_and_acknowledged_after_the_cursor(staff: Any, case: Case) -> None:
    before = _newest()
    assert actions.do_raise_severity(case, "S0", "threat and address")
    page = Page.objects.get()
    ana = _as(staff, "ana")
    feed = _feed(ana, before)
    assert {"severity", "paged"} <= set(_kinds(feed, case))
    assert all(e["severity"] == "S0" for e in feed["events"] if e["case"] == case.pk)
    assert ana.post(f"/console/pages/{page.pk}/ack/").status_code == 302
    assert "acknowledged" in _kinds(_feed(ana, feed["events"][-1]["id"]), case)
    banner = ana.get("/console/live/banners/")
    assert banner.status_code == 200 and f'id="page-{page.pk}"' not in banner.content.decode()


def test_the_banner_fragment_shows_open_pages(staff: Any, case: Case) -> None:
    actions.do_raise_severity(case, "S0", "threat and address")
    page = Page.objects.get()
    html = _as(staff, "aud").get("/console/live/banners/").content.decode()
    assert f'id="page-{page.pk}"' in html and 'class="ack"' not in html  # an auditor: seen, no button


def test_nothing_from_the_report_or_reporter_leaks(staff: Any, case: Case) -> None:
    actions.do_raise_severity(case, "S0", "threat and address at Elm Street 5")
    _as(staff, "ana").post(f"/console/cases/{case.pk}/claim/")
    body = _as(staff, "aud").get("/console/live/?since=0").content.decode()
    feed = json.loads(body)
    assert feed["events"] and all(set(e) == EVENT_KEYS for e in feed["events"])
    for secret in (SECRET_TEXT, "Rita", "rita@advocates.test", "Elm Street", "threat and address",
                   "forum.test", case.title):
        assert secret not in body, secret


@pytest.mark.parametrize("url", ["/console/live/?since=0", "/console/live/stream/", "/console/live/banners/"])
def test_anonymous_is_sent_to_log_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_a_user_without_a_reading_role_gets_nothing(staff: Any, case: Case) -> None:
    from abusedesk.accounts.models import User

    nobody = User.objects.create_user(username="nobody", password="x" * 20, role="")
    client = Client()
    client.force_login(nobody)
    for url in ("/console/live/?since=0", "/console/live/stream/", "/console/live/banners/",
                f"/console/live/cases/{case.pk}/claim/"):
        assert client.get(url).status_code == 404, url


def test_a_bad_cursor_is_refused(staff: Any) -> None:
    ana = _as(staff, "ana")
    for bad in ("-1", "abc", "1e3", "9" * 30, "١٢"):
        assert ana.get(f"/console/live/?since={bad}").status_code == 400, bad
    assert ana.get("/console/live/stream/", HTTP_LAST_EVENT_ID="x").status_code == 400


def test_the_cursor_never_passes_recent_events(staff: Any, case: Case, monkeypatch: Any) -> None:
    """Another transaction may still commit an event with a lower id: the cursor stays behind the last
    GRACE_SECONDS, so those events come again (clients drop what they have seen) until they are old."""
    first = live.changes(0)
    assert first.events and first.cursor == 0  # everything is recent: the cursor stays
    again = live.changes(first.cursor)
    assert [e.id for e in again.events] == [e.id for e in first.events]
    monkeypatch.setattr(live, "GRACE_SECONDS", -5)  # now all are old enough
    assert live.changes(0).cursor == _newest()


def test_many_events_come_in_pages(staff: Any, case: Case, monkeypatch: Any) -> None:
    for _ in range(5):
        with audit.atomic():
            audit.append(actor="system", verb="case.lane_raised", object_type="case", object_id=str(case.pk),
                         payload={"lane": "trusted"})
    before = _newest() - 5
    page = live.changes(before, limit=3)
    assert page.more and len(page.events) == 3 and page.cursor == page.events[-1].id
    rest = live.changes(page.cursor, limit=3)
    assert not rest.more and len(rest.events) == 2


def test_unknown_verbs_on_a_case_are_updates_and_other_objects_are_not_shown(staff: Any, case: Case) -> None:
    before = _newest()
    with audit.atomic():
        audit.append(actor="system", verb="case.something_new", object_type="case", object_id=str(case.pk))
        audit.append(actor="system", verb="queue.created", object_type="saved_queue", object_id="1")
        audit.append(actor="system", verb="page.raised", object_type="page", object_id="x",
                     payload={"case": 999999})  # a case that does not exist
    assert [(e.kind, e.case) for e in live.changes(before).events] == [("updated", case.pk)]


def test_the_claim_panel_fragment_does_not_count_as_activity(staff: Any, case: Case) -> None:
    from abusedesk.review.models import Claim

    ana = _as(staff, "ana")
    ana.post(f"/console/cases/{case.pk}/claim/")
    Claim.objects.update(last_activity_at=Claim.objects.get().last_activity_at.replace(year=2020))
    html = _as(staff, "cho").get(f"/console/live/cases/{case.pk}/claim/").content.decode()
    assert 'id="claim-panel"' in html and "ana" in html
    ana.get(f"/console/live/cases/{case.pk}/claim/")
    assert Claim.objects.get().last_activity_at.year == 2020
    assert _as(staff, "aud").get(f"/console/live/cases/{case.pk}/claim/").status_code == 200
    assert _as(staff, "aud").get("/console/live/cases/999999/claim/").status_code == 404


def test_console_pages_carry_the_live_hooks(staff: Any, case: Case) -> None:
    aud = _as(staff, "aud")
    queue = aud.get("/console/").content.decode()
    assert 'id="live"' in queue and 'data-cursor="' in queue and f'data-case-id="{case.pk}"' in queue
    assert 'id="keys-help"' in queue and 'role="dialog"' in queue and 'aria-modal="true"' in queue
    assert 'src="/static/live.js"' in queue and 'src="/static/keys.js"' in queue
    page = aud.get(f"/console/cases/{case.pk}/").content.decode()
    assert f'data-live-case="{case.pk}"' in page
    assert 'id="live"' not in Client().get("/console/login/").content.decode()


def _messages(response: Any) -> list[tuple[str, dict[str, Any] | None, str | None]]:
    text = b"".join(response.streaming_content).decode()
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"]), fields.get("id")))
    return found


@pytest.fixture
def short_streams(monkeypatch: Any) -> None:
    monkeypatch.setattr(live, "STREAM_SECONDS", 0.6)
    monkeypatch.setattr(live, "POLL_SECONDS", 0.1)
    monkeypatch.setattr(live, "REDIS_WAKE_SECONDS", 0.2)


def test_the_stream_sends_changes_then_says_goodbye(staff: Any, case: Case, short_streams: None) -> None:
    before = _newest()
    actions.do_raise_severity(case, "S0", "threat and address")
    response = _as(staff, "ana").get(f"/console/live/stream/?since={before}")
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no"
    messages = _messages(response)
    assert messages[-1][:2] == ("bye", {"reason": "reconnect"})
    changes = [m for m in messages if m[0] == "changes"]
    assert len(changes) == 1  # sent once, though the cursor still covers them
    _event, data, cursor = changes[0]
    assert data is not None and {"severity", "paged"} <= {e["kind"] for e in data["events"]}
    assert cursor == str(data["cursor"])


def test_the_stream_resumes_from_last_event_id(staff: Any, case: Case, short_streams: None) -> None:
    newest = _newest()
    response = _as(staff, "ana").get("/console/live/stream/?since=0", HTTP_LAST_EVENT_ID=str(newest))
    assert [m[0] for m in _messages(response)] == ["bye"]  # nothing after the id it had


def test_the_stream_ends_when_the_user_is_deactivated(staff: Any, case: Case, short_streams: None) -> None:
    client = _as(staff, "ana")
    response = client.get("/console/live/stream/")
    staff["ana"].is_active = False
    staff["ana"].save()
    assert _messages(response)[-1][:2] == ("bye", {"reason": "signed out"})


REDIS = os.environ.get("ABUSEDESK_REDIS_URL", "")


@pytest.mark.skipif(not REDIS, reason="Redis runs in the PostgreSQL + Redis pass")
def test_a_commit_is_published_on_redis(staff: Any, case: Case, django_capture_on_commit_callbacks: Any) -> None:
    subscriber = live.redis_client().pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(live.channel())
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_raise_severity(case, "S0", "threat and address")
        ids = set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(ids) < 2:
            message = subscriber.get_message(timeout=1)
            if message:
                ids.add(int(message["data"]))
        severity = AuditEvent.objects.get(verb="case.severity_raised").pk
        paged = AuditEvent.objects.get(verb="page.raised").pk
        assert {severity, paged} <= ids
    finally:
        subscriber.close()


@pytest.mark.skipif(not REDIS, reason="Redis runs in the PostgreSQL + Redis pass")
def test_a_stream_waiting_on_redis_wakes_at_a_publish(monkeypatch: Any) -> None:
    monkeypatch.setattr(live, "REDIS_WAKE_SECONDS", 30.0)
    waiter = live.Waiter()
    try:
        assert waiter.interval == 30.0
        live.publish(123)
        assert waiter.wait(30.0)  # woken by the publish, not by the time running out
    finally:
        waiter.close()


def test_without_redis_a_stream_polls(settings: Any) -> None:
    settings.REDIS_URL = ""
    waiter = live.Waiter()
    assert waiter.interval == live.POLL_SECONDS
    live.publish(1)  # nothing to publish to: does nothing
    waiter.close()


def test_a_redis_outage_never_fails_a_change(staff: Any, case: Case, settings: Any, monkeypatch: Any,
                                             django_capture_on_commit_callbacks: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    monkeypatch.setattr(live, "_client", None)
    monkeypatch.setattr(live, "_down_until", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_raise_severity(case, "S0", "threat and address")
    assert Case.objects.get().severity == "S0"
    assert live._down_until > 0  # further publishes are skipped for a while
    waiter = live.Waiter()
    assert waiter.interval == live.POLL_SECONDS  # and streams poll the database
    waiter.close()
