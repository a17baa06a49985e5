"""S0 paging (webhook, e-mail to the rota, console banner, acknowledgement, re-page), targets across sites,
the SLA timer, and the severity rule's reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from abusedesk.cases import actions
from abusedesk.cases.models import Case
from abusedesk.testing.factories import report_body
from abusedesk.testing.peers import WebhookReceiver
from abusedesk.triage.models import OnCallShift, Page, Target
from abusedesk.triage.rules import evaluate
from abusedesk.triage.targets import link, normalise

pytestmark = pytest.mark.django_db


@pytest.fixture
def pager(settings: Any) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    settings.EVIDENCE_STATIC_HOSTS = {"oncall.test": "127.0.0.1"}
    settings.EVIDENCE_ALLOW_NETWORKS = ["127.0.0.1/32"]
    settings.ONCALL_WEBHOOK_URL = f"http://oncall.test:{receiver.port}/page"
    yield receiver
    receiver.close()


@pytest.fixture
def case(customers: Any, staff: Any, post_report: Any, run_jobs: Any) -> Case:
    post_report(report_body(explanation="Please review this thread."))
    run_jobs()
    now = timezone.now()
    staff["ben"].email, staff["ana"].email = "ben@staff.test", "ana@staff.test"
    staff["ben"].save(), staff["ana"].save()
    OnCallShift.objects.create(user=staff["ben"], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8))
    OnCallShift.objects.create(user=staff["ana"], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8),
                               order=1)
    mail.outbox.clear()
    return Case.objects.get()


def test_s0_pages_every_channel_once(case: Case, pager: WebhookReceiver, run_jobs: Any, staff: Any) -> None:
    assert actions.do_raise_severity(case, "S0", "threat and address", {"post_index": 3})
    assert not actions.do_raise_severity(case, "S0", "again")  # never twice for one case
    run_jobs()
    page = Page.objects.get()
    assert set(page.delivered) == {"webhook", "email", "console"}
    [call] = pager.calls
    assert call["json"]["case"] == case.pk and call["json"]["trigger"] == {"post_index": 3}
    assert "x-abusedesk-signature" in {k.lower() for k in call["headers"]}
    [message] = [m for m in mail.outbox if m.subject.startswith("[S0]")]
    assert message.to == ["ben@staff.test"]


def test_banner_until_acknowledged(case: Case, pager: WebhookReceiver, run_jobs: Any, staff: Any,
                                   client: Client) -> None:
    actions.do_raise_severity(case, "S0", "threat and address")
    run_jobs()
    client.force_login(staff["cho"])
    page = Page.objects.get()
    assert f'id="page-{page.pk}"' in client.get("/console/").content.decode()
    client.post(f"/console/pages/{page.pk}/ack/")
    assert Page.objects.get().acknowledged_by == staff["cho"]
    assert f'id="page-{page.pk}"' not in client.get("/console/").content.decode()


def test_unacknowledged_pages_go_to_the_next_person(case: Case, pager: WebhookReceiver, run_jobs: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    actions.do_raise_severity(case, "S0", "threat and address")
    run_jobs()
    mail.outbox.clear()
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())  # the re-page timer runs out
    run_jobs()
    assert Page.objects.get().attempts >= 1
    assert any(m.to == ["ana@staff.test"] for m in mail.outbox)


def test_targets_link_cases_across_sites(customers: Any, db: Any) -> None:
    one = Case.objects.create(title="a", group_key="property:a")
    two = Case.objects.create(title="b", group_key="property:b")
    first = link(one, "Lena Marsh", ["@lenastreams"])
    second = link(two, "lenastreams", [])
    third = link(two, "Lena Marsh's", [])
    assert first == second == third
    assert Target.objects.count() == 1
    assert set(first.cases.all()) == {one, two}
    assert normalise("@Lena  Marsh\u2019s") == "lena marsh"


def test_queue_shows_an_sla_timer(client: Client, case: Case, staff: Any) -> None:
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=1))
    client.force_login(staff["ana"])
    body = client.get("/console/").content.decode()
    assert "overdue" in body  # S1 first action is due within 4 hours


def test_rule_reasons() -> None:
    located = {"category": "doxxing", "score": 0.9, "spans": [{"type": "address"}]}
    threat = {"category": "threat", "score": 0.8, "spans": []}
    assert evaluate([located, threat]).severity == "S0"
    assert evaluate([threat]).severity == "S1"
    assert evaluate([located]).severity == "S1"
    assert evaluate([{"category": "hate", "score": 0.7, "spans": []}]).severity == "S2"
    assert evaluate([{"category": "threat", "score": 0.3, "spans": []}]).severity is None


@pytest.mark.parametrize(("change", "message"), [
    ({"version": 0}, "version: must be at least 1"),
    ({"threshold": "0.5"}, "threshold: must be a number"),
    ({"rules": []}, "rules: must not be empty"),
    ({"rules": [{"id": "x", "severity": "S9", "all": ["threat"], "reason": "r"}]},
     r"rules\[0\]\.severity: must be one"),
    ({"rules": [{"id": "x", "severity": "S1", "all": ["vibes"], "reason": "r"}]},
     r"rules\[0\]\.all\[0\]: unknown condition 'vibes'"),
    ({"rules": [{"id": "x", "severity": "S1", "all": ["threat"]}]}, r"rules\[0\]\.reason: is required"),
    ({"rules": [{"id": "x", "severity": "S1", "reason": "r"}]}, r"rules\[0\]: needs 'all' or 'any'"),
    ({"rules": [{"id": "x", "severity": "S1", "any": ["hate"], "reason": "r", "when": {}}]},
     r"rules\[0\]\.when: is not a known field"),
    ({"rules": [{"id": "x", "severity": "S1", "any": ["hate"], "reason": "r"}] * 2}, r"rules: ids must be unique"),
])
def test_rules_files_are_validated_with_the_field_named(change: dict[str, Any], message: str) -> None:
    import json

    from abusedesk.triage.rules import DEFAULT_RULES, RulesError, parse_rules

    data = json.loads(DEFAULT_RULES.read_text())
    data.update(change)
    with pytest.raises(RulesError, match=message):
        parse_rules(data)


def test_verdicts_name_the_rule_and_version() -> None:
    verdict = evaluate([{"category": "threat", "score": 0.9, "spans": []}])
    assert verdict.rule == "s1-threat@v3"
