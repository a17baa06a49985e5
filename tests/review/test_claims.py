"""Claims: one live claim per case (held by the database), expiry and takeover, a lead's assignment and release,
acting on a case someone else holds only with confirmation, who may do what, and "next case" (its order, and two
at once never getting the same case: threads on PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case, Decision, PolicyClause
from abusedesk.common.severity import LANE_RANK, SEVERITY_RANK
from abusedesk.review import claims
from abusedesk.review.models import Claim
from abusedesk.testing.factories import make_user

pytestmark = pytest.mark.django_db


def _case(severity: str = "S2", *, status: str = "open", lane: str = "normal", age_minutes: int = 0,
          title: str = "case") -> Case:
    case = Case.objects.create(title=title, severity=severity, severity_rank=SEVERITY_RANK[severity], lane=lane,
                               lane_rank=LANE_RANK[lane], status=status, group_key=f"property:{title}")
    if age_minutes:
        Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(minutes=age_minutes))
    return Case.objects.get(pk=case.pk)


def _as(staff: dict[str, Any], name: str) -> Client:
    client = Client()
    client.force_login(staff[name])
    return client


def _idle(case: Case, minutes: int) -> None:
    Claim.objects.filter(case=case, released_at__isnull=True).update(
        last_activity_at=timezone.now() - timedelta(minutes=minutes))


def _verbs(case: Case) -> list[str]:
    return list(AuditEvent.objects.filter(object_type="case", object_id=str(case.pk), verb__startswith="claim.")
                .order_by("at", "id").values_list("verb", flat=True))


def test_claiming_shows_the_claim_to_others_and_is_audited(staff: Any) -> None:
    case = _case()
    ana, cho = _as(staff, "ana"), _as(staff, "cho")
    assert ana.post(f"/console/cases/{case.pk}/claim/").status_code == 302
    claim = Claim.objects.get(case=case, released_at__isnull=True)
    assert claim.user == staff["ana"] and claim.assigned_by is None
    page = cho.get(f"/console/cases/{case.pk}/").content.decode()
    assert "Claimed by <strong class=\"claimant\">ana</strong>" in page and "idle 0 min" in page
    assert 'id="claim-submit"' not in page  # not offered while ana's claim is alive
    event = AuditEvent.objects.get(verb="claim.claimed")
    assert event.actor == "user:ana" and event.payload == {"claimant": "ana"}


def test_a_second_claim_is_refused_while_the_first_is_alive(staff: Any) -> None:
    case = _case()
    claims.claim(case, staff["ana"])
    with pytest.raises(claims.ClaimRefused, match="ana is working on this case"):
        claims.claim(case, staff["cho"])
    response = _as(staff, "cho").post(f"/console/cases/{case.pk}/claim/", follow=True)
    assert "ana is working on this case" in response.content.decode()
    assert Claim.objects.filter(case=case, released_at__isnull=True).get().user == staff["ana"]


def test_the_database_refuses_two_live_claims_on_one_case(staff: Any) -> None:
    case = _case()
    Claim.objects.create(case=case, user=staff["ana"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(case=case, user=staff["cho"])
    Claim.objects.filter(case=case).update(released_at=timezone.now())  # released claims do not count
    Claim.objects.create(case=case, user=staff["cho"])
    assert Claim.objects.filter(case=case).count() == 2


def test_opening_the_case_keeps_the_claim_alive(staff: Any, settings: Any) -> None:
    case = _case()
    claims.claim(case, staff["ana"])
    _idle(case, settings.CLAIM_IDLE_MINUTES - 1)
    _as(staff, "cho").get(f"/console/cases/{case.pk}/")  # someone else looking is not the holder's activity
    assert claims.is_expired(Claim.objects.get(case=case), timezone.now() + timedelta(minutes=2))
    _as(staff, "ana").get(f"/console/cases/{case.pk}/")
    claim = Claim.objects.get(case=case)
    assert timezone.now() - claim.last_activity_at < timedelta(minutes=1)


def test_an_expired_claim_can_be_taken_over(staff: Any, settings: Any) -> None:
    settings.CLAIM_IDLE_MINUTES = 30
    case = _case()
    claims.claim(case, staff["ana"])
    _idle(case, 31)
    cho = _as(staff, "cho")
    page = cho.get(f"/console/cases/{case.pk}/").content.decode()
    assert "claim expired" in page and "Take over" in page
    cho.post(f"/console/cases/{case.pk}/claim/")
    old, new = Claim.objects.filter(case=case).order_by("claimed_at", "id")
    assert old.release_reason == "taken_over" and old.released_at is not None
    assert new.user == staff["cho"] and new.released_at is None
    event = AuditEvent.objects.get(verb="claim.taken_over")
    assert event.payload["previous"] == "ana" and event.payload["claimant"] == "cho"


def test_a_takeover_loses_to_the_holder_coming_back(staff: Any) -> None:
    """The takeover releases the old claim only if it is still idle when the UPDATE runs."""
    case = _case()
    claims.claim(case, staff["ana"])
    _idle(case, 40)
    stale = Claim.objects.get(case=case)  # what the taker read
    claims.touch(case, staff["ana"])  # ana is back before the taker's UPDATE
    assert not claims._end(stale, reason="taken_over", only_if_idle_since=timezone.now() - claims.idle_limit())
    with pytest.raises(claims.ClaimRefused):
        claims.claim(case, staff["cho"])
    assert Claim.objects.get(case=case, released_at__isnull=True).user == staff["ana"]


def test_release_by_the_holder_or_a_lead_only(staff: Any) -> None:
    case = _case()
    claims.claim(case, staff["ana"])
    _as(staff, "cho").post(f"/console/cases/{case.pk}/release/")
    assert Claim.objects.get(case=case).released_at is None  # cho is neither the holder nor a lead
    _as(staff, "ben").post(f"/console/cases/{case.pk}/release/")  # a senior analyst releases anyone's
    assert Claim.objects.get(case=case).release_reason == "released"
    claims.claim(case, staff["cho"])
    _as(staff, "cho").post(f"/console/cases/{case.pk}/release/")
    assert not Claim.objects.filter(case=case, released_at__isnull=True).exists()
    assert _verbs(case) == ["claim.claimed", "claim.released", "claim.claimed", "claim.released"]
    released = AuditEvent.objects.filter(verb="claim.released").order_by("at", "id").first()
    assert released is not None and released.actor == "user:ben" and released.payload["claimant"] == "ana"


def test_a_lead_assigns_and_an_analyst_cannot(staff: Any) -> None:
    case = _case()
    claims.claim(case, staff["ana"])
    assert _as(staff, "ana").post(f"/console/cases/{case.pk}/assign/", {"user": staff["cho"].pk}).status_code == 404
    assert Claim.objects.get(case=case, released_at__isnull=True).user == staff["ana"]
    lead = _as(staff, "ben")
    assert 'id="assign-form"' in lead.get(f"/console/cases/{case.pk}/").content.decode()
    lead.post(f"/console/cases/{case.pk}/assign/", {"user": staff["cho"].pk})
    claim = Claim.objects.get(case=case, released_at__isnull=True)
    assert claim.user == staff["cho"] and claim.assigned_by == staff["ben"]
    assert Claim.objects.get(case=case, user=staff["ana"]).release_reason == "reassigned"
    event = AuditEvent.objects.get(verb="claim.assigned")
    assert event.actor == "user:ben" and event.payload == {"claimant": "cho", "previous": "ana"}
    page = _as(staff, "ana").get(f"/console/cases/{case.pk}/").content.decode()
    assert "assigned by ben" in page
    lead.post(f"/console/cases/{case.pk}/assign/", {"user": staff["aud"].pk}, follow=True)  # cannot work cases
    assert Claim.objects.get(case=case, released_at__isnull=True).user == staff["cho"]


def test_who_may_claim(client: Client, staff: Any) -> None:
    case = _case()
    for path in (f"/console/cases/{case.pk}/claim/", "/console/next/", f"/console/cases/{case.pk}/release/"):
        response = client.post(path)  # a stranger: to the login page
        assert response.status_code == 302 and "/console/login/" in response["Location"]
        assert _as(staff, "aud").post(path).status_code == 404  # an auditor reads, never claims
    assert _as(staff, "aud").post(f"/console/cases/{case.pk}/assign/", {"user": staff["ana"].pk}).status_code == 404
    assert _as(staff, "ana").get(f"/console/cases/{case.pk}/claim/").status_code == 405
    assert _as(staff, "ana").post("/console/cases/999999/claim/").status_code == 404
    inactive = make_user("gone", "analyst")
    inactive.is_active = False
    inactive.save()
    with pytest.raises(claims.ClaimRefused):
        claims.claim(case, inactive)
    assert not Claim.objects.exists()
    page = _as(staff, "aud").get(f"/console/cases/{case.pk}/").content.decode()
    assert 'id="claim-submit"' not in page


def test_closed_cases_cannot_be_claimed(staff: Any) -> None:
    case = _case(status="closed")
    with pytest.raises(claims.ClaimRefused, match="closed"):
        claims.claim(case, staff["ana"])


def test_csrf_is_enforced_on_claims(staff: Any) -> None:
    case = _case()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff["ana"])
    assert client.post(f"/console/cases/{case.pk}/claim/").status_code == 403
    assert client.post("/console/next/").status_code == 403
    assert not Claim.objects.exists()


def test_closing_a_case_someone_else_holds_needs_confirmation(staff: Any) -> None:
    case = _case()
    claims.claim(case, staff["ana"])
    cho = _as(staff, "cho")
    page = cho.get(f"/console/cases/{case.pk}/").content.decode()
    assert "I know ana is working on this" in page and 'name="claim_confirmed"' in page
    response = cho.post(f"/console/cases/{case.pk}/close/", {"reason": "duplicate"})
    assert response.status_code == 409
    assert "ana is working on this case." in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "open"
    response = cho.post(f"/console/cases/{case.pk}/close/", {"reason": "duplicate", "claim_confirmed": "yes"})
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).status == "closed"
    assert _verbs(case) == ["claim.claimed", "claim.overridden", "claim.released"]
    assert Claim.objects.get(case=case).release_reason == "case_closed"
    overridden = AuditEvent.objects.get(verb="claim.overridden")
    assert overridden.actor == "user:cho" and overridden.payload == {"claimant": "ana", "action": "close"}


def test_deciding_a_case_someone_else_holds_needs_confirmation(staff: Any, customers: Any, post_report: Any,
                                                               run_jobs: Any) -> None:
    from abusedesk.testing.factories import report_body

    post_report(report_body())
    run_jobs()
    case = Case.objects.get()
    claims.claim(case, staff["ana"])
    policy = PolicyClause.objects.get(code="threats-to-life")
    form = {"outcome": "warn_customer", "policy": policy.pk, "reasoning": "A threat."}
    cho = _as(staff, "cho")
    response = cho.post(f"/console/cases/{case.pk}/decide/", form)
    assert response.status_code == 409 and not Decision.objects.exists()
    body = response.content.decode()
    assert 'id="claim-warning"' in body and "A threat." in body  # the analyst's text is kept
    cho.post(f"/console/cases/{case.pk}/decide/", {**form, "claim_confirmed": "yes"})
    assert Decision.objects.get().decided_by == staff["cho"]
    assert AuditEvent.objects.get(verb="claim.overridden").payload["action"] == "decide"
    # The holder acts without confirming anything, and acting keeps the claim alive.
    _idle(case, 10)
    assert _as(staff, "ana").post(f"/console/cases/{case.pk}/close/", {"reason": "done"}).status_code == 302
    assert Claim.objects.get(case=case).release_reason == "case_closed"


def test_the_queue_shows_who_holds_each_case(staff: Any) -> None:
    held, free = _case("S1", title="held"), _case("S2", title="free")
    claims.claim(held, staff["ana"])
    body = _as(staff, "cho").get("/console/").content.decode()
    held_row = body[body.index(f"/console/cases/{held.pk}/"):body.index(f"/console/cases/{free.pk}/")]
    assert '<span class="claimant">ana</span>' in held_row
    assert "claimant" not in body[body.index(f"/console/cases/{free.pk}/"):].split("</tr>")[0]


# -- next case ---------------------------------------------------------------------------------------------------

def test_next_case_takes_the_most_urgent_case_nobody_holds(staff: Any, settings: Any) -> None:
    old_s2 = _case("S2", age_minutes=600, title="old-s2")
    new_s0 = _case("S0", age_minutes=1, title="new-s0")
    old_s0 = _case("S0", age_minutes=5, title="old-s0")
    _case("S0", status="closed", title="closed-s0")
    _case("S0", status="decided", title="decided-s0")
    held_s1 = _case("S1", age_minutes=900, title="held-s1")
    claims.claim(held_s1, staff["ben"])
    ana = _as(staff, "ana")
    taken = []
    for _ in range(3):
        response = ana.post("/console/next/")
        assert response.status_code == 302
        taken.append(int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert taken == [old_s0.pk, new_s0.pk, old_s2.pk]
    assert set(Claim.objects.filter(user=staff["ana"]).values_list("case_id", flat=True)) == set(taken)
    response = ana.post("/console/next/", follow=True)
    assert "Nothing to take" in response.content.decode()
    assert AuditEvent.objects.filter(verb="claim.claimed", payload__via="next").count() == 3


def test_next_case_takes_over_an_expired_claim(staff: Any) -> None:
    case = _case("S1")
    claims.claim(case, staff["ben"])
    assert claims.next_case(staff["ana"], []) is None
    _idle(case, 60)
    assert claims.next_case(staff["ana"], []) == case
    assert Claim.objects.get(case=case, released_at__isnull=True).user == staff["ana"]
    assert _verbs(case) == ["claim.claimed", "claim.taken_over"]


def test_next_case_skips_a_candidate_lost_to_another_request(staff: Any, monkeypatch: Any) -> None:
    """The unique index is the last word: when the first reads miss a claim another request committed meanwhile,
    the insert fails, that attempt is rolled back, and the next candidate is taken."""
    from abusedesk.review.queue import ORDER

    first, second = _case("S0", age_minutes=9, title="first"), _case("S0", age_minutes=1, title="second")
    claims.claim(first, staff["cho"])  # committed by "the other request"; the first reads below do not see it
    stale = {"available": 1, "live_claim": 1}
    real_available, real_live = claims.available, claims.live_claim

    def available(filters: Any, now: Any = None) -> Any:
        if stale["available"]:
            stale["available"] -= 1
            return Case.objects.filter(status="open").order_by(*ORDER)
        return real_available(filters, now)

    def live_claim(case: Case) -> Claim | None:
        if stale["live_claim"]:
            stale["live_claim"] -= 1
            return None
        return real_live(case)

    monkeypatch.setattr(claims, "available", available)
    monkeypatch.setattr(claims, "live_claim", live_claim)
    assert claims.next_case(staff["ana"], []) == second
    assert Claim.objects.get(case=first).user == staff["cho"]
    assert _verbs(first) == ["claim.claimed"] and _verbs(second) == ["claim.claimed"]
    assert AuditEvent.objects.get(object_id=str(second.pk)).payload == {"claimant": "ana", "via": "next"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_next_case_never_hands_out_the_same_case(policies: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL; SQLite runs one writer at a time")
    analysts = [make_user(f"analyst{i}", "analyst") for i in range(8)]
    cases = [_case(["S0", "S1", "S2", "S3"][i % 4], age_minutes=i, title=f"c{i}") for i in range(20)]
    start = threading.Barrier(len(analysts))
    got: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(user: Any) -> None:
        try:
            start.wait()
            for _ in range(3):
                case = claims.next_case(user, [])
                if case is not None:
                    with lock:
                        got.append(case.pk)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(user,)) for user in analysts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(got) == len(set(got)) == 20  # 24 requests for 20 cases: each case once, the rest found none
    assert set(got) == {c.pk for c in cases}
    assert Claim.objects.filter(released_at__isnull=True).count() == 20
    assert AuditEvent.objects.filter(verb="claim.claimed").count() == 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_case_leave_one_holder(policies: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL; SQLite runs one writer at a time")
    analysts = [make_user(f"analyst{i}", "analyst") for i in range(6)]
    case = _case("S1")
    start = threading.Barrier(len(analysts))
    won: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def worker(user: Any) -> None:
        try:
            start.wait()
            claims.claim(case, user)
            won.append(user.username)
        except claims.ClaimRefused:
            refused.append(user.username)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(user,)) for user in analysts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(won) == 1 and len(refused) == 5
    assert Claim.objects.get().user.username == won[0]
    assert AuditEvent.objects.filter(verb="claim.claimed").count() == 1
