"""The console in English, Spanish and Arabic: the analyst picks the language in the header (Django's
set_language stores it in the language cookie, which LocaleMiddleware reads on every /console/ page), or the
browser's Accept-Language chooses it; Arabic pages are right to left."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from abusedesk.cases.models import Case

pytestmark = pytest.mark.django_db

QUEUE = {"en": ("Queue", "Claimed by", "Log out"), "es": ("Cola", "Reservado por", "Cerrar sesión"),
         "ar": ("قائمة الانتظار", "محجوزة من", "تسجيل الخروج")}
CASE = {"en": ("Attribution", "Evidence", "Decisions", "Record decision"),
        "es": ("Atribución", "Pruebas", "Decisiones", "Registrar la decisión"),
        "ar": ("الإسناد", "الأدلة", "القرارات", "سجّل القرار")}


def _choose(client: Client, lang: str, back: str) -> None:
    response = client.post("/console/language/", {"language": lang, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert client.cookies["django_language"].value == lang


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_queue_and_case_pages_speak_the_chosen_language(client: Client, staff: Any, case: Case, lang: str) -> None:
    client.force_login(staff["ana"])
    _choose(client, lang, "/console/")
    direction = "rtl" if lang == "ar" else "ltr"
    queue = client.get("/console/").content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in queue
    heading, column, logout = QUEUE[lang]
    assert f"<h1>{heading}</h1>" in queue and f"<th>{column}</th>" in queue and logout in queue
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in page
    for heading in CASE[lang][:3]:
        assert f"<h2>{heading}</h2>" in page, heading
    assert CASE[lang][3] in page
    assert f'<option value="{lang}" lang="{lang}" selected>' in page  # the switch shows the language in use


def test_accept_language_chooses_until_the_analyst_picks_one(client: Client, staff: Any, case: Case) -> None:
    client.force_login(staff["ana"])
    assert "<h1>Cola</h1>" in client.get("/console/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    _choose(client, "ar", "/console/")
    assert "<h1>قائمة الانتظار</h1>" in client.get("/console/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_login_page_and_switch_work_before_logging_in(client: Client) -> None:
    page = client.get("/console/login/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول إلى وحدة التحكم" in page
    assert 'id="console-lang"' in page
    _choose(client, "es", "/console/login/")
    assert "Inicio de sesión en la consola" in client.get("/console/login/").content.decode()


def test_switch_refuses_an_outside_next_and_needs_csrf(client: Client) -> None:
    response = client.post("/console/language/", {"language": "es", "next": "https://evil.test/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil.test")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/console/language/", {"language": "es", "next": "/console/"}).status_code == 403


def test_messages_and_form_labels_are_translated(client: Client, staff: Any, case: Case) -> None:
    client.force_login(staff["ana"])
    _choose(client, "es", "/console/")
    form = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert '<label for="id_reasoning">Razonamiento</label>' in form and "— elija —" in form
    page = client.post(f"/console/cases/{case.pk}/close/", {"reason": "Duplicado."}, follow=True)
    assert "Caso cerrado." in page.content.decode()
    _choose(client, "ar", "/console/")
    reopened = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "أُغلقت القضية." not in reopened  # a message is shown once
    case.refresh_from_db()
    assert case.status == "closed"


def test_every_stored_choice_shown_in_the_console_can_be_translated() -> None:
    from abusedesk.accounts.models import Role
    from abusedesk.appeals.models import AppealStatus
    from abusedesk.cases.models import CaseStatus, DecisionScope, DecisionStatus, Outcome
    from abusedesk.common.severity import Severity
    from abusedesk.evidence.models import CaptureStatus
    from abusedesk.intake.models import Category, Channel, Lane, ReporterKind, Share
    from abusedesk.review.labels import CHOICE_LABELS

    for choices in (CaseStatus, DecisionStatus, Outcome, DecisionScope, CaptureStatus, Role, Severity, AppealStatus,
                    Channel, ReporterKind, Category, Share, Lane):
        missing = [label for label in choices.labels if label not in CHOICE_LABELS]
        assert not missing, f"{choices.__name__}: add {missing} to review/labels.py CHOICE_LABELS"


def test_stored_choices_are_shown_in_the_page_language(client: Client, staff: Any, case: Case) -> None:
    client.force_login(staff["ben"])
    _choose(client, "es", "/console/")
    queue = client.get("/console/").content.decode()
    assert "<td>Abierto</td>" in queue and "(Analista sénior)" in queue
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert '<option value="terminate_service">Terminar el servicio</option>' in page
    assert client.get("/console/", HTTP_ACCEPT_LANGUAGE="en").content.decode().count("Abierto") >= 1  # the cookie
