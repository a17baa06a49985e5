"""ARF, X-ARF v4 and v0.2, and a plain Spanish e-mail: each becomes a report with the right category, URLs and
language, and the pipeline sends receipts (in the reporter's language) to the senders that may get one."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from .conftest import expected, fixture_bytes

FORMATS = ["arf_abuse", "xarf_v4_phishing", "xarf_v02_malware", "es_defanged"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORMATS)
def test_each_format_files_one_report_as_expected(ingest: Any, name: str) -> None:
    want = expected(f"{name}.expected.json")
    message = ingest(fixture_bytes(f"{name}.eml"))
    assert message.status == "processed" and message.result["action"] == "filed"
    assert message.result["format"] == want["format"]
    report = message.report
    assert report.channel == "email" and report.category == want["category"]
    assert [u["url"] for u in report.urls] == want["urls"]
    assert report.language == want["lang"]
    assert report.reporter.kind == want["kind"] and report.lane == "normal"
    assert report.good_faith is False  # no e-mail reporter made the Art. 16(2)(d) statement
    assert (report.share_host, report.share_site_owner, report.share_law_enforcement) == ("none",) * 3
    assert bytes(report.submission.raw) == fixture_bytes(f"{name}.eml")


@pytest.mark.django_db
def test_reporter_identity_is_encrypted_and_blind_indexed(ingest: Any) -> None:
    from django.db import connection

    report = ingest(fixture_bytes("es_defanged.eml")).report
    assert report.reporter.name == "Lucía Fernández" and report.reporter.email == "lucia.fernandez@correo.example"
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, email FROM intake_reporter WHERE id = %s", [report.reporter.pk.hex])
        stored = cursor.fetchone() or ("", "")
    assert all(b"lucia" not in bytes(column).lower() for column in stored)


@pytest.mark.django_db
def test_receipts_go_out_in_the_reporters_language_never_to_automated_senders(
        ingest: Any, customers: Any, run_jobs: Any) -> None:
    for name in FORMATS:
        ingest(fixture_bytes(f"{name}.eml"))
    run_jobs()
    receipts = {m.to[0]: m for m in mail.outbox if m.subject.startswith(("We received", "Hemos recibido"))}
    assert set(receipts) == {"fbl@mailbox-provider.example", "soc@bank-security.example",
                             "lucia.fernandez@correo.example"}  # the X-ARF v0.2 sender is auto-generated
    spanish = receipts["lucia.fernandez@correo.example"]
    assert spanish.extra_headers.get("Content-Language") == "es"
    assert spanish.subject.startswith("Hemos recibido su denuncia") and "Gracias" in spanish.body


@pytest.mark.django_db
def test_the_job_reads_what_the_listener_stored(db: Any, run_jobs: Any) -> None:
    from abusedesk.intake.email.store import store_raw
    from abusedesk.intake.models import InboundMessage

    stored = store_raw(fixture_bytes("arf_abuse.eml"), source="smtp", mail_from="fbl@mailbox-provider.example")
    run_jobs()
    message = InboundMessage.objects.get(pk=stored.pk)
    assert message.status == "processed" and message.report is not None
    assert message.report.category == "spam"


@pytest.mark.django_db
def test_html_only_mail_is_read_as_text_links_kept_scripts_and_images_ignored(ingest: Any) -> None:
    html = ("<html><head><style>body{background:url(http://tracker.example/bg.png)}</style>"
            "<script>document.location='http://evil-script.example/'</script></head><body>"
            "<p>This is a <b>phishing</b> page:</p><a href=\"https://login.shop.test/account\">my bank</a>"
            "<img src=\"http://pixel.example/open.gif\"></body></html>")
    raw = ("From: Ana <ana@example.net>\r\nTo: abuse@desk.example\r\nSubject: look\r\nMessage-ID: <h1@example.net>"
           "\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n").encode()
    report = ingest(raw).report
    assert [u["url"] for u in report.urls] == ["https://login.shop.test/account"]
    assert "<" not in report.explanation.replace("<https://login.shop.test/account>", "")
    assert "document.location" not in report.explanation and "background" not in report.explanation
    assert report.category == "scam"
