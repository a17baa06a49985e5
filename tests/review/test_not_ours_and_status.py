"""Reports about sites we do not serve get a console lane and an answer; every reporter gets a status page
reached by an unguessable link, which the API's `status_url` now is."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from abusedesk.intake.models import Report
from abusedesk.intake.status import status_token
from abusedesk.jobs.worker import run_pending_jobs
from abusedesk.testing.factories import report_body


@pytest.mark.django_db
def test_not_ours_reports_have_a_console_lane(staff: Any, customers: Any, post_report: Any, client: Client) -> None:
    post_report(report_body(urls=["https://elsewhere.test/\u202etxt.exe"]))
    run_pending_jobs()
    report = Report.objects.get()
    assert report.status == "not_our_customer"
    client.force_login(staff["ana"])
    assert 'href="/console/not-ours/"' in client.get("/console/").content.decode()
    body = client.get("/console/not-ours/").content.decode()
    assert f'id="report-{report.pk}"' in body
    assert "“Not our customer” sent" in body
    assert "[U+202E]" in body and "\u202e" not in body  # the override is shown, not obeyed
    assert 'class="who-serves" href="/api/v1/lookup?url=https%3A%2F%2Felsewhere.test%2F' in body


@pytest.mark.django_db
def test_not_ours_lane_needs_staff(client: Client) -> None:
    assert client.get("/console/not-ours/").status_code in {302, 403}


@pytest.mark.django_db
def test_status_url_answers_the_reporter_it_was_sent_to(customers: Any, post_report: Any) -> None:
    created = post_report(report_body())
    status_url = created.json()["status_url"]
    report = Report.objects.get()
    assert str(report.pk) in status_url and status_token(report.pk) in status_url
    anonymous = Client()
    page = anonymous.get(urlsplit(status_url).path)
    assert page.status_code == 200
    assert "Received, waiting to be checked." in page.content.decode()
    run_pending_jobs()
    page = anonymous.get(urlsplit(status_url).path)
    assert "A person on our abuse team is reviewing it." in page.content.decode()
    assert report.reporter.email not in page.content.decode()


@pytest.mark.django_db
def test_status_link_cannot_be_guessed_from_the_report_id(customers: Any, post_report: Any, client: Client) -> None:
    post_report(report_body())
    report = Report.objects.get()
    for token in (str(report.pk), f"{report.pk}:", f"{report.pk}:{'A' * 43}", "x"):
        assert client.get(f"/en/report/status/{token}/").status_code == 404


@pytest.mark.django_db
def test_status_page_in_spanish_for_a_site_we_do_not_serve(customers: Any, post_report: Any,
                                                            client: Client) -> None:
    post_report(report_body(urls=["https://elsewhere.test/x"], language="es"))
    run_pending_jobs()
    report = Report.objects.get()
    body = client.get(f"/es/report/status/{status_token(report.pk)}/").content.decode()
    assert "elsewhere.test" in body and 'id="who-serves"' in body
    assert "No lo servimos nosotros" in body
