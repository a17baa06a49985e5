"""The public form in three languages, with the same checks as the API; every string translated."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client

from abusedesk.intake.models import Report, Submission
from abusedesk.intake.status import status_token

LOCALE = Path(__file__).resolve().parents[2] / "src" / "abusedesk" / "locale"
FORM = {"urls": "https://forum.test/threads/123\n", "category": "doxxing", "explanation": "Her street is posted.",
        "reporter_name": "Rita", "reporter_email": "rita@advocates.test", "reporter_kind": "individual",
        "share_host": "none", "share_site_owner": "none", "share_law_enforcement": "send", "good_faith": "on"}


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "direction", "heading"), [
    ("en", "ltr", "Report abuse"), ("es", "ltr", "Denunciar abuso"), ("ar", "rtl", "الإبلاغ عن إساءة")])
def test_form_speaks_three_languages(client: Client, lang: str, direction: str, heading: str) -> None:
    body = client.get(f"/{lang}/report/").content.decode()
    assert f'lang="{lang}" dir="{direction}"' in body
    assert heading in body


@pytest.mark.django_db
def test_form_submission_is_stored_raw_and_redirects_to_a_receipt(client: Client) -> None:
    response = client.post("/es/report/", urlencode(FORM), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    report = Report.objects.get()
    assert response["Location"] == f"/es/report/status/{status_token(report.pk)}/?received=1"
    assert report.channel == "web" and report.language == "es" and report.share_law_enforcement == "send"
    assert b"rita%40advocates.test" in Submission.objects.get().raw  # as a browser posts it
    assert "Rita" not in client.get(response["Location"]).content.decode()  # receipt page shows no identity


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field_error"), [
    ({"urls": "ftp://x.test/"}, "must start with http"), ({"good_faith": ""}, "Tick this box to confirm"),
    ({"reporter_email": "not-an-email"}, "Enter your e-mail address")])
def test_form_errors_name_the_problem(client: Client, change: dict[str, str], field_error: str) -> None:
    response = client.post("/en/report/", urlencode({**FORM, **change}),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not Report.objects.exists()


def test_every_message_is_translated_and_compiled(tmp_path: Path) -> None:
    import polib

    for lang in ("es", "ar"):
        source = LOCALE / lang / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(source))
        assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
        assert not po.fuzzy_entries()
        compiled = tmp_path / f"{lang}.mo"
        subprocess.run(["msgfmt", "-o", str(compiled), str(source)], check=True)
        fresh = {(e.msgid, e.msgstr) for e in polib.mofile(str(compiled))}
        shipped = {(e.msgid, e.msgstr) for e in polib.mofile(str(source.with_suffix(".mo")))}
        assert fresh == shipped, f"{lang}: django.mo is stale; run compilemessages"
