"""The console's mailbox (`/console/mailbox/`): the e-mail messages that filed no report and joined none.

The e-mail reader (intake/email/ingest.py) IGNORES a message without a usable URL or IP address (`not_a_report`:
"they are threatening me at home"), a robot's free text and a sender-less message, and marks one it cannot read
FAILED; a message still RECEIVED after STUCK_AFTER was never read (the job is far behind, or was lost). None of them
reaches a case page, so they are listed here, newest first, until an analyst files one as a report or dismisses it
(mailbox_filing.py); dismissed ones stay findable behind a filter. The list shows who sent what (from the reader's
summary, `parsed`, else the envelope sender) but never a body; the detail page is the case page's view of a message
(mail.py): everything escaped, attachments listed, nothing rendered or fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.db.models.fields.json import KT
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST

from abusedesk.accounts.access import acting_user, staff_view
from abusedesk.intake.models import Category, InboundMessage, InboundStatus
from abusedesk.intake.schema import IntakeError
from abusedesk.review.labels import choices, label
from abusedesk.review.mail import mail_view
from abusedesk.review.mailbox_filing import SETTLED, Filing, Refused, dismiss, file_message, json_object

STUCK_AFTER = timedelta(minutes=15)  # the reader runs at S1 priority: this long unread is a stuck job
PAGE_SIZE = 50
BADGE_CAP = 99
STATUS_LABELS: dict[str, str] = {
    InboundStatus.IGNORED: gettext_noop("Ignored"), InboundStatus.FAILED: gettext_noop("Failed"),
    InboundStatus.RECEIVED: gettext_noop("Not read (stuck)"),
    InboundStatus.PROCESSED: gettext_noop("Filed or joined a report"),
    InboundStatus.DUPLICATE: gettext_noop("Duplicate")}
# The reasons the reader gives (ingest.py, receipts.py, arf.py), in words; an unknown one is shown as its code.
REASONS = {"not_a_report": gettext_noop("no usable URL or IP address"), "no_sender": gettext_noop("no sender address"),
           "unreadable": gettext_noop("could not be read"),
           "reporter_suspended": gettext_noop("intake from the sender is suspended"),
           "bounce": gettext_noop("a bounce"), "auto_reply": gettext_noop("an auto-reply"),
           "list": gettext_noop("mailing-list mail"), "bulk": gettext_noop("bulk mail"),
           "arf_not_spam": gettext_noop("ARF feedback saying it is not spam")}
# InboundSource's labels, for the translations (shown through `label`).
SOURCE_LABELS = (gettext_noop("SMTP listener"), gettext_noop("abusedesk mail ingest"), gettext_noop("IMAP mailbox"),
                 gettext_noop("Maildir"))
LIST_FIELDS = ("id", "received_at", "source", "status", "result", "size", "parsed", "envelope", "reviewed_at",
               "reviewed_by__username")


def leftovers(*, reviewed: bool = False) -> QuerySet[InboundMessage]:
    """Ignored, failed and stuck messages; with `reviewed`, the dismissed ones too.

    Written as the partial index `inbound_awaiting_look`'s own predicate, then the fresh RECEIVED ones taken out:
    PostgreSQL then reads that small index (an OR of the three cases made it scan the whole table)."""
    query = InboundMessage.objects.filter(status__in=[InboundStatus.RECEIVED, InboundStatus.IGNORED,
                                                      InboundStatus.FAILED])
    if not reviewed:
        query = query.filter(reviewed_at__isnull=True)
    return query.exclude(status=InboundStatus.RECEIVED, received_at__gte=timezone.now() - STUCK_AFTER)


def awaiting_look() -> str:
    """The navigation's count, on every console page: at most BADGE_CAP + 1 ids read through the partial index,
    never a COUNT -- a flood of ignored spam costs the header nothing."""
    found = len(leftovers().values_list("pk", flat=True)[:BADGE_CAP + 1])
    return f"{BADGE_CAP}+" if found > BADGE_CAP else str(found or "")


def status_label(status: str) -> str:
    return label(STATUS_LABELS.get(status, status))


def reason_label(code: str) -> str:
    return label(REASONS[code]) if code in REASONS else code


class MailboxFilter(forms.Form):
    status = forms.ChoiceField(required=False, label=gettext_lazy("Status"), choices=[
        ("", gettext_lazy("all")), *choices((s, STATUS_LABELS[s]) for s in (
            InboundStatus.IGNORED, InboundStatus.FAILED, InboundStatus.RECEIVED))])
    reason = forms.CharField(required=False, max_length=40, label=gettext_lazy("Reason"))
    reviewed = forms.BooleanField(required=False, label=gettext_lazy("Show dismissed messages too"))

    def query(self) -> str:
        """The filters alone, for the pager's links."""
        return urlencode({k: v for k, v in self.cleaned_data.items() if v})


