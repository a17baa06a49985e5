"""POST /api/v1/reports: acceptance, durability, idempotency and every way input can be wrong."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection

from abusedesk.common.hashing import sha256_hex
from abusedesk.intake.models import IdempotencyKey, Report, Reporter, Submission
from abusedesk.testing.factories import report_body

pytestmark = pytest.mark.django_db


def test_accepts_a_report_and_stores_the_raw_bytes_first(post_report: Any) -> None:
    raw = json.dumps(report_body()).encode()
    response = post_report(raw=raw)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "received"
    report = Report.objects.get(pk=data["id"])
    submission = Submission.objects.get(pk=report.submission_id)
    assert submission.raw == raw
    assert submission.raw_sha256 == sha256_hex(raw)
    assert report.urls[0]["url"] == "https://forum.test/threads/123"
    assert report.share_law_enforcement == "send" and report.share_site_owner == "none"


def test_reporter_identity_and_raw_body_are_not_stored_in_clear(post_report: Any) -> None:
    body = report_body(reporter={"name": "Canary Zyxwv", "email": "canary-qq81@mail.test", "kind": "individual"})
    assert post_report(body).status_code == 201
    with connection.cursor() as cursor:
        for table in ("intake_reporter", "intake_submission", "intake_report", "cases_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            dump = repr(cursor.fetchall())
            assert "Zyxwv" not in dump and "canary-qq81" not in dump, table
    assert Reporter.objects.get().email == "canary-qq81@mail.test"


def test_same_idempotency_key_and_body_returns_the_same_report(post_report: Any) -> None:
    first = post_report(key="abc-1")
    second = post_report(key="abc-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1


def test_same_idempotency_key_with_a_different_body_is_rejected(post_report: Any) -> None:
    assert post_report(key="abc-2").status_code == 201
    response = post_report(report_body(category="doxxing"), key="abc-2")
    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    assert Report.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_report(client: Any) -> None:
    if connection.vendor == "sqlite" and "memory" in connection.settings_dict["NAME"]:
        pytest.skip("needs a file or server database for real concurrency; runs on PostgreSQL")  # pragma: no cover
    from django.test import Client

    raw = json.dumps(report_body()).encode()
    results: list[int] = []

    def send() -> None:
        response = Client().post("/api/v1/reports", data=raw, content_type="application/json",
                                 HTTP_IDEMPOTENCY_KEY="race-1")
        results.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(201) == 10
    assert Report.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_body_over_the_limit_is_413(post_report: Any, settings: Any) -> None:
    settings.INTAKE_MAX_BODY_BYTES = 2000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    response = post_report(report_body(explanation="x" * 5000))
    assert response.status_code == 413
    assert "2000 bytes" in response.json()["detail"]
    assert Submission.objects.count() == 0


@pytest.mark.parametrize(("raw", "needle"), [
    (b'{"urls": [', "not valid JSON"),
    (b"\xff\xfe", "not valid UTF-8"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"a":' * 50 + b"1" + b"}" * 50, "nests deeper"),
])
def test_malformed_bodies_are_400_with_the_reason(post_report: Any, raw: bytes, needle: str) -> None:
    response = post_report(raw=raw)
    assert response.status_code == 400
    problems = response.json()["errors"]
    assert problems[0]["field"] == "(body)"
    assert needle in problems[0]["problem"]


def _problems(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.content
    return {p["field"]: p["problem"] for p in response.json()["errors"]}


def test_unknown_fields_are_rejected_by_name(post_report: Any) -> None:
    body = report_body(priority="high")
    body["reporter"]["tenant"] = "other"
    problems = _problems(post_report(body))
    assert problems["priority"] == "is not a known field"
    assert problems["reporter.tenant"] == "is not a known field"


def test_missing_and_wrongly_typed_fields_are_named(post_report: Any) -> None:
    body = report_body(good_faith="yes", category="nonsense")
    del body["explanation"]
    problems = _problems(post_report(body))
    assert problems["explanation"] == "is required"
    assert problems["good_faith"] == "must be true or false"
    assert problems["category"].startswith("must be one of")


@pytest.mark.parametrize(("url", "needle"), [
    ("ftp://forum.test/x", "http:// or https://"),
    ("javascript:alert(1)", "http:// or https://"),
    ("https://user:pass@forum.test/", "user name or password"),
    ("https://forum.test\\@127.0.0.1/", "backslashes"),
    ("https://forum.test/a\tb", "control characters"),
    ("https://0x7f.1/", "unusual form"),
    ("https://-bad-.test/", "not a valid"),
])
def test_bad_urls_are_rejected_with_the_reason(post_report: Any, url: str, needle: str) -> None:
    problems = _problems(post_report(report_body(urls=[url])))
    assert needle in problems["urls.0"]


def test_idn_hosts_are_stored_as_a_label_and_u_label(post_report: Any) -> None:
    response = post_report(report_body(urls=["https://BÜCHER.example/Path?q=1#frag"]))
    report = Report.objects.get(pk=response.json()["id"])
    assert report.urls == [{"url": "https://xn--bcher-kva.example/Path?q=1", "host": "xn--bcher-kva.example",
                            "host_unicode": "bücher.example", "ip": None}]


def test_text_over_the_limit_states_the_limit(post_report: Any, settings: Any) -> None:
    settings.INTAKE_MAX_EXPLANATION_CHARS = 100
    problems = _problems(post_report(report_body(explanation="y" * 101)))
    assert problems["explanation"] == "is longer than the limit of 100 characters"


def test_good_faith_must_be_confirmed(post_report: Any) -> None:
    problems = _problems(post_report(report_body(good_faith=False)))
    assert "Art. 16(2)(d)" in problems["good_faith"]


def test_html_is_kept_as_text(post_report: Any) -> None:
    text = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    response = post_report(report_body(explanation=text))
    assert Report.objects.get(pk=response.json()["id"]).explanation == text


def test_wrong_content_type_is_415(post_report: Any) -> None:
    assert post_report(raw=b"urls=x", content_type="application/x-www-form-urlencoded").status_code == 415


def test_anonymous_intake_is_rate_limited_per_address(post_report: Any, settings: Any) -> None:
    settings.INTAKE_RATE_ANONYMOUS = "3/m"
    codes = [post_report(REMOTE_ADDR="203.0.113.5").status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    limited = post_report(REMOTE_ADDR="203.0.113.5")
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert post_report(REMOTE_ADDR="203.0.113.6").status_code == 201  # other sources unaffected
    assert Report.objects.count() == 4  # every accepted report is kept


def test_spoofed_forwarded_for_does_not_reset_the_limit(post_report: Any, settings: Any) -> None:
    settings.INTAKE_RATE_ANONYMOUS = "2/m"
    codes = [post_report(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
             for i in range(4)]
    assert codes == [201, 201, 429, 429]


def test_trusted_flagger_token_gets_the_priority_lane(post_report: Any, flagger_token: str) -> None:
    response = post_report(token=flagger_token)
    assert response.status_code == 201
    assert response.json()["lane"] == "trusted"


def test_invalid_token_is_401_not_anonymous(post_report: Any, staff: Any) -> None:
    response = post_report(token="adk_not-a-real-token")
    assert response.status_code == 401
    assert Report.objects.count() == 0
