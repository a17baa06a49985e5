"""What the case page shows, prepared as plain values. Attacker-written text is passed to templates as
text (auto-escaped there); highlighted spans are built from escaped segments, never from raw HTML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abusedesk.accounts.models import User
from abusedesk.cases.models import Case, DecisionStatus, Finding


@dataclass
class Segment:
    text: str
    label: str | None


def highlight(text: str, spans: list[dict[str, Any]]) -> SafeString:
    """Escape `text` and wrap each span in <mark>; overlapping spans are merged into the first."""
    out: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: (int(s["start"]), -int(s["end"]))):
        start, end = max(int(span["start"]), cursor), min(int(span["end"]), len(text))
        if start >= end:
            continue
        out.append(escape(text[cursor:start]))
        out.append(f'<mark class="span-{escape(span.get("type", "x"))}" title="{escape(span.get("type", ""))}">'
                   f"{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def _findings_by_report(case: Case) -> dict[Any, list[Finding]]:
    grouped: dict[Any, list[Finding]] = {}
    for finding in Finding.objects.filter(report__case=case).order_by("-score"):
        grouped.setdefault(finding.report_id, []).append(finding)
    return grouped


# Why the site could not be reached, in words (evidence/capture.py TRANSIENT); other reasons are the fetch policy's.
UNREACHABLE = {"dns_failure": _("its name did not resolve"), "connect_failed": _("no connection could be made"),
               "connection_error": _("the connection broke off"),
               "timeout_deadline": _("it took longer than the deadline"), "timeout_read": _("it stopped answering"),
               "tls_error": _("its TLS certificate or handshake failed"),
               "proxy_failed": _("the outbound proxy failed"), "bad_response": _("its answer was not valid HTTP")}


def capture_problem(item: Any) -> str:
    """Why a capture has no content, in words; "" when it was captured or is still pending."""
    code = item.reason or gettext("no reason recorded")
    if item.status == "failed":
        why = UNREACHABLE.get(item.reason, code)
        return gettext("Capture failed: %(why)s (%(code)s).") % {"why": why, "code": code}
    if item.status == "blocked":
        return gettext("Not fetched: the fetch policy refused it (%(code)s).") % {"code": code}
    return ""


def case_page_context(case: Case, user: User) -> dict[str, Any]:
    from abusedesk.review.assessment import runs_context
    from abusedesk.review.mail import mail_views

    findings = _findings_by_report(case)
    rows = list(case.reports.select_related("reporter").order_by("received_at"))
    mail = mail_views(rows)
    reports = []
    for report in rows:
        spans = [s for f in findings.get(report.pk, []) if f.source == "report_text" for s in f.spans]
        reports.append({"report": report, "explanation": highlight(report.explanation, spans),
                        "findings": findings.get(report.pk, []), "mail": mail.get(report.pk, [])})
    evidence = []
    for item in case.evidence.prefetch_related("findings").order_by("created_at"):
        spans = [s for f in item.findings.all() for s in f.spans]
        evidence.append({"item": item, "text": highlight(item.text or "", spans), "problem": capture_problem(item)})
    decisions = list(case.decisions.select_related("policy", "decided_by", "emergency_reviewed_by", "cited_assessment")
                     .defer("cited_assessment__body", "cited_assessment__text")
                     .prefetch_related("approvals__approver").order_by("-decided_at"))
    services = list(case.property.services.all()) if case.property else []
    return {"case": case, "reports": reports, "evidence": evidence, "decisions": decisions,
            "services": services, "can_decide": user.can_decide,
            "awaiting": [d for d in decisions if d.status == DecisionStatus.AWAITING_APPROVAL],
            **triage_context(case), **runs_context(case)}


def triage_context(case: Case) -> dict[str, Any]:
    from abusedesk.referrals.models import Referral
    from abusedesk.review import timeline
    from abusedesk.triage.models import Page

    watches = []
    for thread in case.watches.prefetch_related("posts"):
        dots = timeline.by_time(list(thread.posts.all()))
        watches.append({"thread": thread, "posts": dots, "svg": timeline.timeline_svg(dots)})
    return {"targets": [t.name for t in case.targets.all()], "watches": watches, "legend": timeline.legend(),
            "referrals": list(Referral.objects.filter(case=case)),
            "pages": list(Page.objects.filter(case=case).order_by("-created_at"))}
