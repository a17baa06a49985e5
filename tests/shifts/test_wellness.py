"""Reviewer wellness at the console's seams: evidence images blurred until chosen, per-shift exposure counts,
the break nudge, the leads' page and "rotate me off this queue" requests (audited by id, never the note)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from abusedesk.audit.models import AuditEvent
from abusedesk.cases.models import Case, Finding
from abusedesk.evidence.models import Evidence
from abusedesk.shifts import exposure
from abusedesk.shifts.models import Exposure, RotationRequest, WellnessProfile
from abusedesk.testing.factories import report_body
from abusedesk.testing.images import solid_png

pytestmark = pytest.mark.django_db
XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture
def cases(customers: Any, post_report: Any, run_jobs: Any) -> dict[str, Case]:
    post_report(report_body())  # a threat
    post_report(report_body(urls=["https://shop.test/phish"], category="scam"))
    run_jobs()
    return {"threat": Case.objects.get(property__value="forum.test"),
            "scam": Case.objects.get(property__value="shop.test")}


def _as(client: Client, staff: Any, name: str) -> Client:
    client.force_login(staff[name])
    return client


def _profile(staff: Any, name: str) -> WellnessProfile:
    return WellnessProfile.objects.get(user=staff[name])


def _image(case: Case, *, url: str = "https://forum.test/i/1.png", body: bytes | None = None,
           content_type: str = "image/png") -> Evidence:
    return Evidence.objects.create(case=case, url=url, status="captured", settled=True, fetched_at=timezone.now(),
                                   headers={"content-type": content_type},
                                   body=solid_png() if body is None else body, text="")


def _figure(body: str, item: Evidence) -> str:
    match = re.search(rf'<figure class="([^"]*)" id="media-{item.pk}">(.*?)</figure>', body, re.S)
    assert match, "no evidence figure"
    return match.group(0)


# Counting

def test_opening_a_harmful_case_counts_once_per_repeat_window(client: Client, staff: Any, cases: Any) -> None:
    _as(client, staff, "ana")
    url = f"/console/cases/{cases['threat'].pk}/"
    assert client.get(url).status_code == 200
    client.get(url)  # a reload is not a second exposure
    assert _profile(staff, "ana").shift_case_views == 1
    assert list(Exposure.objects.values_list("kind", "category", "case_id")) == [
        ("case_view", "threat", cases["threat"].pk)]
    Exposure.objects.update(at=timezone.now() - exposure.REPEAT - timedelta(seconds=1))
    client.get(url)
    assert _profile(staff, "ana").shift_case_views == 2


def test_a_case_outside_the_harmful_categories_is_not_counted(client: Client, staff: Any, cases: Any) -> None:
    _as(client, staff, "ana").get(f"/console/cases/{cases['scam'].pk}/")
    assert _profile(staff, "ana").shift_case_views == 0 and not Exposure.objects.exists()


def test_a_detector_finding_over_the_threshold_makes_a_case_harmful(staff: Any, cases: Any) -> None:
    scam = cases["scam"]
    report = scam.reports.get()
    Finding.objects.create(report=report, detector="d", detector_version="1", category="doxxing", score=0.3)
    assert exposure.case_category(scam.pk) == ""
    Finding.objects.create(report=report, detector="d", detector_version="1", category="doxxing", score=0.9)
    assert exposure.case_category(scam.pk) == "doxxing"
    Finding.objects.create(report=report, detector="d", detector_version="1", category="terrorism", score=0.8)
    assert exposure.case_category(scam.pk) == "terrorism"  # the most harmful one it is in


def test_the_harmful_categories_are_a_setting(staff: Any, cases: Any, settings: Any) -> None:
    settings.WELLNESS_HARMFUL_CATEGORIES = ["csam", "scam"]
    assert exposure.case_category(cases["scam"].pk) == "scam"
    assert exposure.case_category(cases["threat"].pk) == ""


# The shift window

def test_a_shift_starts_at_log_in_continues_inside_it_and_ends_after_shift_hours(
        client: Client, staff: Any, cases: Any, settings: Any) -> None:
    settings.SHIFT_HOURS = 8
    _as(client, staff, "ana").get(f"/console/cases/{cases['threat'].pk}/")
    started = _profile(staff, "ana").shift_started_at
    assert started is not None and _profile(staff, "ana").shift_case_views == 1
    Client().force_login(staff["ana"])  # a second browser inside the shift: the same shift
    assert _profile(staff, "ana").shift_started_at == started and _profile(staff, "ana").shift_case_views == 1
    WellnessProfile.objects.filter(user=staff["ana"]).update(shift_started_at=timezone.now() - timedelta(hours=9))
    Exposure.objects.update(at=timezone.now() - timedelta(hours=9))
    body = client.get("/console/").content.decode()  # activity after the shift ran out begins a new one
    profile = _profile(staff, "ana")
    assert profile.shift_case_views == 0 and profile.shift_started_at > started
    assert '<span id="wellness-count">0</span>' in body
    client.get(f"/console/cases/{cases['threat'].pk}/")  # not a repeat: the earlier view was last shift
    assert _profile(staff, "ana").shift_case_views == 1


def test_the_leads_page_counts_only_the_current_shift(client: Client, staff: Any, cases: Any) -> None:
    _as(Client(), staff, "ana").get(f"/console/cases/{cases['threat'].pk}/")
    Exposure.objects.create(user=staff["ana"], kind="case_view", category="csam", case_id=1,
                            at=_profile(staff, "ana").shift_started_at - timedelta(minutes=1))  # the shift before
    body = _as(client, staff, "ben").get("/console/wellness/").content.decode()
    row = re.search(r'<tr id="shift-ana">.*?</tr>', body, re.S)
    assert row and "Threat of violence: 1" in row.group(0) and "Child sexual" not in row.group(0)


# The nudge

def test_the_nudge_shows_at_the_exposure_threshold_and_can_be_snoozed(
        client: Client, staff: Any, cases: Any, settings: Any) -> None:
    settings.WELLNESS_NUDGE_EXPOSURES = 2
    _as(client, staff, "ana").get(f"/console/cases/{cases['threat'].pk}/")
    assert 'id="wellness-nudge"' not in client.get("/console/").content.decode()
    item = _image(cases["threat"])
    client.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "1", "next": "/console/"})
    body = client.get("/console/").content.decode()
    assert 'id="wellness-nudge"' in body and "You have seen 2 items from the most harmful categories" in body
    assert client.post("/console/wellness/snooze/", {"next": "/console/"})["Location"] == "/console/"
    assert 'id="wellness-nudge"' not in client.get("/console/").content.decode()
    WellnessProfile.objects.update(nudge_snoozed_until=timezone.now() - timedelta(seconds=1))
    assert 'id="wellness-nudge"' in client.get("/console/").content.decode()
    settings.WELLNESS_NUDGE_EXPOSURES = 0  # off
    assert 'id="wellness-nudge"' not in client.get("/console/").content.decode()


def test_the_nudge_shows_after_long_work_without_a_break(client: Client, staff: Any, settings: Any) -> None:
    from django.core.cache import cache

    settings.WELLNESS_NUDGE_MINUTES = 90
    _as(client, staff, "ana")
    assert 'id="wellness-nudge"' not in client.get("/console/").content.decode()
    cache.set(exposure._run_key(staff["ana"].pk), timezone.now() - timedelta(minutes=95), 600)
    body = client.get("/console/").content.decode()
    assert "working for 95 minutes without a break" in body and "95 min without a break" in body
    cache.delete(exposure._run_key(staff["ana"].pk))  # the key lapsed: a break was taken
    assert 'id="wellness-nudge"' not in client.get("/console/").content.decode()


def test_a_page_refreshing_itself_is_not_work(client: Client, staff: Any) -> None:
    from django.core.cache import cache

    _as(client, staff, "ana").get("/console/", HTTP_SEC_FETCH_MODE="cors")  # a fetch the page made (live updates)
    assert cache.get(exposure._run_key(staff["ana"].pk)) is None
    client.get("/console/", HTTP_SEC_FETCH_MODE="navigate")
    assert cache.get(exposure._run_key(staff["ana"].pk)) is not None


def test_exposures_older_than_the_keep_period_go_when_a_shift_begins(client: Client, staff: Any) -> None:
    old = timezone.now() - exposure.KEEP - timedelta(days=1)
    Exposure.objects.create(user=staff["ana"], kind="case_view", category="csam", case_id=1, at=old)
    Exposure.objects.create(user=staff["cho"], kind="case_view", category="csam", case_id=1, at=old)
    WellnessProfile.objects.filter(user=staff["ana"]).delete()
    _as(client, staff, "ana")  # a new shift
    assert list(Exposure.objects.values_list("user__username", flat=True)) == ["cho"]  # others' wait for theirs


# Evidence images

def test_an_evidence_image_is_blurred_by_default_and_its_text_escaped(client: Client, staff: Any, cases: Any) -> None:
    item = _image(cases["threat"], url=f"https://forum.test/{XSS}.png")
    body = _as(client, staff, "ana").get(f"/console/cases/{cases['threat'].pk}/").content.decode()
    figure = _figure(body, item)
    assert 'class="wellness-media is-blurred"' in figure and 'aria-pressed="false"' in figure
    assert f'src="/console/evidence/{item.pk}/image/"' in figure
    assert "<script>alert(1)" not in body and "onerror=alert(2)>" not in figure
    assert 'alt="Evidence image captured from https://forum.test/&quot;&gt;&lt;script&gt;' in figure
    assert _profile(staff, "ana").shift_reveals == 0  # shown blurred: not an exposure


def test_the_image_is_served_as_what_its_bytes_are_and_nothing_else(client: Client, staff: Any, cases: Any) -> None:
    png = _image(cases["threat"])
    _as(client, staff, "ana")
    response = client.get(f"/console/evidence/{png.pk}/image/")
    assert response.status_code == 200 and response.content == solid_png()
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"] and "no-cache" in response["Cache-Control"]
    svg = _image(cases["threat"], body=b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                 content_type="image/svg+xml")
    disguised = _image(cases["threat"], body=b"<html><script>alert(1)</script>", content_type="image/png")
    page = Evidence.objects.create(case=cases["threat"], url="https://forum.test/", status="captured",
                                   headers={"content-type": "text/html"}, body=solid_png(), text="hello")
    for item in (svg, disguised, page):
        assert client.get(f"/console/evidence/{item.pk}/image/").status_code == 404
        assert client.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "1"}).status_code == 404
    body = client.get(f"/console/cases/{cases['threat'].pk}/").content.decode()
    assert body.count('class="wellness-media') == 1


def test_opening_the_image_on_its_own_counts_as_revealing_it(client: Client, staff: Any, cases: Any) -> None:
    item = _image(cases["threat"])
    _as(client, staff, "ana").get(f"/console/evidence/{item.pk}/image/", HTTP_SEC_FETCH_DEST="image")
    assert _profile(staff, "ana").shift_reveals == 0
    client.get(f"/console/evidence/{item.pk}/image/", HTTP_SEC_FETCH_DEST="document")
    assert _profile(staff, "ana").shift_reveals == 1


def test_images_and_reveals_need_a_reading_role_and_a_case(client: Client, staff: Any, cases: Any) -> None:
    item = _image(cases["threat"])
    orphan = Evidence.objects.create(url="https://x.test/a.png", status="captured", headers={}, body=solid_png())
    assert client.get(f"/console/evidence/{item.pk}/image/").status_code == 302  # to the log-in page
    assert client.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "1"}).status_code == 302
    _as(client, staff, "ana")
    assert client.get(f"/console/evidence/{orphan.pk}/image/").status_code == 404
    assert client.post(f"/console/wellness/reveal/{orphan.pk}/", {"reveal": "1"}).status_code == 404
    assert client.get(f"/console/wellness/reveal/{item.pk}/").status_code == 405  # a change is a POST
    staff["ana"].is_active = False
    staff["ana"].save()
    assert client.get(f"/console/evidence/{item.pk}/image/").status_code in {302, 404}


def test_reveal_without_script_shows_the_image_once(client: Client, staff: Any, cases: Any) -> None:
    item = _image(cases["threat"])
    case_url = f"/console/cases/{cases['threat'].pk}/"
    _as(client, staff, "ana").get(case_url)
    response = client.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "1", "next": case_url})
    assert response.status_code == 302 and response["Location"] == f"{case_url}#media-{item.pk}"
    shown = _figure(client.get(case_url).content.decode(), item)
    assert "is-blurred" not in shown and 'aria-pressed="true"' in shown and 'value="0"' in shown
    assert "is-blurred" in _figure(client.get(case_url).content.decode(), item)  # a reload: blurred again
    assert _profile(staff, "ana").shift_reveals == 1
    hidden = client.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "0", "next": case_url})
    assert "is-blurred" in _figure(client.get(hidden["Location"].split("#")[0]).content.decode(), item)
    assert _profile(staff, "ana").shift_reveals == 1
    away = client.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "0", "next": "https://evil.test/"})
    assert away["Location"].startswith("/console/#")


def test_reveal_with_script_answers_json(client: Client, staff: Any, cases: Any) -> None:
    item = _image(cases["threat"])
    _as(client, staff, "ana").get(f"/console/cases/{cases['threat'].pk}/")
    answer = client.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "1"},
                         HTTP_X_REQUESTED_WITH="fetch").json()
    assert answer == {"revealed": True, "counted": True, "total": 2}
    again = client.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "1"}, HTTP_X_REQUESTED_WITH="fetch")
    assert again.json()["counted"] is False  # the same image again within the repeat window
    assert Exposure.objects.get(kind="image_reveal").category == "threat"


def test_reveal_is_csrf_protected(staff: Any, cases: Any) -> None:
    item = _image(cases["threat"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff["ana"])
    assert strict.post(f"/console/wellness/reveal/{item.pk}/", {"reveal": "1"}).status_code == 403
    assert strict.post("/console/wellness/rotate/", {"note": "x"}).status_code == 403
    assert not RotationRequest.objects.exists() and not Exposure.objects.filter(kind="image_reveal").exists()


def test_an_analyst_may_turn_blurring_off_and_those_images_count(client: Client, staff: Any, cases: Any) -> None:
    item = _image(cases["threat"])
    _as(client, staff, "ana")
    response = client.post("/console/wellness/preferences/", {"keep_greyscale": "on"})  # blur_media unticked
    assert response.status_code == 302
    profile = _profile(staff, "ana")
    assert not profile.blur_media and profile.keep_greyscale
    figure = _figure(client.get(f"/console/cases/{cases['threat'].pk}/").content.decode(), item)
    assert "is-blurred" not in figure and "keep-grey" in figure
    assert _profile(staff, "ana").shift_reveals == 1


# The panel and the leads' page

def test_the_panel_shows_the_analysts_own_counts(client: Client, staff: Any, cases: Any) -> None:
    _as(client, staff, "ana").get(f"/console/cases/{cases['threat'].pk}/")
    body = client.get("/console/").content.decode()
    assert 'id="wellness-panel"' in body and '<span id="wellness-count">1</span>' in body
    assert 'id="wellness-team-link"' not in body  # analysts have no team page
    mine = client.get("/console/wellness/me/").content.decode()
    assert "1 case opened" in mine and "0 images revealed" in mine


@pytest.mark.parametrize(("name", "status"), [("ana", 404), ("cho", 404), ("aud", 404), ("ben", 200),
                                              ("root", 200)])
def test_the_team_page_is_for_leads_only(client: Client, staff: Any, name: str, status: int) -> None:
    assert _as(client, staff, name).get("/console/wellness/").status_code == status
    assert client.get("/console/wellness/me/").status_code == 200


def test_the_team_page_needs_a_log_in(client: Client, staff: Any) -> None:
    response = client.get("/console/wellness/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_the_team_page_lists_who_is_on_shift(client: Client, staff: Any, cases: Any, settings: Any) -> None:
    settings.WELLNESS_NUDGE_EXPOSURES = 1
    _as(Client(), staff, "ana").get(f"/console/cases/{cases['threat'].pk}/")
    _as(Client(), staff, "cho").get(f"/console/cases/{cases['scam'].pk}/")
    body = _as(client, staff, "ben").get("/console/wellness/").content.decode()
    ana = re.search(r'<tr id="shift-ana">.*?</tr>', body, re.S)
    cho = re.search(r'<tr id="shift-cho">.*?</tr>', body, re.S)
    assert ana and cho and body.index('id="shift-ana"') < body.index('id="shift-cho"')  # most exposed first
    assert '<td class="num">1</td>' in ana.group(0) and "<td>yes</td>" in ana.group(0)
    assert "<td>no</td>" in cho.group(0)


# Rotate me off this queue

def test_a_rotation_request_reaches_the_leads_and_the_audit_trail_holds_ids_only(
        client: Client, staff: Any) -> None:
    note = "My sister went through something like the S0 cases; I need a week away from them."
    analyst = _as(Client(), staff, "ana")
    response = analyst.post("/console/wellness/rotate/", {"category": "csam", "queue": "S0 nights", "note": note})
    assert response.status_code == 302
    request = RotationRequest.objects.get()
    assert request.user == staff["ana"] and request.note == note and request.category == "csam"
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM shifts_rotationrequest")
        assert b"sister" not in bytes(cursor.fetchone()[0])  # encrypted at rest
    event = AuditEvent.objects.get(verb="wellness.rotation_requested")
    assert event.actor == "user:ana" and event.object_id == str(request.pk)
    assert event.payload == {"user_id": staff["ana"].pk}
    assert "waiting for a lead" in analyst.get("/console/wellness/me/").content.decode()

    assert analyst.post(f"/console/wellness/rotate/{request.pk}/handled/").status_code == 404  # not a lead
    lead = _as(client, staff, "ben")
    assert 'requests waiting' in lead.get("/console/").content.decode()
    page = lead.get("/console/wellness/").content.decode()
    assert note in page and "Child sexual abuse material" in page and "S0 nights" in page
    assert lead.post(f"/console/wellness/rotate/{request.pk}/handled/").status_code == 302
    assert lead.post(f"/console/wellness/rotate/{request.pk}/handled/").status_code == 302  # already handled
    handled = AuditEvent.objects.filter(verb="wellness.rotation_handled")
    assert handled.count() == 1 and handled.get().payload == {"user_id": staff["ana"].pk}
    assert handled.get().actor == "user:ben"
    assert not [e for e in AuditEvent.objects.all() if "sister" in str(e.payload) or "S0 nights" in str(e.payload)]
    assert note not in lead.get("/console/wellness/").content.decode()  # no longer open
    assert "handled" in analyst.get("/console/wellness/me/").content.decode()


def test_a_rotation_request_note_is_escaped_and_bounded(client: Client, staff: Any) -> None:
    _as(Client(), staff, "ana").post("/console/wellness/rotate/", {"note": XSS})
    body = _as(client, staff, "root").get("/console/wellness/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    too_long = _as(Client(), staff, "cho").post("/console/wellness/rotate/", {"note": "x" * 2001})
    assert too_long.status_code == 400 and RotationRequest.objects.count() == 1
    unknown = _as(Client(), staff, "cho").post("/console/wellness/rotate/", {"category": "nonsense"})
    assert unknown.status_code == 400


def test_marking_an_unknown_request_handled_is_404(client: Client, staff: Any) -> None:
    lead = _as(client, staff, "ben")
    assert lead.post("/console/wellness/rotate/00000000-0000-0000-0000-000000000000/handled/").status_code == 404
