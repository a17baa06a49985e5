"""Hostile and broken messages: each is stored, read without crashing or running anything, and its result says what
happened. Nothing is decompressed, rendered or fetched while reading."""

from __future__ import annotations

import base64
import gzip
import io
import zipfile
from typing import Any

import pytest
from django.core import mail

from .conftest import simple

HEAD = ("From: Ana Example <ana@example.net>\r\nTo: abuse@desk.example\r\nSubject: report\r\n"
        "Message-ID: <{mid}@example.net>\r\nMIME-Version: 1.0\r\n")


def multipart(parts: list[str], *, mid: str, boundary: str = "b") -> bytes:
    body = "".join(f"--{boundary}\r\n{p}\r\n" for p in parts) + f"--{boundary}--\r\n"
    return (HEAD.format(mid=mid) + f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n" + body).encode()


TEXT = "Content-Type: text/plain; charset=utf-8\r\n\r\nPhishing page: http://login.shop.test/a"


@pytest.mark.django_db
def test_malformed_mime_is_read_with_its_defects_noted(ingest: Any) -> None:
    raw = (HEAD.format(mid="mal") + "Content-Type: multipart/mixed\r\nthis line is no header\r\n"
           ": empty name\r\n\r\nPhishing page: http://login.shop.test/a\r\n").encode()
    message = ingest(raw)
    assert message.status == "processed"
    assert [u["url"] for u in message.report.urls] == ["http://login.shop.test/a"]
    assert any("defect" in p for p in message.result["problems"])


@pytest.mark.django_db
def test_missing_boundaries_do_not_lose_the_text(ingest: Any) -> None:
    raw = (HEAD.format(mid="nob") + 'Content-Type: multipart/mixed; boundary="never-seen"\r\n\r\n'
           "Phishing page: http://login.shop.test/a\r\n").encode()
    message = ingest(raw)
    assert message.status in ("processed", "ignored")
    assert message.result["problems"], "the missing boundary is noted"
    unclosed = multipart([TEXT], mid="open").replace(b"--b--\r\n", b"")
    assert ingest(unclosed).status == "processed"


@pytest.mark.django_db
def test_ten_thousand_parts_are_capped_and_the_cap_is_said(ingest: Any, settings: Any) -> None:
    parts = [TEXT] + ["Content-Type: application/octet-stream\r\n\r\nx"] * 9_999
    message = ingest(multipart(parts, mid="many"))
    assert message.status == "processed"
    assert f"more than {settings.MAIL_MAX_PARTS} parts: the rest were not read" in message.result["problems"]
    assert [u["url"] for u in message.report.urls] == ["http://login.shop.test/a"]


def nested(depth: int, *, mid: str) -> bytes:
    raw = HEAD.format(mid=mid) + "Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for level in range(1, depth):
        raw += f"--b{level - 1}\r\nContent-Type: multipart/mixed; boundary=b{level}\r\n\r\n"
    raw += f"--b{depth - 1}\r\n{TEXT}\r\n"
    raw += "".join(f"--b{level}--\r\n" for level in range(depth - 1, -1, -1))
    return raw.encode()


@pytest.mark.django_db
def test_deeply_nested_multiparts_are_cut_at_the_depth_cap(ingest: Any, settings: Any) -> None:
    message = ingest(nested(60, mid="deep"))
    assert message.status == "ignored" and message.result["reason"] == "not_a_report"  # the text sat too deep
    assert any(f"nested deeper than {settings.MAIL_MAX_DEPTH}" in p for p in message.result["problems"])


@pytest.mark.django_db
def test_nesting_beyond_the_parsers_recursion_keeps_the_headers(ingest: Any) -> None:
    message = ingest(nested(4000, mid="abyss"))
    assert message.status == "ignored"
    assert "nested too deeply for the parser: only the headers were read" in message.result["problems"]


@pytest.mark.django_db
def test_broken_encodings_and_charsets_fall_back_to_replacement_characters(ingest: Any) -> None:
    parts = ["Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nPhishing at http://login.shop.test/a",
             "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!not base64@@",
             "Content-Type: text/plain; charset=utf-8\r\n\r\nbad bytes BADBYTES"]
    raw = multipart(parts, mid="enc").replace(b"BADBYTES", b"\xff\xfe\x00")
    raw = raw.replace(b"Subject: report", b"Subject: =?utf-8?b?not-base64?= \xe9t\xe9")
    message = ingest(raw)
    assert message.status == "processed"
    report = message.report
    assert [u["url"] for u in report.urls] == ["http://login.shop.test/a"]
    assert "\x00" not in report.explanation


@pytest.mark.django_db
def test_header_injection_in_addresses_goes_nowhere(ingest: Any, customers: Any, run_jobs: Any) -> None:
    sender = '"=?utf-8?q?Eve=0D=0ABcc:_victim@example.org?=" <eve@example.net>, other@example.org'
    message = ingest(simple(sender=sender, message_id="<inj@example.net>"))
    reporter = message.report.reporter
    assert reporter.email == "eve@example.net"
    assert "\r" not in reporter.name and "\n" not in reporter.name
    run_jobs()
    recipients = {address for m in mail.outbox for address in [*m.to, *m.cc, *m.bcc]}
    assert recipients == {"eve@example.net"}


@pytest.mark.django_db
def test_an_address_with_a_line_break_is_no_sender(ingest: Any) -> None:
    raw = simple(sender='"x" <"eve\\\r\n bcc"@example.net>', message_id="<inj2@example.net>")
    message = ingest(raw)
    assert message.status == "ignored" and message.result["reason"] == "no_sender"


@pytest.mark.django_db
def test_html_with_scripts_remote_images_and_css_is_stored_as_text(ingest: Any) -> None:
    html = ('<html><head><link rel="stylesheet" href="http://css.example/s.css"><script src="http://js.example/a.js">'
            "</script></head><body onload=\"fetch('http://beacon.example/')\"><p>Fake bank login:</p>"
            '<a href="https://login.shop.test/in">click</a><img src="http://pixel.example/p.gif">'
            "<iframe src=\"http://frame.example/\"></iframe></body></html>")
    parts = [f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}"]
    message = ingest(multipart(parts, mid="html"))
    report = message.report
    assert [u["url"] for u in report.urls] == ["https://login.shop.test/in"]
    for hostile in ("<script", "onload", "<img", "<iframe", "stylesheet"):
        assert hostile not in report.explanation


def _bomb_attachments() -> list[str]:
    zeros = b"\0" * (64 * 1024 * 1024)
    gz = gzip.compress(zeros, compresslevel=9)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inner.bin", zeros)
    parts = []
    for name, data, kind in (("logs.gz", gz, "application/gzip"), ("evidence.zip", buffer.getvalue(),
                                                                   "application/zip")):
        encoded = base64.encodebytes(data).decode()
        parts.append(f"Content-Type: {kind}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n"
                     f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}")
    return parts


@pytest.mark.django_db
def test_zip_and_gzip_bombs_are_listed_never_decompressed(ingest: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    bombs = _bomb_attachments()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an attachment was decompressed")

    for target in ("gzip.decompress", "gzip.GzipFile", "zipfile.ZipFile", "zlib.decompress", "zlib.decompressobj"):
        monkeypatch.setattr(target, refuse)
    message = ingest(multipart([TEXT, *bombs], mid="bomb"))
    assert message.status == "processed"
    import json

    listed = {a["name"]: a for a in json.loads(message.parsed)["attachments"]}
    assert set(listed) == {"logs.gz", "evidence.zip"}
    assert all(a["size"] < 1024 * 1024 and len(a["sha256"]) == 64 for a in listed.values())


@pytest.mark.django_db
def test_the_same_message_twice_is_one_report(ingest: Any) -> None:
    from abusedesk.intake.email.ingest import process
    from abusedesk.intake.models import Report

    raw = simple(message_id="<twice@example.net>")
    first = ingest(raw)
    relayed = b"Received: from relay.example by mx.desk.example; Tue, 3 Mar 2026 10:00:00 +0000\r\n" + raw
    second = ingest(relayed)
    assert first.status == "processed" and second.status == "duplicate"
    assert second.report_id == first.report_id and second.result["duplicate_of"] == str(first.pk)
    assert Report.objects.count() == 1
    assert process(str(first.pk)) == "already processed"  # the job run again does nothing
    from_a_file = ingest(raw.replace(b"\r\n", b"\n"))  # the same message saved with LF line ends
    assert from_a_file.status == "duplicate" and from_a_file.report_id == first.report_id


@pytest.mark.django_db
def test_same_message_id_with_another_body_is_not_a_duplicate(ingest: Any) -> None:
    first = ingest(simple(message_id="<same@example.net>"))
    second = ingest(simple(message_id="<same@example.net>", body="Another page: http://login.shop.test/other"))
    assert first.status == second.status == "processed" and first.report_id != second.report_id


@pytest.mark.django_db
def test_a_message_without_urls_is_kept_but_files_nothing(ingest: Any) -> None:
    message = ingest(simple(body="Someone is being nasty online, please help.", message_id="<nourl@example.net>"))
    assert message.status == "ignored" and message.result["reason"] == "not_a_report"
    assert {"field": "urls", "problem": "must list at least one URL"} in message.result["problems_by_field"]


@pytest.mark.django_db
def test_yaml_aliases_in_an_xarf_part_are_refused(ingest: Any) -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    parts = [TEXT, f"Content-Type: text/plain; name=\"report.txt\"\r\n\r\n{laughs}Report-Type: spam\nSource: x\n"]
    raw = multipart(parts, mid="yaml").replace(b"MIME-Version", b"X-ARF: yes\r\nMIME-Version")
    message = ingest(raw)
    assert message.result["format"] == "text" and message.status == "processed"


@pytest.mark.django_db
def test_deeply_nested_json_in_an_xarf_part_is_refused(ingest: Any) -> None:
    deep = '{"xarf_version": "4.0.0", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    parts = [TEXT, f"Content-Type: application/json\r\n\r\n{deep}"]
    message = ingest(multipart(parts, mid="json"))
    assert message.result["format"] == "text" and message.status == "processed"
