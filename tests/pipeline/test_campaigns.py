"""Campaigns: a case counts its reports and their rate, becomes a campaign once CAMPAIGN_REPORTS of them were received
within CAMPAIGN_WINDOW_SECONDS (audited once), and the queue and the case page say so."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case
from abusedesk.intake.models import Report
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_campaigns(settings: Any, customers: Any) -> None:
    settings.CAMPAIGN_REPORTS = 10
    settings.CAMPAIGN_WINDOW_SECONDS = 3600
    settings.EVIDENCE_CAPTURE = False


def _started() -> list[dict[str, Any]]:
    return list(AuditEvent.objects.filter(verb="case.campaign_started").values_list("payload", flat=True))


def test_a_case_becomes_a_campaign_once_when_the_window_fills(campaign: Any) -> None:
    campaign(6)
    run_pending_jobs()
    case = Case.objects.get()
    assert (case.reports_filed, case.is_campaign, _started()) == (6, False, [])
    campaign(6, start=6)
    run_pending_jobs()
    case.refresh_from_db()
    assert case.is_campaign and case.campaign_since is not None and case.reports_filed == 12
    assert _started() == [{"reports_in_window": 12, "window_seconds": 3600, "threshold": 10}]
    campaign(3, start=12)
    run_pending_jobs()
    assert len(_started()) == 1 and Case.objects.get().reports_filed == 15


def test_reports_spread_over_more_than_the_window_are_no_campaign(campaign: Any) -> None:
    ids = campaign(12)
    Report.objects.filter(pk__in=ids[:9]).update(received_at=timezone.now() - timedelta(hours=2))
    run_pending_jobs()
    case = Case.objects.get()
    assert case.reports_filed == 12 and not case.is_campaign and _started() == []


def test_the_rate_decays_with_the_window() -> None:
    now = timezone.now()
    case = Case(recent_reports=120.0, last_report_at=now)
    assert case.reports_per_hour == pytest.approx(120.0, rel=0.01)
    case.last_report_at = now - timedelta(hours=1)
    assert case.reports_per_hour == pytest.approx(120.0 / math.e, rel=0.01)
    assert Case().reports_per_hour == 0.0 and not Case().is_campaign


def test_the_queue_and_the_case_page_show_the_campaign(campaign: Any, staff: Any) -> None:
    campaign(12)
    campaign(1, url="https://derechos.test/blog/1", start=50)
    run_pending_jobs()
    console = Client()
    assert console.post("/console/login/", {"username": "ana", "password": PASSWORD}).status_code == 302
    queue = console.get("/console/").content.decode()
    assert queue.count('class="badge campaign"') == 1 and "12/h" in queue
    case = Case.objects.get(property__value="shop.test")
    page = console.get(f"/console/cases/{case.pk}/").content.decode()
    assert 'class="badge campaign"' in page and "12 reports · 12 per hour lately" in page
    quiet = Case.objects.get(property__value="derechos.test")
    page = console.get(f"/console/cases/{quiet.pk}/").content.decode()
    assert 'class="badge campaign"' not in page and "1 report · 1 per hour lately" in page
