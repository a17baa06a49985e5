"""Plain-text e-mails are not HTML: URLs with `&` and words with apostrophes arrive as written, in every
notice and every language (a host given `&amp;` in a URL opens the wrong page)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from abusedesk.enforcement.notices import render
from abusedesk.enforcement.outbound import EvidenceRef, HostForward
from abusedesk.enforcement.statement import StatementOfReasons

URL = "https://forum.test/thread?id=7&page=2#post-'8'"
WORDS = "the customer's \"mirror\" <b>page</b> & friends"
HTML_ENTITIES = ("&amp;", "&#x27;", "&#39;", "&quot;", "&lt;", "&gt;")
NOTICES = Path(settings.BASE_DIR) / "templates" / "notices"

_SOR = StatementOfReasons(
    reference="D-1", outcome="restrict", outcome_label="Restriction", services=["Proxy"], properties=["forum.test"],
    territorial_scope=["IE"], duration_days=7, effective_at="2026-08-03 12:00 UTC", notice_based=True, facts=WORDS,
    reasoning=WORDS, automated_detection=False, automated_decision="not_automated", ground="illegal_content",
    policy_title="Threats to life", policy_text=WORDS, legal_reference="s. 16", appeal_url=URL,
    appeal_deadline="2027-02-03")
_FORWARD = HostForward(
    reference="R-1", received_at="2026-08-03T12:00:00+00:00", category="threat", urls=[URL], our_service="proxy",
    origin_ip="192.0.2.10", notice_text=WORDS, reporter_status="anonymous",
    evidence=[EvidenceRef(url=URL, final_url=URL, http_status=200, resolved_ip="192.0.2.10", body_sha256="a" * 64,
                          text_sha256="b" * 64, fetched_at="2026-08-03T12:00:00+00:00", excerpt=WORDS)])
_REPORT = {"report_id": "r-1", "received_at": "2026-08-03", "category": "threat", "category_label": WORDS,
           "urls": [URL], "status": "received"}
# Each notice with a context that puts a URL and free text wherever the template shows them.
CONTEXTS: dict[str, dict[str, Any]] = {
    "appeal_outcome": {"upheld": True, "reasoning": WORDS, "reference": "D-1", "appeal_url": URL},
    "host_forward": {"f": _FORWARD, "provider": WORDS},
    "misuse_suspension": {**_REPORT, "count": 5, "until": "2026-09-01", "window_days": 30},
    "misuse_warning": {**_REPORT, "count": 3, "window_days": 30},
    "not_our_customer": _REPORT,
    "receipt": _REPORT,
    "reporter_outcome": {**_REPORT, "outcome": "restrict", "outcome_label": WORDS, "policy_title": WORDS,
                         "appeal_url": URL, "appeal_deadline": "2027-02-03"},
    "statement_of_reasons": {"s": _SOR, "outcome": WORDS, "property": "forum.test"},
}
# What each notice must carry verbatim.
SHOWN = {"appeal_outcome": (WORDS,), "host_forward": (URL, WORDS), "misuse_suspension": (), "misuse_warning": (),
         "not_our_customer": (URL,), "receipt": (URL, WORDS), "reporter_outcome": (URL, WORDS),
         "statement_of_reasons": (URL, WORDS)}


def test_every_notice_template_is_covered() -> None:
    assert {p.stem for p in NOTICES.glob("*.txt")} == set(CONTEXTS)


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize("kind", sorted(CONTEXTS))
def test_plain_text_notices_keep_urls_and_apostrophes(kind: str, language: str) -> None:
    rendered = render(kind, language, CONTEXTS[kind])
    text = rendered.subject + "\n" + rendered.body
    for expected in SHOWN[kind]:
        assert expected in text, f"{kind}/{language} lost {expected!r}:\n{text}"
    for entity in HTML_ENTITIES:
        assert entity not in text, f"{kind}/{language} HTML-escaped ({entity}):\n{text}"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "label"), [("es", "Amenaza de violencia"), ("ar", "تهديد بالعنف"),
                                                 ("en", "Threat of violence")])
def test_receipt_names_the_category_in_the_reporter_language(customers: Any, post_report: Any, run_jobs: Any,
                                                            language: str, label: str) -> None:
    from abusedesk.cases.models import Notice
    from abusedesk.testing.factories import report_body

    assert post_report(report_body(language=language)).status_code == 201
    run_jobs()
    receipt = Notice.objects.get(kind="receipt")
    assert receipt.language == language and label in receipt.body
    if language != "en":
        assert "Threat of violence" not in receipt.body
