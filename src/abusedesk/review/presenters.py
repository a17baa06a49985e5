"""What the case page shows, prepared as plain values. Attacker-written text is passed to templates as
text (auto-escaped there); highlighted spans are built from escaped segments, never from raw HTML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from abusedesk.accounts.models import User
from abusedesk.cases.models import Case, DecisionStatus, Finding
from abusedesk.intake.service import order_problem_words


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


def _findings_by_report(report_ids: list[Any]) -> dict[Any, list[Finding]]:
    grouped: dict[Any, list[Finding]] = {}
    for finding in Finding.objects.filter(report_id__in=report_ids).order_by("-score"):
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


REPORTS_PARAM, EVIDENCE_PARAM = "reports", "evidence"
PER_PAGE = 50  # reports, and evidence items, on one case page
ORDER_BANNERS = 5  # reports with an incomplete authority order named at the top of every page; the rest counted
TARGETS_SHOWN = 20
ANY_PAGE = 999_999_999  # the largest page number a link may carry (page_number reads at most 9 digits)


@dataclass(frozen=True)
class ListPage:
    """One page of a case's reports or evidence: its number, rows `first`..`last` (from 1) of `total`, and links
    to the page before and after that keep the page's other query parameters."""

    number: int
    total: int
    anchor: str  # the id of the pager above the list, where the links lead
    previous_url: str  # "" on the first page
    next_url: str  # "" on the last page

    @property
    def offset(self) -> int:
        return (self.number - 1) * PER_PAGE

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + PER_PAGE, self.total)

    @property
    def pages(self) -> int:
        return page_count(self.total)


