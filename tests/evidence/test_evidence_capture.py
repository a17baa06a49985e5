"""Evidence for a reported URL: captured through the safe fetcher with hashes and custody, analysed, shown
escaped; a URL whose host resolves to a private address is blocked with a reason and the report goes on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case, Finding
from abusedesk.evidence.models import Evidence
from abusedesk.net import RefusalReason
from abusedesk.testing.factories import PASSWORD, report_body
from abusedesk.testing.forum import Forum, thread_page

pytestmark = pytest.mark.django_db
POSTS = [("anon1", "lol look at her stream"),
         ("anon2", "She lives at 83 Harrow Lane, Leeds LS6 2QT now."),
         ("anon3", "Someone should visit her tonight. Bring gasoline.")]


@pytest.fixture
def forum() -> Iterator[Forum]:
    server = Forum({"/threads/123": thread_page("Streamer thread", POSTS,
                                                extra='<link rel="stylesheet" href="/remote.css">')})
    yield server
    server.close()


@pytest.fixture
def local_net(settings: Any) -> Any:
    settings.EVIDENCE_STATIC_HOSTS = {"forum.test": "127.0.0.1"}
    settings.EVIDENCE_ALLOW_NETWORKS = ["127.0.0.1/32"]
    return settings


def test_capture_hashes_custody_findings_and_severity(customers: Any, forum: Forum, local_net: Any,
                                                      post_report: Any, run_jobs: Any) -> None:
    url = f"http://forum.test:{forum.port}/threads/123"
    post_report(report_body(urls=[url], category="harassment", explanation="Please look at this thread."))
    run_jobs()
    evidence = Evidence.objects.get()
    assert evidence.status == "captured", evidence.reason
    assert evidence.http_status == 200 and evidence.resolved_ip == "127.0.0.1"
    assert evidence.body_sha256 == hashlib.sha256(evidence.body).hexdigest()
    assert evidence.text_sha256 == hashlib.sha256(evidence.text.encode()).hexdigest()
    assert "83 Harrow Lane" in evidence.text and "Bring gasoline" in evidence.text
    assert evidence.fetched_at and evidence.fetched_by.startswith("abusedesk-evidence/")
    assert set(forum.requests) == {"/threads/123"}  # capture and watch fetch the page, never its sub-resources
    assert AuditEvent.objects.filter(verb="evidence.captured", object_id=str(evidence.pk)).exists()
    categories = set(Finding.objects.filter(evidence=evidence).values_list("category", flat=True))
    assert "threat" in categories
    case = Case.objects.get()
    assert case.severity == "S0", case.severity_reason
    assert "location" in case.severity_reason


def test_case_page_shows_evidence_as_escaped_text_with_highlights(client: Client, staff: Any, customers: Any,
                                                                  local_net: Any, post_report: Any,
                                                                  run_jobs: Any) -> None:
    server = Forum({"/t/1": thread_page("x", [("a", "She lives at 83 Harrow Lane, Leeds LS6 2QT."),
                                             ("b", "&lt;script&gt;alert(1)&lt;/script&gt; visit her")])})
    try:
        post_report(report_body(urls=[f"http://forum.test:{server.port}/t/1"]))
        run_jobs()
    finally:
        server.close()
    client.post("/console/login/", {"username": "ana", "password": PASSWORD})
    body = client.get(f"/console/cases/{Case.objects.get().pk}/").content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert '<mark class="span-address"' in body


def test_private_address_is_blocked_and_the_report_still_processed(customers: Any, settings: Any,
                                                                    post_report: Any, run_jobs: Any) -> None:
    settings.EVIDENCE_STATIC_HOSTS = {"forum.test": "10.0.0.5"}
    post_report(report_body(urls=["https://forum.test/threads/9"]))
    run_jobs()
    evidence = Evidence.objects.get()
    assert evidence.status == "blocked"
    assert evidence.reason.startswith("blocked_address")
    assert evidence.body is None and evidence.text is None
    assert AuditEvent.objects.filter(verb="evidence.blocked").exists()
    assert Case.objects.get().reports.count() == 1


def test_unreachable_site_is_retried_then_recorded(customers: Any, post_report: Any, run_jobs: Any) -> None:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    post_report(report_body(urls=["https://forum.test/threads/10"]))  # resolves nowhere in tests
    for _ in range(5):
        run_jobs()
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    evidence = Evidence.objects.get()
    assert evidence.status == "failed" and evidence.reason == RefusalReason.DNS_FAILURE
    assert AuditEvent.objects.filter(verb="evidence.failed").count() == 4  # every attempt recorded