def _plain_url(line: str) -> str:
    """A URL as an analyst pastes it from a report, written plainly: abuse reports often defang them
    (`hxxps://forum[.]test/t/1`, `forum[dot]test`), the e-mail reader's way (intake/email/freetext.py). A line
    that is not one URL stays as typed, so intake's validation names what is wrong with it."""
    from abusedesk.intake.email.freetext import urls_in

    found = urls_in(line, limit=2)
    return found[0] if len(found) == 1 else line


class FileForm(forms.Form):
    urls = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}), max_length=20_000,
                           label=gettext_lazy("URLs"),
                           help_text=gettext_lazy("One a line: the addresses the report is about."))
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=[
        ("", gettext_lazy("— choose —")), *choices(Category.choices)])
    language = forms.CharField(max_length=5, required=False, label=gettext_lazy("Language"),
                               help_text=gettext_lazy("An ISO 639-1 code such as en, es or ar; empty: as read."))

    def filing(self) -> Filing:
        data = self.cleaned_data
        urls = [_plain_url(line.strip()) for line in data["urls"].splitlines() if line.strip()]
        return Filing(urls=urls, category=data["category"], language=data["language"].strip())

    def show_problems(self, error: IntakeError, filing: Filing) -> None:
        """Each problem on the field it concerns, named: `urls.2` is the third URL, quoted back."""
        for problem in error.problems:
            name, _dot, index = problem.field.partition(".")
            if name == "urls" and index.isdigit() and int(index) < len(filing.urls):
                self.add_error("urls", _("URL %(n)s (%(url)s): %(problem)s") % {
                    "n": int(index) + 1, "url": filing.urls[int(index)], "problem": problem.problem})
            elif name in {"urls", "language", "category"}:
                self.add_error(name, problem.problem)
            else:  # the sender's fields come from the message, not from this form
                self.add_error(None, _("%(field)s (from the message): %(problem)s") % {
                    "field": problem.field, "problem": problem.problem})


@dataclass
class Row:
    message: InboundMessage
    sender: str
    subject: str
    status: str
    reason: str
    reason_text: str


def sender_of(message: InboundMessage, summary: dict[str, Any]) -> str:
    """The From header as the reader found it, else the envelope sender (an unread or unreadable message)."""
    found = summary.get("from") or {}
    name, address = str(found.get("name") or ""), str(found.get("address") or "")
    if address:
        return f"{name} <{address}>" if name else address
    return envelope_sender(message)


def envelope_sender(message: InboundMessage) -> str:
    return str(json_object(message.envelope).get("mail_from") or "")


def _row(message: InboundMessage) -> Row:
    summary = json_object(message.parsed)
    reason = str((message.result or {}).get("reason", ""))
    return Row(message=message, sender=sender_of(message, summary), subject=str(summary.get("subject") or ""),
               status=status_label(message.status), reason=reason, reason_text=reason_label(reason))


Counted = list[tuple[str, str, int]]  # (code, words, how many)


