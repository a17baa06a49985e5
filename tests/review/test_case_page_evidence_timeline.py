"""The case page: evidence that could not be captured is shown as a failure; watched posts on a time axis."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from abusedesk.cases.models import Case
from abusedesk.evidence.models import Evidence
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def case(staff: Any, customers: Any, post_report: Any) -> Case:
    post_report(report_body())
    run_pending_jobs()
    return Case.objects.get()


def _page(client: Client, staff: Any, case: Case) -> str:
    client.force_login(staff["ana"])
    body = client.get(f"/console/cases/{case.pk}/").content.decode()
    return body[body.index('<section class="evidence">'):body.index('<section class="decisions">')]


def test_failed_capture_shows_the_failure_not_empty_hashes(client: Client, staff: Any, case: Case) -> None:
    Evidence.objects.filter(case=case).delete()
    Evidence.objects.create(case=case, url="https://gone.test/x", status="failed", reason="dns_failure",
                            fetched_at=AT, settled=True)
    Evidence.objects.create(case=case, url="https://flaky.test/x", status="failed", reason="timeout_read",
                            fetched_at=AT, settled=False)
    Evidence.objects.create(case=case, url="http://127.0.0.1/admin", status="blocked",
                            reason="blocked_address:loopback", fetched_at=AT, settled=True)
    section = _page(client, staff, case)
    assert "SHA-256" not in section and "<code" not in section and "evidence-text" not in section
    assert "Capture failed: its name did not resolve (dns_failure)." in section
    assert "No further attempt will be made" in section
    assert "Capture failed: it stopped answering (timeout_read)." in section and "It will be tried again." in section
    assert "Not fetched: the fetch policy refused it (blocked_address:loopback)." in section
    assert 'datetime="2026-03-04T05:06:07+00:00"' in section


def test_captured_evidence_still_shows_its_hashes(client: Client, staff: Any, case: Case) -> None:
    Evidence.objects.filter(case=case).delete()
    Evidence.objects.create(case=case, url="https://forum.test/t/1", status="captured", fetched_at=AT,
                            body_sha256="a" * 64, text_sha256="b" * 64, text="the page", settled=True)
    Evidence.objects.create(case=case, url="https://forum.test/t/2")
    section = _page(client, staff, case)
    assert f'<code class="hash">{"a" * 64}</code>' in section and "the page" in section
    assert "Capture failed" not in section and "Not fetched yet" in section
