"""The audit page: filtered, paged by sequence number without counting the table, payloads readable and escaped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abusedesk.audit import trail as audit

pytestmark = pytest.mark.django_db


def _append(n: int, *, actor: str = "system", verb: str = "thing.happened", object_type: str = "thing",
            payload: dict[str, Any] | None = None) -> None:
    with transaction.atomic():
        for i in range(n):
            audit.append(actor=actor, verb=verb, object_type=object_type, object_id=str(i),
                         payload=payload if payload is not None else {"i": i})


@pytest.fixture
def auditor(client: Client, staff: Any) -> Client:
    client.force_login(staff["aud"])
    return client


def _seqs(page: Any) -> list[int]:
    return [event.seq for event in page.context["page"].events]


def test_payload_is_a_readable_escaped_list_not_a_python_dict(auditor: Client) -> None:
    _append(1, payload={"reason": "<script>alert(1)</script>\u202egpj.exe", "services": ["web", "dns"],
                        "trigger": {"rule": "threat+address", "version": 3}, "four_eyes": True, "customer": None})
    body = auditor.get("/console/audit/").content.decode()
    row = body[body.index('<td class="details">'):]
    row = row[:row.index("</tr>")]
    assert "<dt>reason</dt>" in row and "&lt;script&gt;alert(1)&lt;/script&gt;" in row and "[U+202E]" in row
    assert "<script>" not in row and "\u202e" not in row
    assert "<dt>services</dt><dd><bdi>web, dns</bdi></dd>" in row
    assert "<dt>rule</dt><dd><bdi>threat+address</bdi></dd>" in row  # nested dict, nested list
    assert "<dt>four_eyes</dt><dd><bdi>yes</bdi></dd>" in row and "<dt>customer</dt><dd><bdi>—</bdi></dd>" in row
    assert "{&#x27;" not in row and "{'" not in row and "True" not in row
    assert '<time class="when" datetime="' in body


def test_pages_by_sequence_number_keeping_the_filters_and_never_counting(auditor: Client) -> None:
    _append(60, verb="decision.made")
    _append(10, verb="notice.sent")
    _append(60, verb="decision.approved")
    auditor.get("/console/audit/")  # the chain check is cached from here on
    with CaptureQueriesContext(connection) as queries:
        first = auditor.get("/console/audit/", {"verb": "decision."})
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    page = first.context["page"]
    assert _seqs(first) == list(range(130, 80, -1))
    assert page.newer == "" and page.older == "verb=decision.&before=81"
    second = auditor.get(f"/console/audit/?{page.older}")
    assert _seqs(second) == list(range(80, 70, -1)) + list(range(60, 20, -1))  # notice.sent left out
    third = auditor.get(f"/console/audit/?{second.context['page'].older}")
    assert _seqs(third) == list(range(20, 0, -1)) and third.context["page"].older == ""
    back = auditor.get(f"/console/audit/?{third.context['page'].newer}")
    assert _seqs(back) == _seqs(second) and back.context["page"].newer == "verb=decision.&after=80"
    assert 'href="?verb=decision.&amp;before=21"' in back.content.decode()


def test_filters_by_verb_object_actor_and_day(auditor: Client) -> None:
    _append(3, actor="user:ana", verb="case.closed", object_type="case")
    _append(2, actor="system", verb="report.attributed", object_type="report")
    assert len(_seqs(auditor.get("/console/audit/", {"verb": "case.closed"}))) == 3
    assert len(_seqs(auditor.get("/console/audit/", {"verb": "case."}))) == 3
    assert len(_seqs(auditor.get("/console/audit/", {"actor": "ana"}))) == 3
    assert len(_seqs(auditor.get("/console/audit/", {"actor": "system"}))) == 2
    assert _seqs(auditor.get("/console/audit/", {"object_type": "report", "object_id": "1"})) == [5]
    today = timezone.now().date()
    assert len(_seqs(auditor.get("/console/audit/", {"since": today - timedelta(days=1), "until": today}))) == 5
    assert _seqs(auditor.get("/console/audit/", {"since": today + timedelta(days=2)})) == []
    assert "No event matches these filters." in auditor.get("/console/audit/", {"actor": "nobody"}).content.decode()


@pytest.mark.parametrize(("query", "field"), [({"since": "yesterday"}, "since"), ({"before": "x"}, "before"),
                                              ({"since": "2026-02-02", "until": "2026-02-01"}, "until"),
                                              ({"verb": "v" * 81}, "verb")])
def test_bad_filters_are_a_400_naming_the_field(auditor: Client, query: dict[str, str], field: str) -> None:
    response = auditor.get("/console/audit/", query)
    assert response.status_code == 400 and field in response.context["form"].errors


def test_analysts_do_not_get_the_audit_page(client: Client, staff: Any) -> None:
    client.force_login(staff["ana"])
    assert client.get("/console/audit/", {"verb": "case."}).status_code == 404
