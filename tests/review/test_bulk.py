"""Bulk actions in the console: every item changed through its own cases.actions call and audited on its own (closing
the 50 reports of a campaign writes exactly 50 `report.closed`), a decision made once for several cases and approved
once by a second analyst (each Decision still with its own Approval and events), the selection limit, who may do
it, and partial failures reported item by item."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Approval, Case, Decision, PolicyClause
from abusedesk.common.severity import SEVERITY_RANK
from abusedesk.intake.models import Report
from abusedesk.review import claims
from abusedesk.review.bulk_actions import MAX_ITEMS
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(settings: Any) -> None:
    settings.INTAKE_RATE_ANONYMOUS = "100000/m"
    settings.EVIDENCE_CAPTURE = False
    settings.CAMPAIGN_REPORTS = 20


@pytest.fixture
def file_reports(customers: Any, post_report: Any, run_jobs: Any) -> Any:
    """file(n, url=...) -> the case the n reports (each from its own reporter) were filed into."""

    def file(n: int, *, url: str = "https://shop.test/item/7", category: str = "spam", tag: str = "") -> Case:
        ids = []
        for i in range(n):
            response = post_report(report_body(
                urls=[url], category=category, explanation=f"A copy of the shop asks for card numbers ({tag}{i}).",
                reporter={"name": f"Reader {tag}{i}", "email": f"reader{tag}{i}@mail.test", "kind": "individual"}))
            assert response.status_code == 201, response.content
            ids.append(response.json()["id"])
        run_jobs()
        case = Report.objects.get(pk=ids[-1]).case
        assert case is not None and case.reports.count() >= n
        return case

    return file


def _as(staff: dict[str, Any], name: str) -> Client:
    client = Client()
    client.force_login(staff[name])
    return client


def _case(title: str, *, status: str = "open", severity: str = "S2") -> Case:
    return Case.objects.create(title=title, severity=severity, severity_rank=SEVERITY_RANK[severity], status=status,
                               group_key=f"property:{title}")


def _events(verb: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(verb=verb).order_by("seq"))


def _policy() -> PolicyClause:
    policy = PolicyClause.objects.filter(active=True).order_by("code").first()
    assert policy is not None
    return policy


# -- reports of a campaign -----------------------------------------------------------------------------------------

def test_closing_the_50_reports_of_a_campaign_writes_50_report_events(staff: Any, file_reports: Any) -> None:
    case = file_reports(50)
    assert case.is_campaign and case.reports.count() == 50
    ids = [str(pk) for pk in case.reports.values_list("pk", flat=True)]
    page = _as(staff, "ana").get(f"/console/cases/{case.pk}/?select=all").content.decode()
    assert page.count('class="bulk-pick"') == 50 and page.count(" checked aria-label=") == 50  # no-JS select all

    response = _as(staff, "ana").post(f"/console/bulk/cases/{case.pk}/reports/", {
        "report": ids, "action": "close", "reason": "spam wave <b>copy</b>", "close_case": "on"})
    assert response.status_code == 200
    closed = _events("report.closed")
    # Exactly one per report of the campaign: the reports are what was closed.
    assert len(closed) == 50 and sorted(e.object_id for e in closed) == sorted(ids)
    assert {(e.actor, e.payload["case"], e.payload["reason"]) for e in closed} == {
        ("user:ana", case.pk, "spam wave <b>copy</b>")}
    assert not Report.objects.filter(case=case).exclude(status="closed").exists()
    # Asked for: the case, with no open report left, is closed too (its own event); then one summary of the action.
    assert [e.object_id for e in _events("case.closed")] == [str(case.pk)]
    (summary,) = _events("bulk.applied")
    assert summary.payload["action"] == "reports.close" and summary.payload["case"] == case.pk
    assert len(summary.payload["done"]) == 51 and summary.payload["refused"] == []
    body = response.content.decode()
    assert "51 items: 51 done, 0 refused." in body and body.count('class="bulk-done"') == 51
    assert "<b>copy</b>" not in body


def test_closing_some_reports_leaves_the_case_open_and_a_second_close_is_refused(staff: Any,
                                                                                  file_reports: Any) -> None:
    case = file_reports(4)
    ids = [str(pk) for pk in case.reports.order_by("received_at").values_list("pk", flat=True)]
    ana = _as(staff, "ana")
    ana.post(f"/console/bulk/cases/{case.pk}/reports/", {"report": ids[:2], "action": "close", "reason": "dupes",
                                                         "close_case": "on"})
    assert len(_events("report.closed")) == 2 and not _events("case.closed")
    assert Case.objects.get(pk=case.pk).status == "open"
    other = file_reports(1, url="https://forum.test/t/9", category="threat", tag="f")
    stranger = str(other.reports.get().pk)
    response = ana.post(f"/console/bulk/cases/{case.pk}/reports/", {
        "report": [ids[0], ids[2], stranger], "action": "close", "reason": "dupes"})
    body = response.content.decode()
    assert "3 items: 1 done, 2 refused." in body
    assert "The report is already closed." in body and f"Not a report of {case.ref}." in body
    assert len(_events("report.closed")) == 3
    assert _events("bulk.applied")[-1].payload["refused"] == [ids[0], stranger]


def test_marking_reports_unfounded_in_bulk_applies_the_action_per_report(staff: Any, file_reports: Any) -> None:
    case = file_reports(3)
    ids = [str(pk) for pk in case.reports.values_list("pk", flat=True)]
    ana = _as(staff, "ana")
    ana.post(f"/console/bulk/cases/{case.pk}/reports/", {"report": ids[:1], "action": "unfounded",
                                                         "reason": "not about this site"})
    response = ana.post(f"/console/bulk/cases/{case.pk}/reports/", {"report": ids, "action": "unfounded",
                                                                    "reason": "not about this site"})
    assert "3 items: 2 done, 1 refused." in response.content.decode()
    assert Report.objects.filter(pk__in=ids, manifestly_unfounded=True).count() == 3
    assert sorted(e.object_id for e in _events("report.marked_unfounded")) == sorted(ids)


def test_moving_reports_only_between_cases_of_one_customer(staff: Any, file_reports: Any) -> None:
    shop = file_reports(3)
    same_customer = file_reports(1, url="http://198.51.100.3/login", category="malware", tag="ip")
    other_customer = file_reports(1, url="https://forum.test/t/1", category="threat", tag="f")
    assert shop.customer_id == same_customer.customer_id != other_customer.customer_id
    ids = [str(pk) for pk in shop.reports.values_list("pk", flat=True)]
    ana = _as(staff, "ana")
    response = ana.post(f"/console/bulk/cases/{shop.pk}/reports/", {
        "report": ids[:1], "action": "move", "reason": "same campaign", "target": other_customer.ref})
    assert "different customers" in response.content.decode()
    assert Report.objects.get(pk=ids[0]).case_id == shop.pk and not _events("report.moved")
    response = ana.post(f"/console/bulk/cases/{shop.pk}/reports/", {
        "report": ids[:2], "action": "move", "reason": "same campaign", "target": str(same_customer.pk)})
    assert "2 items: 2 done, 0 refused." in response.content.decode()
    assert Report.objects.filter(case=same_customer).count() == 3
    moved = _events("report.moved")
    assert sorted(e.object_id for e in moved) == sorted(ids[:2])
    assert moved[0].payload == {"from": shop.pk, "to": same_customer.pk, "merge": False, "reason": "same campaign"}
    shop.refresh_from_db()
    same_customer.refresh_from_db()
    assert (shop.reports_filed, same_customer.reports_filed) == (1, 3)
    response = ana.post(f"/console/bulk/cases/{shop.pk}/reports/", {
        "report": ids[2:], "action": "move", "reason": "x", "target": "C-987654"})
    assert response.status_code == 400 and "There is no case C-987654" in response.content.decode()


# -- cases from the queue ------------------------------------------------------------------------------------------

def test_bulk_close_of_cases_reports_each_and_audits_each(staff: Any) -> None:
    cases = [_case(f"wave {i}") for i in range(5)]
    already = _case("closed one", status="closed")
    awaiting = _case("awaiting", status="awaiting_approval")
    picked = [str(c.pk) for c in cases] + [str(already.pk), str(awaiting.pk), "987654"]
    response = _as(staff, "ana").post("/console/bulk/cases/", {"case": picked, "action": "close",
                                                               "reason": "spam wave"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "8 items: 5 done, 3 refused." in body
    assert "The case is already closed." in body and "A decision on this case is awaiting approval." in body
    assert "No such case, or not one you may see." in body
    assert sorted(e.object_id for e in _events("case.closed")) == sorted(str(c.pk) for c in cases)
    assert Case.objects.filter(pk__in=[c.pk for c in cases], status="closed").count() == 5
    assert Case.objects.get(pk=awaiting.pk).status == "awaiting_approval"
    (summary,) = _events("bulk.applied")
    assert summary.payload["done"] == [str(c.pk) for c in cases]
    assert summary.payload["refused"] == [str(already.pk), str(awaiting.pk), "987654"]


def test_bulk_acting_on_a_case_someone_else_holds_needs_confirmation(staff: Any) -> None:
    held, free = _case("held"), _case("free")
    claims.claim(held, staff["ana"])
    cho = _as(staff, "cho")
    body = cho.post("/console/bulk/cases/", {"case": [held.pk, free.pk], "action": "close",
                                             "reason": "dupes"}).content.decode()
    assert "2 items: 1 done, 1 refused." in body and "ana is working on this case" in body
    assert Case.objects.get(pk=held.pk).status == "open"
    body = cho.post("/console/bulk/cases/", {"case": [held.pk], "action": "close", "reason": "dupes",
                                             "claim_confirmed": "yes"}).content.decode()
    assert "1 item: 1 done, 0 refused." in body
    assert AuditEvent.objects.get(verb="claim.overridden").payload == {"claimant": "ana", "action": "close"}
    assert AuditEvent.objects.filter(verb="claim.released", object_id=str(held.pk)).exists()


def test_merging_cases_moves_every_report_and_closes_the_merged(staff: Any, file_reports: Any) -> None:
    shop = file_reports(3)
    ip = file_reports(2, url="http://198.51.100.3/login", category="malware", tag="ip")
    forum = file_reports(1, url="https://forum.test/t/1", category="threat", tag="f")
    moving = [str(pk) for pk in ip.reports.values_list("pk", flat=True)]
    response = _as(staff, "ana").post("/console/bulk/cases/", {
        "case": [shop.pk, ip.pk, forum.pk], "action": "merge", "target": shop.ref, "reason": "one campaign"})
    body = response.content.decode()
    assert "2 items: 1 done, 1 refused." in body and "different customers" in body
    assert Report.objects.filter(case=shop).count() == 5 and Report.objects.filter(case=forum).count() == 1
    assert sorted(e.object_id for e in _events("report.moved")) == sorted(moving)
    (merged,) = _events("case.merged")
    assert merged.object_id == str(ip.pk) and merged.payload == {"into": shop.pk, "reports": 2,
                                                                 "reason": "one campaign"}
    assert Case.objects.get(pk=ip.pk).status == "closed"
    assert Case.objects.get(pk=shop.pk).severity == min(shop.severity, ip.severity, key=SEVERITY_RANK.get)
    assert _events("bulk.applied")[0].payload["into"] == shop.pk


def test_merge_needs_a_target_and_cases_besides_it(staff: Any) -> None:
    one = _case("one")
    ana = _as(staff, "ana")
    response = ana.post("/console/bulk/cases/", {"case": [one.pk], "action": "merge", "reason": "x"})
    assert response.status_code == 400 and "Say which case the others are merged into." in response.content.decode()
    response = ana.post("/console/bulk/cases/", {"case": [one.pk], "action": "merge", "reason": "x",
                                                 "target": one.ref})
    assert response.status_code == 400 and "besides" in response.content.decode()
    assert not _events("bulk.applied")


# -- one decision for several cases, one approval for the group ----------------------------------------------------

def _three_cases(file_reports: Any) -> list[Case]:
    return [file_reports(1, url=url, category="scam", tag=str(i)) for i, url in enumerate(
        ["https://shop.test/a", "https://forum.test/b", "http://198.51.100.4/c"])]


def test_group_decision_waits_for_one_approval_of_the_group(staff: Any, file_reports: Any) -> None:
    shop, forum, ip = _three_cases(file_reports)
    done_case = _case("closed", status="closed")
    ana = _as(staff, "ana")
    form = ana.post("/console/bulk/decide/", {"case": [shop.pk, forum.pk, ip.pk, done_case.pk]})
    assert form.status_code == 200 and 'name="step" value="decide"' in form.content.decode()
    assert not Decision.objects.exists()  # showing the form changes nothing
    response = ana.post("/console/bulk/decide/", {
        "step": "decide", "case": [shop.pk, forum.pk, ip.pk, done_case.pk], "outcome": "warn_customer",
        "policy": _policy().pk, "reasoning": "The same scam kit on each site."})
    body = response.content.decode()
    assert "4 items: 3 done, 1 refused." in body and "The case is closed." in body
    decisions = list(Decision.objects.order_by("case_id"))
    bulk_ids = {d.bulk_id for d in decisions}
    assert len(decisions) == 3 and len(bulk_ids) == 1 and None not in bulk_ids
    # Warning a customer needs no second person on its own; decided in bulk it always does.
    assert {d.status for d in decisions} == {"awaiting_approval"}
    assert {c.status for c in Case.objects.filter(pk__in=[shop.pk, forum.pk, ip.pk])} == {"awaiting_approval"}
    made = _events("decision.made")
    assert len(made) == 3 and {e.payload["bulk"] for e in made} == {str(d.bulk_id) for d in decisions}
    (bulk_id,) = bulk_ids
    group = f"/console/bulk/decisions/{bulk_id}/"
    assert f'href="{group}"' in body

    assert "You made these decisions" in ana.get(group).content.decode()
    refused = ana.post(group + "approve/").content.decode()
    assert "3 items: 0 done, 3 refused." in refused and "cannot approve it" in refused

    ben = _as(staff, "ben")
    page = ben.get(group).content.decode()
    assert 'id="bulk-approve-submit"' in page and page.count("data-decision=") == 3
    approved = ben.post(group + "approve/").content.decode()
    assert "3 items: 3 done, 0 refused." in approved
    for decision in Decision.objects.all():
        (approval,) = Approval.objects.filter(decision=decision)
        assert approval.approver == staff["ben"] and approval.payload_hash == decision.payload_hash
        assert decision.status == "effective"
    assert sorted(e.object_id for e in _events("decision.approved")) == sorted(str(d.pk) for d in decisions)
    assert len(_events("decision.effective")) == 3
    assert [e.payload["action"] for e in _events("bulk.applied")] == ["decide", "approve", "approve"]
    again = ben.post(group + "approve/").content.decode()
    assert "3 items: 0 done, 3 refused." in again and "not awaiting approval" in again


def test_the_group_can_be_sent_back_as_one(staff: Any, file_reports: Any) -> None:
    cases = _three_cases(file_reports)
    bulk_id = uuid.uuid4()
    checked = actions.check_decide(actions.DecisionInput(outcome="suspend_service", policy_id=_policy().pk,
                                                         reasoning="Same kit."), acting_user=staff["ana"])
    for case in cases:
        actions.do_decide(case, checked, acting_user=staff["ana"], bulk_id=bulk_id)
    cho = _as(staff, "cho")
    empty = cho.post(f"/console/bulk/decisions/{bulk_id}/return/", {"answer": "send_back", "reason": " "})
    assert empty.status_code == 400
    body = cho.post(f"/console/bulk/decisions/{bulk_id}/return/", {"answer": "send_back",
                                                                   "reason": "Cite the page."}).content.decode()
    assert "3 items: 3 done, 0 refused." in body
    assert {d.status for d in Decision.objects.all()} == {"sent_back"} and len(_events("decision.sent_back")) == 3


def test_a_bulk_decision_is_never_an_emergency(staff: Any) -> None:
    case = _case("s0", severity="S0")
    data = actions.DecisionInput(outcome="suspend_service", policy_id=_policy().pk, reasoning="x")
    with pytest.raises(actions.ActionRefused, match="one case at a time"):
        actions.do_decide(case, data, acting_user=staff["ana"], emergency=True, bulk_id=uuid.uuid4())
    assert not Decision.objects.exists()


# -- who may, and how many -----------------------------------------------------------------------------------------

def test_auditors_read_the_group_but_cannot_act(staff: Any, file_reports: Any) -> None:
    cases = _three_cases(file_reports)
    bulk_id = uuid.uuid4()
    checked = actions.check_decide(actions.DecisionInput(outcome="warn_customer", policy_id=_policy().pk,
                                                         reasoning="Same kit."), acting_user=staff["ana"])
    for case in cases:
        actions.do_decide(case, checked, acting_user=staff["ana"], bulk_id=bulk_id)
    aud = _as(staff, "aud")
    page = aud.get(f"/console/bulk/decisions/{bulk_id}/")
    assert page.status_code == 200 and 'id="bulk-approve-submit"' not in page.content.decode()
    assert aud.post(f"/console/bulk/decisions/{bulk_id}/approve/").status_code == 404
    assert aud.post("/console/bulk/cases/", {"case": [cases[0].pk], "action": "close",
                                             "reason": "x"}).status_code == 404
    assert aud.post("/console/bulk/decide/", {"case": [cases[0].pk]}).status_code == 404
    report = str(cases[0].reports.get().pk)
    assert aud.post(f"/console/bulk/cases/{cases[0].pk}/reports/", {
        "report": [report], "action": "close", "reason": "x"}).status_code == 404
    queue = aud.get("/console/").content.decode()
    assert 'class="bulk-pick"' not in queue and 'id="bulk-cases"' not in queue
    assert not Approval.objects.exists() and not _events("bulk.applied")
    assert Client().post("/console/bulk/cases/", {"case": [cases[0].pk]}).status_code == 302  # to the login


def test_every_bulk_post_needs_the_csrf_token(staff: Any) -> None:
    case = _case("one")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["ana"])
    assert client.post("/console/bulk/cases/", {"case": [case.pk], "action": "close", "reason": "x"}).status_code \
        == 403
    assert client.post("/console/bulk/decide/", {"case": [case.pk]}).status_code == 403
    assert client.post(f"/console/bulk/decisions/{uuid.uuid4()}/approve/").status_code == 403
    assert Case.objects.get(pk=case.pk).status == "open"


def test_the_selection_is_limited_and_must_not_be_empty(staff: Any) -> None:
    ana = _as(staff, "ana")
    response = ana.post("/console/bulk/cases/", {"case": [str(i) for i in range(1, MAX_ITEMS + 2)],
                                                 "action": "close", "reason": "x"})
    assert response.status_code == 400
    assert f"{MAX_ITEMS + 1} cases are selected; at most {MAX_ITEMS} can be changed at once." in \
        response.content.decode()
    response = ana.post("/console/bulk/cases/", {"action": "close", "reason": "x"})
    assert response.status_code == 400 and "Select at least one case." in response.content.decode()
    response = ana.post("/console/bulk/cases/", {"case": ["1; drop"], "action": "close", "reason": "x"})
    assert response.status_code == 400 and "is not a case number" in response.content.decode()
    case = _case("one")
    response = ana.post("/console/bulk/cases/", {"case": [case.pk], "action": "close", "reason": " "})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()
    assert not _events("case.closed") and not _events("bulk.applied")


def test_the_queue_offers_the_selection_to_deciders(staff: Any) -> None:
    cases = [_case(f"c{i}") for i in range(3)]
    page = _as(staff, "ana").get("/console/").content.decode()
    assert page.count('class="bulk-pick"') == 3 and 'id="bulk-cases"' in page and " checked aria-label" not in page
    assert 'form="bulk-cases"' in page and 'href="?select=all"' in page
    ticked = _as(staff, "ana").get("/console/?select=all").content.decode()
    assert ticked.count(" checked aria-label") == len(cases) and 'id="bulk-clear"' in ticked