def _counts(scope: QuerySet[InboundMessage], status: str) -> tuple[Counted, Counted]:
    """Per status, and per reason (within the chosen status): one grouped query."""
    per_status: dict[str, int] = {}
    per_reason: dict[str, int] = {}
    for row in scope.values("status", reason=KT("result__reason")).annotate(n=Count("pk")).order_by():
        per_status[row["status"]] = per_status.get(row["status"], 0) + row["n"]
        if row["reason"] and (not status or row["status"] == status):
            per_reason[row["reason"]] = per_reason.get(row["reason"], 0) + row["n"]
    statuses = [(str(s), status_label(s), per_status.get(s, 0))
                for s in (InboundStatus.IGNORED, InboundStatus.FAILED, InboundStatus.RECEIVED)]
    return statuses, [(r, reason_label(r), n) for r, n in sorted(per_reason.items())]


@staff_view()
def mailbox(request: HttpRequest) -> HttpResponse:
    """The leftovers, newest first, 50 a page; counts per status and reason above them."""
    form = MailboxFilter(request.GET)
    if not form.is_valid():
        return render(request, "review/mailbox.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data
    scope = leftovers(reviewed=data["reviewed"])
    statuses, reasons = _counts(scope, data["status"])
    shown = scope.filter(status=data["status"]) if data["status"] else scope
    if data["reason"]:
        shown = shown.filter(result__reason=data["reason"])
    shown = shown.select_related("reviewed_by").only(*LIST_FIELDS).order_by("-received_at", "-id")
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "review/mailbox.html", {
        "form": form, "page": page, "rows": [_row(m) for m in page], "statuses": statuses, "reasons": reasons,
        "status": data["status"], "reason": data["reason"], "query": form.query()})


def _message(message_id: str) -> InboundMessage:
    message = InboundMessage.objects.select_related("report", "reviewed_by").filter(pk=message_id).first()
    if message is None:
        raise Http404
    return message


def _initial(summary: dict[str, Any]) -> dict[str, Any]:
    """What the reader found, as a start: its URLs (robots' mail has none), category and language."""
    urls = summary.get("urls") or []
    return {"urls": "\n".join(map(str, urls)) if isinstance(urls, list) else "",
            "category": summary.get("category") or "", "language": summary.get("language") or ""}


def _detail(request: HttpRequest, message: InboundMessage, *, form: FileForm | None = None,
            status: int = 200) -> HttpResponse:
    view = mail_view(message)
    view = replace(view, role=status_label(message.status))
    result = message.result or {}
    reason = str(result.get("reason", ""))
    return render(request, "review/mailbox_message.html", {
        "message": message, "mail": [view], "status_text": view.role, "reason": reason,
        "reason_text": reason_label(reason), "envelope_sender": envelope_sender(message),
        "problems_by_field": [p for p in result.get("problems_by_field") or [] if isinstance(p, dict)],
        "open": message.report_id is None and message.status not in SETTLED,
        "can_act": acting_user(request).can_decide, "form": form or FileForm(initial=_initial(view.summary))},
        status=status)


@staff_view()
def mailbox_message(request: HttpRequest, message_id: str) -> HttpResponse:
    return _detail(request, _message(message_id))


@require_POST
@staff_view(need=lambda u: u.can_decide)
def mailbox_file(request: HttpRequest, message_id: str) -> HttpResponse:
    message = _message(message_id)
    form = FileForm(request.POST)
    if not form.is_valid():
        return _detail(request, message, form=form, status=400)
    filing = form.filing()
    try:
        file_message(message, filing, acting_user=acting_user(request))
    except IntakeError as exc:
        form.show_problems(exc, filing)
        return _detail(request, message, form=form, status=400)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Filed as a report: it goes through the pipeline like any other."))
    return redirect("review:mailbox-message", message_id=message.pk)


@require_POST
@staff_view(need=lambda u: u.can_decide)
def mailbox_dismiss(request: HttpRequest, message_id: str) -> HttpResponse:
    message = _message(message_id)
    try:
        dismiss(message, acting_user=acting_user(request))
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect("review:mailbox-message", message_id=message.pk)
    messages.success(request, _("Dismissed: the message is hidden from the mailbox."))
    return redirect("review:mailbox")
