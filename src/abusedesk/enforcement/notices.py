"""Notices: rendered in the recipient's language, stored (encrypted), delivered by a job.

Reporter notices go to the reporter about their own report. Customer- and host-facing notices are rendered
from `sdk`-style data types with no reporter fields (see enforcement/outbound.py); the reporter's identity
is never in their context.

Delivery is at-most-once: a notice is marked `sending` and committed before the SMTP conversation; a
worker that crashes mid-send leaves it `sending`, and the re-run marks it `uncertain` for a person to check
instead of sending twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from abusedesk.cases import audit
from abusedesk.cases.models import Decision, Notice, RecipientRole
from abusedesk.intake.categories import REPORTER_LABELS
from abusedesk.intake.models import Report
from abusedesk.jobs import enqueue, job

logger = logging.getLogger("abusedesk.notices")
SUPPORTED = {code for code, _ in settings.LANGUAGES}


def notice_language(preferred: str) -> str:
    code = (preferred or "").split("-")[0].lower()
    return code if code in SUPPORTED else settings.LANGUAGE_CODE


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render_text(kind: str, context: dict[str, object]) -> Rendered:
    """A plain-text e-mail from templates/notices/<kind>.txt; the "text" engine does not HTML-escape."""
    text = render_to_string(f"notices/{kind}.txt", {**context, "public_url": settings.PUBLIC_URL}, using="text")
    subject, _, body = text.strip().partition("\n")
    subject = subject.removeprefix("Subject:").strip()
    return Rendered(subject=" ".join(subject.split()), body=body.strip() + "\n")


def render(kind: str, language: str, context: dict[str, object]) -> Rendered:
    with translation.override(language):
        return render_text(kind, context)


def _report_context(report: Report) -> dict[str, object]:
    # Lazy: the label is translated when the notice is rendered in the reporter's language.
    label = REPORTER_LABELS.get(report.category) or report.get_category_display()
    return {"report_id": str(report.pk), "received_at": report.received_at, "category": report.category,
            "category_label": label, "urls": [u["url"] for u in report.urls],
            "status": report.status}


def create_reporter_notice(report: Report, *, kind: str, extra: dict[str, object] | None = None,
                           decision: Decision | None = None) -> Notice | None:
    """Queue a notice to the reporter about their own report (must run inside the caller's transaction)."""
    email = report.reporter.email
    if not email:
        return None
    language = notice_language(report.language)
    rendered = render(kind, language, {**_report_context(report), **_reporter_links(report), **(extra or {})})
    key = f"{kind}:{report.pk}" + (f":{decision.pk}" if decision else "")
    notice, created = Notice.objects.get_or_create(idempotency_key=key, defaults={
        "kind": kind, "report": report, "case_id": report.case_id, "decision": decision,
        "recipient_role": RecipientRole.REPORTER, "language": language, "to_address": email,
        "subject": rendered.subject, "body": rendered.body})
    if created:
        audit.append(actor="system", verb="notice.queued", object_type="notice", object_id=str(notice.pk),
                     payload={"kind": kind, "recipient_role": "reporter", "language": language,
                              "report": str(report.pk)})
        enqueue(deliver_notice, str(notice.pk), priority=10)
    return notice


def _reporter_links(report: Report) -> dict[str, object]:
    """The links every reporter notice may carry, and nothing a stranger chose. Whoever typed the address may not own
    it, so without a token the notice does not repeat the reported URLs (no relay for spam or phishing): the report
    id, the status page and, until confirmed, the link that confirms the report came from this mailbox."""
    from abusedesk.intake.confirm import confirm_url
    from abusedesk.intake.status import status_url

    vouched = report.submission.token_id is not None
    return {"urls": [u["url"] for u in report.urls] if vouched else [], "status_url": status_url(report),
            "confirm_url": "" if vouched or report.reporter_confirmed_at else confirm_url(report)}


def _appeal_link(decision: Decision, role: str, language: str, report: Report | None = None) -> tuple[str, str]:
    from datetime import timedelta

    from abusedesk.appeals.models import AppealInvite

    _invite, token = AppealInvite.issue(decision=decision, role=role, report=report)
    deadline = (decision.effective_at or timezone.now()) + timedelta(days=settings.APPEAL_WINDOW_DAYS)
    return f"{settings.PUBLIC_URL}/{language}/appeal/{token}/", deadline.strftime("%Y-%m-%d")


def notify_decision(decision: Decision) -> None:
    """Statement of reasons to the customer (Art. 17) and the outcome to every reporter (Art. 16(5)),
    each with their own appeal link (Art. 20)."""
    from abusedesk.enforcement.statement import OUTCOME_LABELS, RESTRICTING

    decision.refresh_from_db()
    customer = decision.case.customer
    if decision.outcome in RESTRICTING and customer is not None and customer.email:
        create_customer_statement(decision)
    for report in decision.case.reports.select_related("reporter").all():
        language = notice_language(report.language)
        url, deadline = _appeal_link(decision, "reporter", language, report)
        with translation.override(language):
            label = str(OUTCOME_LABELS.get(decision.outcome, decision.outcome))
        create_reporter_notice(report, kind="reporter_outcome", decision=decision, extra={
            "outcome": decision.outcome, "outcome_label": label, "policy_title": decision.policy.title,
            "appeal_url": url, "appeal_deadline": deadline})


def create_customer_statement(decision: Decision) -> Notice:
    """Render and queue the statement of reasons in the customer's language (no reporter data in it)."""
    from abusedesk.enforcement import statement

    customer = decision.case.customer
    assert customer is not None
    language = notice_language(customer.language)
    url, deadline = _appeal_link(decision, "customer", language)
    with translation.override(language):
        sor = statement.build(decision, appeal_url=url, appeal_deadline=deadline)
    rendered = render("statement_of_reasons", language, {
        "s": sor, "outcome": sor.outcome_label, "property": ", ".join(sor.properties) or customer.name})
    notice, created = Notice.objects.get_or_create(idempotency_key=f"statement:{decision.pk}", defaults={
        "kind": "statement_of_reasons", "case": decision.case, "decision": decision,
        "recipient_role": RecipientRole.CUSTOMER, "language": language, "to_address": customer.email,
        "subject": rendered.subject, "body": rendered.body})
    if created:
        audit.append(actor="system", verb="notice.queued", object_type="notice", object_id=str(notice.pk),
                     payload={"kind": "statement_of_reasons", "recipient_role": "customer", "language": language,
                              "decision": str(decision.pk)})
        enqueue(deliver_notice, str(notice.pk), priority=10)
    return notice


@job(max_attempts=8, backoff_base=10)
def deliver_notice(notice_id: str) -> str:
    with audit.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.status in {"sent", "uncertain"}:
            return notice.status
        if notice.status == "sending":
            Notice.objects.filter(pk=notice.pk).update(status="uncertain",
                                                       last_error="worker stopped during delivery")
            audit.append(actor="system", verb="notice.uncertain", object_type="notice", object_id=str(notice.pk),
                         payload={"reason": "worker stopped during delivery; not resent automatically"})
            return "uncertain"
        Notice.objects.filter(pk=notice.pk).update(status="sending", attempts=notice.attempts + 1)
    message_id = f"<notice-{notice.pk}@{settings.DEFAULT_FROM_EMAIL.split('@')[-1]}>"
    try:
        EmailMessage(subject=notice.subject, body=notice.body, from_email=settings.DEFAULT_FROM_EMAIL,
                     to=[notice.to_address], headers={"Message-ID": message_id,
                                                      "Content-Language": notice.language}).send()
    except Exception as exc:
        Notice.objects.filter(pk=notice.pk).update(status="pending", last_error=exc.__class__.__name__)
        raise
    with audit.atomic():
        Notice.objects.filter(pk=notice.pk).update(status="sent", sent_at=timezone.now(), message_id=message_id)
        audit.append(actor="system", verb="notice.sent", object_type="notice", object_id=str(notice.pk),
                     payload={"channel": notice.channel, "message_id": message_id})
    return "sent"