def page_count(total: int) -> int:
    return max(1, -(-total // PER_PAGE))


def page_number(raw: str | None, pages: int) -> int:
    """The page asked for, or 1 for anything that is not one of the list's pages (missing, not a number, 0,
    negative, past the end): a hand-edited or stale link shows the first page, never an error."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        return 1
    number = int(text)
    return number if 1 <= number <= pages else 1


def case_url_at(case_id: int, reports_page: str | None, *, anchor: str) -> str:
    """The case page back at the page of reports an action was taken on (the form's hidden `reports`), so marking a
    report on page 7 of a campaign does not send the analyst back to page 1. Anything `page_number` refuses leads to
    the case page itself."""
    from django.urls import reverse

    url = reverse("review:case", args=[case_id])
    number = page_number(reports_page, ANY_PAGE)  # how many pages there are now, the page itself checks
    return f"{url}?{REPORTS_PARAM}={number}#{anchor}" if number > 1 else f"{url}#{anchor}"


def _list_page(query: QueryDict, param: str, total: int, *, anchor: str) -> ListPage:
    pages = page_count(total)
    number = page_number(query.get(param), pages)
    return ListPage(number=number, total=total, anchor=anchor,
                    previous_url=page_link(query, param, number - 1, anchor=anchor) if number > 1 else "",
                    next_url=page_link(query, param, number + 1, anchor=anchor) if number < pages else "")


def page_link(query: QueryDict, param: str, number: int, *, anchor: str) -> str:
    """`?...&param=number#anchor`, keeping the other parameters except `select` (?select=all ticks the boxes of
    the page it was asked on; carried along, it would tick another page's reports unasked)."""
    changed = query.copy()
    changed.pop("select", None)
    changed[param] = str(number)
    return f"?{changed.urlencode()}#{anchor}"


def case_page_context(case: Case, user: User, *, query: QueryDict | None = None) -> dict[str, Any]:
    """Everything the case page shows. A campaign case has thousands of reports, each with an evidence row: both
    lists come a page at a time (`?reports=N`, `?evidence=N` in `query`), so the page costs the same queries and
    about the same bytes for 20,000 reports as for 20."""
    from abusedesk.review.assessment import runs_context

    query = query if query is not None else QueryDict()
    reports_page = _list_page(query, REPORTS_PARAM, case.reports.count(), anchor="report-list")
    evidence_page = _list_page(query, EVIDENCE_PARAM, case.evidence.filter(same_as__isnull=True).count(),
                               anchor="evidence-list")
    decisions = list(case.decisions.select_related("policy", "decided_by", "emergency_reviewed_by", "cited_assessment")
                     .defer("cited_assessment__body", "cited_assessment__text")
                     .prefetch_related("approvals__approver").order_by("-decided_at"))
    services = list(case.property.services.all()) if case.property else []
    return {"case": case, "reports": _report_rows(case, reports_page), "reports_page": reports_page,
            "order_banners": _order_banners(case, query, reports_page),
            "evidence": _evidence_rows(case, evidence_page), "evidence_page": evidence_page,
            "decisions": decisions, "services": services, "can_decide": user.can_decide,
            "awaiting": [d for d in decisions if d.status == DecisionStatus.AWAITING_APPROVAL],
            **triage_context(case), **runs_context(case)}


def _report_rows(case: Case, page: ListPage) -> list[dict[str, Any]]:
    """The page's reports, oldest first (`pk` after `received_at`: reports filed in the same instant keep one
    order from page to page), with their findings and e-mail messages, read for these reports only."""
    from abusedesk.review.mail import mail_views

    rows = list(case.reports.select_related("reporter").order_by("received_at", "pk")
                [page.offset:page.offset + PER_PAGE])
    findings = _findings_by_report([r.pk for r in rows])
    mail = mail_views(rows)
    reports = []
    for report in rows:
        spans = [s for f in findings.get(report.pk, []) if f.source == "report_text" for s in f.spans]
        reports.append({"report": report, "explanation": highlight(report.explanation, spans),
                        "findings": findings.get(report.pk, []), "mail": mail.get(report.pk, [])})
    return reports


def _order_banners(case: Case, query: QueryDict, page: ListPage) -> dict[str, Any]:
    """Every page warns of ANY report of the case whose authority order is incomplete, wherever it is listed: the
    first ORDER_BANNERS by name (with a link to the page that lists each), and how many more there are."""
    flagged = case.reports.exclude(order_problems=[]).order_by("received_at", "pk")
    shown = list(flagged.only("pk", "received_at", "order_problems")[:ORDER_BANNERS + 1])
    more = flagged.count() - ORDER_BANNERS if len(shown) > ORDER_BANNERS else 0
    banners = []
    for report in shown[:ORDER_BANNERS]:
        before = case.reports.filter(Q(received_at__lt=report.received_at)
                                     | Q(received_at=report.received_at, pk__lt=report.pk)).count()
        number = before // PER_PAGE + 1
        anchor = f"report-{report.pk}"
        link = f"#{anchor}" if number == page.number else page_link(query, REPORTS_PARAM, number, anchor=anchor)
        banners.append({"report": report, "problems": [order_problem_words(p) for p in report.order_problems],
                        "page": number, "link": link})
    return {"banners": banners, "more": more}


def _evidence_rows(case: Case, page: ListPage) -> list[dict[str, Any]]:
    """The page's captures. A campaign's reports of one URL share one capture (evidence/reuse.py): their own rows
    repeat its state without body or text, so the list shows the capture once, with how many other reports it
    covers (`covered`)."""
    items = list(case.evidence.filter(same_as__isnull=True).annotate(covered=Count("covers")).defer("body")
                 .prefetch_related("findings").order_by("created_at", "pk")[page.offset:page.offset + PER_PAGE])
    _load_image_bodies(items)
    evidence = []
    for item in items:
        spans = [s for f in item.findings.all() for s in f.spans]
        evidence.append({"item": item, "text": highlight(item.text or "", spans), "problem": capture_problem(item)})
    return evidence


def _load_image_bodies(items: list[Any]) -> None:
    """Bodies are read only where the page may show an image (shifts/media.py sniffs their first bytes), in one
    query: a page of 50 captured HTML pages would otherwise read up to 50 x EVIDENCE_MAX_BYTES it never shows."""
    from abusedesk.evidence.models import Evidence

    wanted = {item.pk: item for item in items if _may_be_image(item)}
    if wanted:
        for row in Evidence.objects.filter(pk__in=list(wanted)).only("pk", "body"):
            wanted[row.pk].body = row.__dict__["body"]  # still sealed: opened if the template reads it


def _may_be_image(item: Any) -> bool:
    """shifts.media.image_type's checks before it reads the body (a row failing them never has its body read)."""
    from abusedesk.shifts.media import MAYBE_IMAGE

    headers = item.headers if isinstance(item.headers, dict) else {}
    declared = next((str(v) for k, v in headers.items() if str(k).lower() == "content-type"), "")
    declared = declared.split(";", 1)[0].strip().lower()
    return item.status == "captured" and not headers.get("kind") and (not declared or declared.startswith(MAYBE_IMAGE))


def triage_context(case: Case) -> dict[str, Any]:
    from abusedesk.referrals.models import Referral
    from abusedesk.review import timeline
    from abusedesk.triage.models import Page

    watches = []
    for thread in case.watches.prefetch_related("posts"):
        dots = timeline.by_time(list(thread.posts.all()))
        watches.append({"thread": thread, "posts": dots, "svg": timeline.timeline_svg(dots)})
    # Reports can name new people as a campaign grows: the first TARGETS_SHOWN, and how many more.
    targets = [t.name for t in case.targets.order_by("created_at", "pk")[:TARGETS_SHOWN + 1]]
    more = case.targets.count() - TARGETS_SHOWN if len(targets) > TARGETS_SHOWN else 0
    return {"targets": targets[:TARGETS_SHOWN], "targets_more": more, "watches": watches,
            "legend": timeline.legend(), "referrals": list(Referral.objects.filter(case=case)),
            "bounced": bounced_notices(case),
            "pages": list(Page.objects.filter(case=case).select_related("acknowledged_by").order_by("-created_at"))}


BOUNCES_SHOWN = 10


def bounced_notices(case: Case) -> list[Any]:
    """At most BOUNCES_SHOWN notices of the case whose delivery came back (intake/email/bounces.py), the host's
    first: a forward that never arrived is the one to act on."""
    from abusedesk.cases.models import Notice, NoticeStatus, RecipientRole

    notices = list(Notice.objects.filter(case_id=case.pk, status=NoticeStatus.BOUNCED)
                   .only("id", "kind", "recipient_role", "last_error", "created_at")
                   .order_by("-created_at")[:BOUNCES_SHOWN])
    return sorted(notices, key=lambda n: n.recipient_role != RecipientRole.HOST)
