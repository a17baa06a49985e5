"""Queues as saved views: leads create, change and delete them (audited), everyone reading cases sees them with
counts and the oldest case's age, each filter narrows the keyset queue (links keep the queue), analysts pick their
queues and "next case" takes from them, and the S0 banner stays above all."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abusedesk.attribution.models import Customer
from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case
from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK
from abusedesk.review import claims
from abusedesk.review.models import SavedQueue
from abusedesk.review.queue import PAGE_SIZE
from abusedesk.review.queuefilter import QueueFilter

pytestmark = pytest.mark.django_db
ROW = re.compile(r'<a href="/console/cases/(\d+)/">')
NEXT = re.compile(r'rel="next" href="\?([^"]+)"')


def _case(title: str, severity: str = "S2", *, lane: str = "normal", status: str = "open", age_minutes: int = 0,
          customer: Customer | None = None, campaign: bool = False) -> Case:
    case = Case.objects.create(title=title, severity=severity, severity_rank=SEVERITY_RANK[severity], lane=lane,
                               lane_rank=LANE_RANK[lane], status=status, group_key=f"property:{title}",
                               customer=customer, campaign_since=timezone.now() if campaign else None)
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(minutes=age_minutes))
    return Case.objects.get(pk=case.pk)


def _as(staff: dict[str, Any], name: str) -> Client:
    client = Client()
    client.force_login(staff[name])
    return client


def _shown(client: Client, query: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(client.get(f"/console/?{query}").content.decode())]


FORM = {"name": "S1 threats", "severity": "S1", "lane": "", "category": "", "language": "", "customer": "",
        "campaign": "", "min_age_minutes": ""}


def test_a_lead_creates_changes_and_deletes_a_queue_and_each_is_audited(staff: Any) -> None:
    Customer.objects.create(external_id="cust-7", name="Seven Ltd")
    lead = _as(staff, "ben")
    assert lead.get("/console/queues/new/").status_code == 200
    response = lead.post("/console/queues/new/", {**FORM, "customer": "cust-7", "members": [staff["ana"].pk]})
    assert response.status_code == 302
    queue = SavedQueue.objects.get()
    assert queue.customer is not None and queue.customer.external_id == "cust-7" and queue.created_by == staff["ben"]
    assert list(queue.members.all()) == [staff["ana"]]
    created = AuditEvent.objects.get(verb="queue.created")
    assert created.actor == "user:ben" and created.payload["customer"] == "cust-7"
    assert created.payload["members"] == ["ana"]
    form = lead.get(f"/console/queues/{queue.pk}/edit/").content.decode()
    assert 'value="cust-7"' in form  # the customer's own id, not our internal one
    lead.post(f"/console/queues/{queue.pk}/edit/", {**FORM, "name": "S1 everywhere", "campaign": "yes"})
    queue.refresh_from_db()
    assert queue.name == "S1 everywhere" and queue.customer is None and queue.campaign == "yes"
    assert AuditEvent.objects.get(verb="queue.changed").payload["members"] == []
    lead.post(f"/console/queues/{queue.pk}/delete/")
    assert not SavedQueue.objects.exists()
    assert AuditEvent.objects.get(verb="queue.deleted").payload["name"] == "S1 everywhere"


def test_the_form_names_bad_input(staff: Any) -> None:
    lead = _as(staff, "root")
    response = lead.post("/console/queues/new/", {**FORM, "customer": "nobody", "language": "<i>x",
                                                  "min_age_minutes": "-5"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "No customer has that id." in body and "a code such as en, es or pt-BR" in body
    assert "<i>x" not in body and "&lt;i&gt;x" in body  # escaped when shown back
    assert not SavedQueue.objects.exists()


def test_who_may_do_what_with_queues(client: Client, staff: Any) -> None:
    queue = SavedQueue.objects.create(name="all")
    writes = ["/console/queues/new/", f"/console/queues/{queue.pk}/edit/", f"/console/queues/{queue.pk}/delete/"]
    for path in [*writes, "/console/queues/", f"/console/queues/{queue.pk}/pick/"]:
        response = client.post(path, FORM)  # a stranger
        assert response.status_code == 302 and "/console/login/" in response["Location"], path
    for name in ("ana", "aud"):  # an analyst and an auditor change no queue
        for path in writes:
            assert _as(staff, name).post(path, FORM).status_code == 404, (name, path)
    assert _as(staff, "aud").post(f"/console/queues/{queue.pk}/pick/", {"pick": "1"}).status_code == 404
    assert _as(staff, "aud").get("/console/queues/").status_code == 200  # reading is fine
    assert _as(staff, "ben").get("/console/queues/999999/edit/").status_code == 404
    assert SavedQueue.objects.get().name == "all" and not queue.members.exists()
    assert not AuditEvent.objects.filter(verb__startswith="queue.").exists()


def test_the_list_counts_open_cases_the_oldest_and_those_nobody_holds(staff: Any) -> None:
    queue = SavedQueue.objects.create(name="S1 queue", severity="S1")
    held = _case("held", "S1", age_minutes=3 * 60)
    _case("free", "S1", age_minutes=10)
    _case("closed", "S1", status="closed", age_minutes=5 * 24 * 60)
    _case("other", "S2", age_minutes=9 * 24 * 60)
    claims.claim(held, staff["cho"])
    body = _as(staff, "ana").get("/console/queues/").content.decode()
    row = body[body.index(f'id="saved-queue-{queue.pk}"'):].split("</tr>")[0]
    assert '<td class="queue-open">2</td>' in row and '<td class="queue-ready">1</td>' in row
    assert re.search(r'class="queue-oldest"><span title="[^"]+">3\xa0hours', row), row


def test_each_filter_narrows_the_queue(staff: Any, customers: Any, post_report: Any, run_jobs: Any) -> None:
    from abusedesk.testing.factories import report_body

    post_report(report_body(urls=["https://forum.test/t/1"], category="threat", language="en"))
    post_report(report_body(urls=["https://shop.test/x"], category="scam", language="es"), REMOTE_ADDR="192.0.2.9")
    run_jobs()
    forum, shop = Case.objects.get(property__value="forum.test"), Case.objects.get(property__value="shop.test")
    acme = Customer.objects.create(external_id="acme", name="Acme")
    trusted = _case("trusted", "S3", lane="trusted", customer=acme)
    wave = _case("wave", "S3", campaign=True, age_minutes=120)
    expected = {
        QueueFilter(category="scam"): {shop.pk},
        QueueFilter(language="en"): {forum.pk},
        QueueFilter(category="threat", language="es"): set(),
        QueueFilter(lane="trusted"): {trusted.pk},
        QueueFilter(customer_id=acme.pk): {trusted.pk},
        QueueFilter(campaign="yes"): {wave.pk},
        QueueFilter(campaign="no"): {forum.pk, shop.pk, trusted.pk},
        QueueFilter(min_age_minutes=60): {wave.pk},
        QueueFilter(severity=forum.severity): {c.pk for c in (forum, shop, trusted, wave)
                                               if c.severity == forum.severity},
        QueueFilter(): {forum.pk, shop.pk, trusted.pk, wave.pk},
    }
    ana = _as(staff, "ana")
    for number, (narrow, ids) in enumerate(expected.items()):
        queue = SavedQueue.objects.create(
            name=f"queue {number}", severity=narrow.severity, lane=narrow.lane, category=narrow.category,
            language=narrow.language, customer_id=narrow.customer_id, campaign=narrow.campaign,
            min_age_minutes=narrow.min_age_minutes)
        assert set(_shown(ana, f"queue={queue.pk}")) == ids, narrow
        assert set(claims.available([QueueFilter.of(queue)]).values_list("pk", flat=True)) == ids, narrow


def test_links_keep_the_queue_and_a_wrong_queue_is_not_found(staff: Any) -> None:
    queue = SavedQueue.objects.create(name="S3", severity="S3")
    cases = [_case(f"c{i}", "S3" if i % 2 else "S2", age_minutes=i) for i in range(2 * PAGE_SIZE + 10)]
    ana = _as(staff, "ana")
    body = ana.get(f"/console/?queue={queue.pk}").content.decode()
    assert 'id="queue-chosen"' in body and f'name="queue" value="{queue.pk}"' in body
    seen, query = [], f"queue={queue.pk}"
    for _ in range(10):
        body = ana.get(f"/console/?{query}").content.decode()
        seen += [int(pk) for pk in ROW.findall(body)]
        found = NEXT.search(body)
        if not found:
            break
        query = found.group(1).replace("&amp;", "&")
        assert f"queue={queue.pk}" in query
    s3 = sorted((c for c in cases if c.severity == "S3"), key=lambda c: (c.opened_at, c.pk))
    assert seen == [c.pk for c in s3]
    for bad in ("999999", "x", "1.5", "-1"):
        assert ana.get(f"/console/?queue={bad}").status_code == 404, bad
        assert ana.post("/console/next/", {"queue": bad}).status_code == 404, bad


def test_next_case_takes_from_the_queues_the_analyst_works(staff: Any) -> None:
    s1 = SavedQueue.objects.create(name="S1", severity="S1")
    trusted = SavedQueue.objects.create(name="trusted", lane="trusted")
    urgent = _case("urgent-s0", "S0")  # in neither queue
    in_s1 = _case("s1", "S1", age_minutes=5)
    in_trusted = _case("trusted", "S3", lane="trusted", age_minutes=50)
    ana = _as(staff, "ana")
    ana.post(f"/console/queues/{s1.pk}/pick/", {"pick": "1"})
    ana.post(f"/console/queues/{trusted.pk}/pick/", {"pick": "1"})
    assert set(staff["ana"].picked_queues.all()) == {s1, trusted}
    page = ana.get("/console/queues/").content.decode()
    assert page.count("Stop working it") == 2
    assert ana.post("/console/next/")["Location"] == f"/console/cases/{in_s1.pk}/"
    assert ana.post("/console/next/")["Location"] == f"/console/cases/{in_trusted.pk}/"
    assert ana.post("/console/next/")["Location"] == "/console/"  # the S0 is in no queue of hers
    ana.post(f"/console/queues/{s1.pk}/pick/", {"pick": "0"})
    ana.post(f"/console/queues/{trusted.pk}/pick/", {"pick": "0"})
    assert ana.post("/console/next/")["Location"] == f"/console/cases/{urgent.pk}/"  # no queues: everything
    cho = _as(staff, "cho")
    assert cho.post("/console/next/", {"queue": s1.pk})["Location"] == f"/console/?queue={s1.pk}"


def test_the_s0_banner_stays_above_a_saved_queue(staff: Any) -> None:
    from abusedesk.triage.models import Page

    queue = SavedQueue.objects.create(name="spam", category="spam")
    page = Page.objects.create(case=_case("s0", "S0"), severity="S0", reason="threat and address")
    body = _as(staff, "ana").get(f"/console/?queue={queue.pk}").content.decode()
    assert body.index(f'id="page-{page.pk}"') < body.index('id="queue-chosen"')
