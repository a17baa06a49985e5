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
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from abusedesk.cases.actions import notices as notice_changes
from abusedesk.cases.models import Decision, Notice, NoticeStatus, RecipientRole
from abusedesk.intake.categories import REPORTER_LABELS
from abusedesk.intake.models import InboundMessage, Report
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
    """Queue a notice to the reporter about their own report (must run inside the caller's transaction). None when
    there is no address, or intake held notices back for this report (a robot sender, or over the receipt rate)."""
    item = _reporter_notice(report, kind=kind, extra=extra, decision=decision)
    if item is None:
        return None
    notice, created = notice_changes.do_queue_notice(idempotency_key=item.key, fields=item.fields, about=item.about)
    if created:
        deliver_later(notice, priority=10)
    return notice


def create_reporter_notices(reports: list[Report], *, kind: str) -> int:
    """`create_reporter_notice` for many reports in one insert (the filing job's receipts); returns how many were
    queued now."""
    items = [item for report in reports if (item := _reporter_notice(report, kind=kind)) is not None]
    created = notice_changes.do_queue_notices(items)
    for notice in created:
        deliver_later(notice, priority=10)
    return len(created)


def _reporter_notice(report: Report, *, kind: str, extra: dict[str, object] | None = None,
                     decision: Decision | None = None) -> notice_changes.Queued | None:
    email = report.reporter.email
    if not email or not report.reporter_notice_allowed(kind):
        return None
    language = notice_language(report.language)
    rendered = render(kind, language, {**_report_context(report), **_reporter_links(report), **(extra or {})})
    key = f"{kind}:{report.pk}" + (f":{decision.pk}" if decision else "")
    return notice_changes.Queued(key=key, fields={
        "kind": kind, "report": report, "case_id": report.case_id, "decision": decision,
        "recipient_role": RecipientRole.REPORTER, "language": language, "to_address": email,
        "subject": rendered.subject, "body": rendered.body},
        about={"kind": kind, "recipient_role": "reporter", "language": language, "report": str(report.pk)})


def _reporter_links(report: Report) -> dict[str, object]:
    """The links every reporter notice may carry, and nothing a stranger chose. Whoever typed the address may not own
    it, so without a token the notice does not repeat the reported URLs (no relay for spam or phishing): the report
    id, the status page and, until confirmed, the link that confirms the report came from this mailbox."""
    from abusedesk.intake.confirm import confirm_url
    from abusedesk.intake.status import status_url

    vouched = report.submission.token_id is not None
    return {"urls": [u["url"] for u in report.urls] if vouched else [], "status_url": status_url(report),
            "confirm_url": "" if vouched or report.reporter_confirmed_at else confirm_url(report)}


AppealLink = Callable[[Decision, str, str], tuple[str, str]]


def create_customer_statement(decision: Decision, appeal_link: AppealLink) -> Notice:
    """Render and queue the statement of reasons in the customer's language (no reporter data in it)."""
    from abusedesk.enforcement import statement

    customer = decision.case.customer
    assert customer is not None
    language = notice_language(customer.language)
    url, deadline = appeal_link(decision, "customer", language)
    with translation.override(language):
        sor = statement.build(decision, appeal_url=url, appeal_deadline=deadline)
    rendered = render("statement_of_reasons", language, {
        "s": sor, "outcome": sor.outcome_label, "property": ", ".join(sor.properties) or customer.name})
    notice, created = notice_changes.do_queue_notice(idempotency_key=f"statement:{decision.pk}", fields={
        "kind": "statement_of_reasons", "case": decision.case, "decision": decision,
        "recipient_role": RecipientRole.CUSTOMER, "language": language, "to_address": customer.email,
        "subject": rendered.subject, "body": rendered.body},
        about={"kind": "statement_of_reasons", "recipient_role": "customer", "language": language,
               "decision": str(decision.pk)})
    if created:
        enqueue(deliver_notice, str(notice.pk), priority=10)
    return notice


# Notice ids and priorities queued inside a `delivery_batch` block, delivered together when it ends.
_BATCH: ContextVar[list[tuple[str, int]] | None] = ContextVar("abusedesk_notice_batch", default=None)


