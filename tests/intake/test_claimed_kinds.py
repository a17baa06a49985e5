"""Issue 11: a self-declared authority or trusted flagger carries no weight. Lanes and kinds that matter come only
from an API token; what a reporter says they are is recorded as a claim (Report.claimed_kind)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from abusedesk.accounts.models import ApiToken
from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case, PolicyClause
from abusedesk.intake.models import Report, Reporter
from abusedesk.testing.factories import report_body
from abusedesk.transparency.figures import notices_by_source
from abusedesk.transparency.period import Period
from abusedesk.transparency.sources import authority_orders_in
from abusedesk.transparency.statements import source_type

pytestmark = pytest.mark.django_db
INCOMPLETE_ORDER = {"issuing_authority": "Totally Real Police", "country": "IE"}


def _warn(case: Case, user: Any) -> Any:
    policy = PolicyClause.objects.get(code="doxxing")
    return actions.do_decide(case, actions.DecisionInput(outcome="warn_customer", policy_id=policy.pk,
                                                         reasoning="Warned."), acting_user=user)


def _period() -> Period:
    now = timezone.now()
    return Period(label="test", start=now - timedelta(days=1), end=now + timedelta(days=1))


@pytest.mark.parametrize("kind", ["authority", "trusted_flagger"])
def test_a_self_declared_kind_is_a_claim_and_gets_the_normal_lane(kind: str, customers: Any, staff: Any,
                                                                  post_report: Any, run_jobs: Any) -> None:
    body = report_body(urls=["https://forum.test/"], order=INCOMPLETE_ORDER,
                       reporter={"name": "X", "email": "x@evil.test", "kind": kind})
    response = post_report(body)
    assert response.status_code == 201 and response.json()["lane"] == "normal"
    report = Report.objects.select_related("reporter").get()
    assert (report.lane, report.claimed_kind, report.reporter.kind) == ("normal", kind, "individual")
    assert report.order_problems == []
    assert not AuditEvent.objects.filter(verb="order.incomplete").exists()
    run_jobs()
    case = Case.objects.get()
    assert case.lane == "normal"
    assert _warn(case, staff["ana"]).status == "effective"  # nothing blocks enforcement
    assert authority_orders_in(_period()) == []
    rows = {key: n for key, _label, n in notices_by_source(_period()).rows}
    assert rows["normal"] == 1 and rows.get("authority", 0) == 0 and rows.get("trusted", 0) == 0
    assert source_type([report]) == "SOURCE_ARTICLE_16"


def test_the_console_shows_the_claim_as_unverified(client: Client, customers: Any, staff: Any, post_report: Any,
                                                   run_jobs: Any) -> None:
    post_report(report_body(reporter={"name": "X", "email": "x@evil.test", "kind": "authority"}))
    run_jobs()
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{Case.objects.get().pk}/").content.decode()
    assert "says they are: Authority (DSA Art. 9), not verified" in page


def test_the_token_still_gives_the_authority_lane_and_checks_the_order(customers: Any, staff: Any,
                                                                       post_report: Any) -> None:
    token = ApiToken.issue(user=staff["root"], kind="authority", label="Cyber Unit")[1]
    body = report_body(urls=["https://forum.test/"], order=INCOMPLETE_ORDER,
                       reporter={"name": "Unit", "email": "unit@police.test", "kind": "individual"})
    assert post_report(body, token=token).json()["lane"] == "authority"
    report = Report.objects.select_related("reporter").get()
    assert report.reporter.kind == "authority" and report.order_problems


def test_an_order_marked_unfounded_no_longer_blocks_the_case(customers: Any, staff: Any, post_report: Any,
                                                             run_jobs: Any) -> None:
    token = ApiToken.issue(user=staff["root"], kind="authority", label="Cyber Unit")[1]
    post_report(report_body(urls=["https://forum.test/"], order=INCOMPLETE_ORDER,
                            reporter={"name": "Unit", "email": "unit@police.test", "kind": "authority"}), token=token)
    run_jobs()
    case = Case.objects.get()
    with pytest.raises(actions.ActionRefused, match="incomplete"):
        _warn(case, staff["ana"])
    actions.do_mark_unfounded(Report.objects.get(), acting_user=staff["ana"], reason="not a real order")
    assert _warn(case, staff["ana"]).status == "effective"


def test_the_migration_demotes_stored_self_declared_authorities(customers: Any, staff: Any, post_report: Any) -> None:
    from importlib import import_module

    post_report(report_body(reporter={"name": "X", "email": "x@evil.test", "kind": "individual"}))
    Reporter.objects.update(kind="authority")  # as the old intake stored a self-declared authority
    Report.objects.update(claimed_kind="", order_problems=["missing the legal basis"])
    migration = import_module("abusedesk.intake.migrations.0003_report_claimed_kind")
    migration.demote_self_declared(apps, None)
    report = Report.objects.select_related("reporter").get()
    assert (report.reporter.kind, report.claimed_kind, report.order_problems) == ("individual", "authority", [])
