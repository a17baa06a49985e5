"""Public pages: the report form (English, Spanish, Arabic) and its receipt page."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from abusedesk.common.net import client_ip
from abusedesk.common.outcomes import OUTCOME_LABELS
from abusedesk.intake.forms import ReportForm
from abusedesk.intake.models import Channel, Report
from abusedesk.intake.ratelimit import retry_after
from abusedesk.intake.service import ReporterSuspended, accept
from abusedesk.intake.status import report_id_for, status_token

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def report_form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.content_type != FORM_CONTENT_TYPE:
        # Browsers post this form urlencoded (it has no file field). Multipart would be parsed by the CSRF
        # check before we could keep the raw bytes, so it is refused, clearly, rather than half-handled.
        return HttpResponse(f"Send the form as {FORM_CONTENT_TYPE}.", status=415,
                            content_type="text/plain; charset=utf-8")
    raw = request.body if request.method == "POST" else b""  # the bytes exactly as received, read first
    form = ReportForm(request.POST or None)
    if request.method == "POST":
        wait = retry_after(request, None, group="web-intake")
        if wait is not None:
            response = render(request, "intake/report_form.html", {"form": form, "rate_limited": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            submitted = _submit(request, form, raw)
            if submitted is not None:
                return submitted
        return render(request, "intake/report_form.html", {"form": form}, status=400)
    return render(request, "intake/report_form.html", {"form": form})


def _submit(request: HttpRequest, form: ReportForm, raw: bytes) -> HttpResponse | None:
    assert form.draft is not None  # a valid form has passed the API's checks (ReportForm.clean)
    draft = form.draft
    try:
        accepted = accept(draft, channel=Channel.WEB, raw=raw, content_type=request.content_type or "",
                          client_ip=client_ip(request))
    except ReporterSuspended as exc:
        form.add_error(None, str(exc))
        return None
    # Straight to the status page: its link is the one the reporter keeps (intake/status.py).
    return redirect(reverse("intake:status", kwargs={"token": status_token(accepted.report.pk)}) + "?received=1")


def thanks(request: HttpRequest, report_id: str) -> HttpResponse:
    # Shows only the id and status: nothing the reporter typed, so the URL leaks nothing.
    report = Report.objects.filter(pk=report_id).only("id", "status", "received_at").first()
    return render(request, "intake/thanks.html", {"report": report, "report_id": report_id},
                  status=200 if report else 404)


def report_status(request: HttpRequest, token: str) -> HttpResponse:
    """The reporter's status page (link from the API's `status_url` and the receipt page). Shows where the
    report stands and the decision, never the reporter's identity or explanation: a forwarded link leaks
    nothing the reporter did not already see on the receipt."""
    report_id = report_id_for(token)
    report = Report.objects.select_related("case").filter(pk=report_id).first() if report_id else None
    if report is None:
        return render(request, "intake/status.html", {"report": None}, status=404)
    decision = None
    if report.case is not None:
        decision = report.case.decisions.published().first()
    hosts = sorted({u["host_unicode"] or u["host"] for u in report.urls})
    return render(request, "intake/status.html", {
        "report": report, "hosts": hosts, "decision": decision,
        "outcome_label": OUTCOME_LABELS.get(decision.outcome, decision.outcome) if decision else "",
        "lookup_url": f"/api/v1/lookup?url={quote(report.primary_url, safe='')}",
        "just_received": request.GET.get("received") == "1"})


def confirm_report(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a receipt: a page asking the mailbox owner to confirm they sent the report (the POST confirms,
    so link scanners that fetch every URL in an e-mail confirm nothing). Shows no report content."""
    from abusedesk.intake.confirm import confirm, report_for

    report = report_for(token)
    if report is None:
        return render(request, "intake/confirm.html", {"report": None}, status=404)
    confirmed = request.method == "POST" and request.POST.get("confirm") == "yes" and confirm(report)
    return render(request, "intake/confirm.html", {
        "report": report, "confirmed": confirmed or report.reporter_confirmed_at is not None,
        "status_url": reverse("intake:status", kwargs={"token": status_token(report.pk)})})