@contextmanager
def delivery_batch() -> Iterator[None]:
    """Inside the block, notices queued through `deliver_later` go out in one `deliver_notices` job, enqueued when
    the block ends (still in the caller's transaction) at the highest priority asked for; an inner block joins the
    outer one. The filing job wraps a batch of reports in one, so their receipts and forwards make one job."""
    if _BATCH.get() is not None:
        yield
        return
    pending: list[tuple[str, int]] = []
    token = _BATCH.set(pending)
    try:
        yield
    finally:
        _BATCH.reset(token)
    if pending:
        enqueue(deliver_notices, [notice_id for notice_id, _ in pending],
                priority=max(priority for _, priority in pending))


def deliver_later(notice: Notice, *, priority: int) -> None:
    """Have the e-mail notice delivered by a job: the open delivery batch's, or one of its own."""
    batch = _BATCH.get()
    if batch is None:
        enqueue(deliver_notice, str(notice.pk), priority=priority)
    else:
        batch.append((str(notice.pk), priority))


# Notices a `deliver_notices` job claims, sends and records together (two commits for them all): a worker that stops
# mid-way leaves at most this many `sending`, each marked uncertain for a person to check, as one notice would be.
DELIVERY_STEP = 25


@job(max_attempts=3, backoff_base=10)
def deliver_notices(notice_ids: list[str]) -> str:
    """Deliver e-mail notices together over one mail connection, DELIVERY_STEP at a time. A notice whose sending
    fails goes on alone as a `deliver_notice` job (with its own retries); the others are not held up. Claimed as in
    `deliver_notice`, so a re-run after a crash sends none twice."""
    outcomes: Counter[str] = Counter()
    with get_connection() as mail_connection:
        for start in range(0, len(notice_ids), DELIVERY_STEP):
            ready, settled = notice_changes.do_claim_many_for_delivery(notice_ids[start:start + DELIVERY_STEP])
            outcomes.update("already sent" if status == NoticeStatus.SENT else status for status in settled.values())
            sent = [(notice, message_id) for notice in ready
                    if (message_id := _send_or_hand_on(notice, mail_connection))]
            notice_changes.do_record_sent(sent)
            outcomes.update({"sent": len(sent), "retried alone": len(ready) - len(sent)})
    return ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()) if count)


def _message_id(notice: Notice) -> str:
    """`<notice-<uuid>@<our domain>>`: bounces are matched by this shape (intake/email/bounces.py)."""
    from abusedesk.intake.email.bounces import our_domain

    return f"<notice-{notice.pk}@{our_domain()}>"


def _email(notice: Notice, message_id: str, mail_connection: Any = None) -> EmailMessage:
    headers = {"Message-ID": message_id, "Content-Language": notice.language, **_thread_headers(notice)}
    return EmailMessage(subject=notice.subject, body=notice.body, from_email=settings.DEFAULT_FROM_EMAIL,
                        to=[notice.to_address], headers=headers, connection=mail_connection)


def _thread_headers(notice: Notice) -> dict[str, str]:
    """A notice to the reporter of a report that came by e-mail answers that e-mail: In-Reply-To and References name
    its Message-ID, so the reporter's mail program shows our receipt and later notices in the same thread."""
    if notice.recipient_role != RecipientRole.REPORTER or notice.report_id is None:
        return {}
    first = (InboundMessage.objects.filter(report_id=notice.report_id).exclude(message_id="")
             .order_by("received_at").values_list("message_id", flat=True).first())
    if not first or any(c in first for c in "\r\n"):
        return {}
    return {"In-Reply-To": first, "References": first}


def _send_or_hand_on(notice: Notice, mail_connection: Any) -> str:
    """Send one claimed notice; its message id, or "" when it failed and was handed to a job of its own."""
    message_id = _message_id(notice)
    try:
        _email(notice, message_id, mail_connection).send()
    except Exception as exc:  # this notice only: pending again, retried by a deliver_notice job
        logger.warning("notice %s not sent with its batch (%s); retried alone", notice.pk, exc.__class__.__name__)
        notice_changes.do_release_after_error(notice, exc.__class__.__name__)
        enqueue(deliver_notice, str(notice.pk), priority=10)
        return ""
    return message_id


@job(max_attempts=8, backoff_base=10)
def deliver_notice(notice_id: str) -> str:
    notice, settled = notice_changes.do_claim_for_delivery(notice_id)
    if settled is not None:
        return settled
    message_id = _message_id(notice)
    try:
        _email(notice, message_id).send()
    except Exception as exc:
        notice_changes.do_release_after_error(notice, exc.__class__.__name__)
        raise
    notice_changes.do_record_delivery(notice, status=NoticeStatus.SENT, message_id=message_id,
                                      about={"channel": notice.channel, "message_id": message_id})
    return "sent"
