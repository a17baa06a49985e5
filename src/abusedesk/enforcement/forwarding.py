"""Forwarding a report to the real host when we only proxy (or resolve, or register) the site.

The forward is built from `outbound.HostForward` (no reporter fields) and goes to the origin's abuse e-mail and,
when configured, its webhook (HMAC-signed). Each channel is a Notice with an idempotency key, so a retried job
never sends twice; webhook URLs are checked when saved and again, with the connection pinned, when sent.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from abusedesk.audit import trail as audit
from abusedesk.cases.actions import notices as notice_changes
from abusedesk.cases.models import Notice, NoticeStatus, RecipientRole
from abusedesk.enforcement.notices import deliver_later, render_text
from abusedesk.enforcement.outbound import EvidenceRef, HostForward, ReporterDisclosure, redact_reporter
from abusedesk.evidence.models import CaptureStatus, Evidence
from abusedesk.intake.models import Report, Share
from abusedesk.jobs import enqueue, job

logger = logging.getLogger("abusedesk.forwarding")
EXCERPT_CHARS = 1500


def host_forward(report: Report, service: Any) -> HostForward:
    """The forward for one report, with the reporter added back only as they chose for hosts."""
    choice = report.share_host
    reporter = report.reporter
    notice_text: str | None = None
    if choice in {Share.SEND, Share.ANONYMOUS}:
        notice_text = report.explanation
        if choice == Share.ANONYMOUS:
            notice_text = redact_reporter(notice_text, name=reporter.name, email=reporter.email, phone=reporter.phone)
    disclosure = (ReporterDisclosure(name=reporter.name or "", email=reporter.email or "")
                  if choice == Share.SEND else None)
    # A row reusing another report's capture (evidence/reuse.py) has its state but not its text: the excerpt is the
    # capture's. Bodies are not read here.
    rows = (Evidence.objects.filter(report=report, status=CaptureStatus.CAPTURED).select_related("same_as")
            .defer("body", "same_as__body").order_by("created_at"))
    evidence = [EvidenceRef(url=e.url, final_url=e.final_url, http_status=e.http_status, resolved_ip=e.resolved_ip,
                            body_sha256=e.body_sha256, text_sha256=e.text_sha256,
                            fetched_at=e.fetched_at.isoformat() if e.fetched_at else "",
                            excerpt=((e.same_as or e).text or "")[:EXCERPT_CHARS])
                for e in rows]
    return HostForward(reference=f"R-{str(report.pk)[:8]}", received_at=report.received_at.isoformat(),
                       category=report.category, urls=[u["url"] for u in report.urls], our_service=service.kind,
                       origin_ip=str(service.origin_ip) if service.origin_ip else None, evidence=evidence,
                       notice_text=notice_text, reporter=disclosure,
                       reporter_status={"send": "identified", "anonymous": "anonymous"}.get(choice, "not_included"))


def _proxy_service(report: Report) -> Any:
    if report.case is None or report.case.property is None:
        return None
    return (report.case.property.services.filter(hosts_content=False)
            .exclude(origin_abuse_email="", origin_webhook_url="").order_by("kind").first())


def forward_when_captured(report: Report) -> str | None:
    """Called after each capture, in its job: forward once every URL of the report has a final capture state (no
    second job: the steps always follow each other). None while a capture is still to come."""
    if Evidence.objects.filter(report=report, settled=False).exists():
        return None
    return forward(str(report.pk))


@job(max_attempts=6, backoff_base=10)
def forward_report(report_id: str) -> str:
    return forward(report_id)


def forward(report_id: str) -> str:
    """Queue the forwards of one report to its host (idempotent: each channel's notice has a key)."""
    report = Report.objects.select_related("reporter", "case__property").get(pk=report_id)
    service = _proxy_service(report)
    if service is None:
        return "we host it, or no origin contact is configured"
    with audit.atomic():
        _queue_forward(report, service)
    return "queued"


def forward_reports(reports: list[Report]) -> int:
    """Forward filed reports of one case at once, inside the caller's transaction (the filing job's, when no evidence
    is captured first, so there is nothing to wait for): the service is looked up once, the notices are inserted
    together and the e-mails join the open delivery batch. Returns how many notices were queued."""
    service = _proxy_service(reports[0]) if reports else None
    if service is None:
        return 0
    items = [item for report in reports for item in _forward_notices(report, service)]
    created = notice_changes.do_queue_notices(items)
    for notice in created:
        _deliver(notice)
    return len(created)


def _queue_forward(report: Report, service: Any) -> None:
    for item in _forward_notices(report, service):
        notice, created = notice_changes.do_queue_notice(idempotency_key=item.key, fields=item.fields,
                                                         about=item.about)
        if created:
            _deliver(notice)


def _deliver(notice: Notice) -> None:
    if notice.channel == "webhook":
        enqueue(deliver_webhook, str(notice.pk), priority=60)
    else:
        deliver_later(notice, priority=60)


def _forward_notices(report: Report, service: Any) -> list[notice_changes.Queued]:
    """The forward's notices: an e-mail to the origin's abuse address and a signed webhook, as configured."""
    forward = host_forward(report, service)
    base = {"kind": "host_forward", "report": report, "case_id": report.case_id, "recipient_role": RecipientRole.HOST,
            "language": "en"}
    items = []
    if service.origin_abuse_email:
        rendered = render_text("host_forward", {"f": forward, "provider": service.origin_provider})
        items.append(notice_changes.Queued(key=f"forward:{report.pk}:email", fields={
            **base, "channel": "email", "to_address": service.origin_abuse_email, "subject": rendered.subject,
            "body": rendered.body}, about=_queued(report, forward, "email")))
    if service.origin_webhook_url:
        payload = json.dumps({"type": "abuse_report.forward", "forward": forward.as_payload()}, ensure_ascii=False,
                             sort_keys=True)
        items.append(notice_changes.Queued(key=f"forward:{report.pk}:webhook", fields={
            **base, "channel": "webhook", "to_address": service.origin_webhook_url,
            "subject": "abuse_report.forward", "body": payload}, about=_queued(report, forward, "webhook")))
    return items


def _queued(report: Report, forward: HostForward, channel: str) -> dict[str, Any]:
    """The audit payload of a queued forward: what went, never to whom or the reporter's identity."""
    return {"kind": "host_forward", "recipient_role": "host", "channel": channel, "report": str(report.pk),
            "reporter_status": forward.reporter_status, "evidence_sha256": [e.body_sha256 for e in forward.evidence]}


@job(max_attempts=8, backoff_base=15)
def deliver_webhook(notice_id: str) -> str:
    """POST the payload; the receiver dedupes on X-Abusedesk-Delivery. The URL is re-checked at send time."""
    from abusedesk.net.webhooks import delivered as was_delivered
    from abusedesk.net.webhooks import post_signed

    notice = Notice.objects.get(pk=notice_id)
    if notice.status == "sent":
        return "sent"
    result = post_signed(notice.to_address, notice.body.encode(), {"X-Abusedesk-Delivery": str(notice.pk)})
    delivered = was_delivered(result)
    notice_changes.do_record_delivery(
        notice, status=NoticeStatus.SENT if delivered else NoticeStatus.PENDING, attempts=notice.attempts + 1,
        error="" if delivered else (result.reason or f"HTTP {result.status}"),
        about={"channel": "webhook", "status": result.status, "reason": result.reason or ""})
    if not delivered:
        if (result.reason or "").startswith("blocked"):
            logger.warning("webhook for notice %s refused by the address policy: %s", notice.pk, result.reason)
            return "blocked"
        raise RuntimeError(f"webhook delivery failed: {result.reason or result.status}")
    return "sent"
