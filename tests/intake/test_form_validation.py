"""The report form says every problem at once, in the page's language, on the field it belongs to, without
API field paths, with URLs isolated so right-to-left text stays readable; invalid fields are marked for
assistive technology."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from abusedesk.intake.models import Report

FORM = {"urls": "https://forum.test/threads/123\n", "category": "doxxing", "explanation": "Her street is posted.",
        "reporter_name": "Rita", "reporter_email": "rita@advocates.test", "reporter_kind": "individual",
        "share_host": "none", "share_site_owner": "none", "share_law_enforcement": "send", "good_faith": "on"}
BROKEN = {"urls": "https://forum.test/threads/1\nhttps://forum.test/a b\n", "explanation": "",
          "reporter_email": "rita at advocates", "good_faith": ""}


def _post(client: Client, lang: str, change: dict[str, str]) -> str:
    response = client.post(f"/{lang}/report/", urlencode({**FORM, **change}),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert not Report.objects.exists()
    return response.content.decode()


def _errors(body: str, field: str) -> str:
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', body, re.S)
    assert found, f"no error shown on {field}"
    return found.group(1)


@pytest.mark.django_db
def test_every_problem_is_shown_in_one_round(client: Client) -> None:
    body = _post(client, "en", BROKEN)
    assert "Line 2, \u2068https://forum.test/a b\u2069, contains a space" in _errors(body, "urls")
    assert "Say why the content is abusive or illegal" in _errors(body, "explanation")
    assert "Enter your e-mail address, like name@example.org." in _errors(body, "reporter_email")
    assert "Tick this box to confirm" in _errors(body, "good_faith")


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_no_api_field_paths_reach_the_person(client: Client, lang: str) -> None:
    body = _post(client, lang, BROKEN)
    for path in ("urls.1", "urls.0", "reporter.email", "contains spaces, control characters"):
        assert path not in body


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "url_problem", "email_problem", "required"), [
    ("es", "contiene un espacio", "Escriba su dirección de correo electrónico", "Explique por qué"),
    ("ar", "يحتوي على مسافة", "أدخل عنوان بريدك الإلكتروني", "اشرح لماذا"),
])
def test_messages_are_translated(client: Client, lang: str, url_problem: str, email_problem: str,
                                 required: str) -> None:
    body = _post(client, lang, BROKEN)
    assert url_problem in _errors(body, "urls")
    assert "\u2068https://forum.test/a b\u2069" in _errors(body, "urls")  # isolated: keeps its direction
    assert email_problem in _errors(body, "reporter_email")
    assert required in _errors(body, "explanation")


@pytest.mark.django_db
def test_invalid_fields_are_marked_and_described(client: Client) -> None:
    body = _post(client, "en", {**BROKEN, "share_host": "everyone"})
    for field in ("urls", "explanation", "reporter_email", "good_faith"):
        tag = re.search(rf'<(?:input|textarea)[^>]*\bid="id_{field}"[^>]*>', body)
        assert tag, field
        assert 'aria-invalid="true"' in tag.group(0)
        assert f'aria-describedby="id_{field}_error"' in tag.group(0)
    group = re.search(r'<div class="field" role="radiogroup" aria-labelledby="label_share_host"[^>]*>', body)
    assert group and 'aria-invalid="true"' in group.group(0) and "id_share_host_error" in group.group(0)
    assert "Choose one of the options." in _errors(body, "share_host")
    assert 'aria-invalid' not in re.search(r'<select[^>]*id="id_category"[^>]*>', body).group(0)  # type: ignore[union-attr]
