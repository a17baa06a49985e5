"""Issue 11: acknowledging an S0 page stops the re-paging, so it needs a deciding role or an on-call shift now;
an auditor (read only) cannot acknowledge, in the console or through paging.acknowledge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case
from abusedesk.testing.factories import report_body
from abusedesk.triage.models import OnCallShift, Page
from abusedesk.triage.paging import NotAllowedToAcknowledge, acknowledge

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(customers: Any, staff: Any, post_report: Any, run_jobs: Any) -> Page:
    post_report(report_body(explanation="Please review this thread."))
    run_jobs()
    assert actions.do_raise_severity(Case.objects.get(), "S0", "threat and address")
    return Page.objects.get()


def test_an_auditor_cannot_acknowledge_a_page(client: Client, staff: Any, page: Page) -> None:
    client.force_login(staff["aud"])
    banner = client.get("/console/").content.decode()
    assert f'id="page-{page.pk}"' in banner and 'class="ack"' not in banner  # sees the page, no button
    assert client.post(f"/console/pages/{page.pk}/ack/").status_code == 404
    with pytest.raises(NotAllowedToAcknowledge):
        acknowledge(page, acting_user=staff["aud"])
    assert Page.objects.get().acknowledged_at is None
    assert not AuditEvent.objects.filter(verb="page.acknowledged").exists()


def test_an_auditor_on_call_now_can_acknowledge(client: Client, staff: Any, page: Page) -> None:
    now = timezone.now()
    OnCallShift.objects.create(user=staff["aud"], starts_at=now - timedelta(hours=9), ends_at=now - timedelta(hours=1))
    client.force_login(staff["aud"])
    assert client.post(f"/console/pages/{page.pk}/ack/").status_code == 404  # a past shift does not count
    OnCallShift.objects.create(user=staff["aud"], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8))
    assert 'class="ack"' in client.get("/console/").content.decode()
    assert client.post(f"/console/pages/{page.pk}/ack/").status_code == 302
    assert Page.objects.get().acknowledged_by == staff["aud"]


def test_an_analyst_can_acknowledge(client: Client, staff: Any, page: Page) -> None:
    client.force_login(staff["ana"])
    assert client.post(f"/console/pages/{page.pk}/ack/").status_code == 302
    assert Page.objects.get().acknowledged_by == staff["ana"]
