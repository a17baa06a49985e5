"""The reviewer console. Views read through access_case and change state only through cases.actions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, user_logged_in
from django.contrib.auth import views as auth_views
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abusedesk.accounts.access import acting_user, staff_view
from abusedesk.accounts.models import User
from abusedesk.audit import trail as audit
from abusedesk.cases import actions
from abusedesk.cases.models import Case, CaseStatus, DecisionStatus
from abusedesk.common.severity import Severity
from abusedesk.review import claims
from abusedesk.review.access import access_case, access_decision
from abusedesk.review.forms import CloseForm, DecisionForm, EmergencyReviewForm, SeverityForm
from abusedesk.review.presenters import case_page_context, case_url_at
from abusedesk.shifts import exposure as wellness


class LoginView(auth_views.LoginView):
    template_name = "review/login.html"
    redirect_authenticated_user = True


@staff_view()
def queue(request: HttpRequest) -> HttpResponse:
    """A page of the queue (review/queue.py: keyset, so the 1000th page costs what the first does), the totals
    per severity, and how far the job workers are behind (a banner when a due job has waited too long)."""
    from abusedesk.jobs.backlog import snapshot
    from abusedesk.review.queue import Position, queue_page
    from abusedesk.review.savedqueues import queue_view_context

    severity = request.GET.get("severity", "")
    status = request.GET.get("status", "")
    try:
        after, before = (Position.parse(request.GET[key]) if request.GET.get(key) else None
                         for key in ("after", "before"))
    except ValueError as exc:
        return HttpResponseBadRequest(f"after/before: not a place in the queue ({exc}).", content_type="text/plain")
    narrow, saved = queue_view_context(request)  # ?queue=<id>: a saved queue's filters (404 for an unknown one)
    page = queue_page(status, severity, after=after, before=before, narrow=narrow)
    claims.attach(page.cases)  # who holds each case of the page
    now = timezone.now()
    for case in page.cases:  # the template reads these two beside the case's own fields
        due = case.opened_at + timedelta(minutes=settings.SLA_MINUTES.get(case.severity, 4320))
        setattr(case, "sla_due", due)  # noqa: B010
        setattr(case, "sla_overdue", due < now and case.status == CaseStatus.OPEN)  # noqa: B010
    severities = [(value, label, page.totals.get(value, 0)) for value, label in Severity.choices]
    return render(request, "review/queue.html", {
        "cases": page.cases, "page": page, "severity": severity, "status": status, "severities": severities,
        "statuses": CaseStatus.choices, "backlog": snapshot(), **saved})


@staff_view()
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)  # type: ignore[arg-type]
    claims.touch(case, acting_user(request))  # opening the case keeps the holder's claim alive
    wellness.case_opened(acting_user(request), case)  # per-shift exposure counts (shifts/exposure.py)
    return _case_page(request, case)


def _case_page(request: HttpRequest, case: Case, *, status: int = 200, **forms: Any) -> HttpResponse:
    context = case_page_context(case, request.user, query=request.GET)  # type: ignore[arg-type]
    context.update({"form": DecisionForm(case=case, emergency_allowed=case.severity == "S0"),
                    "close_form": CloseForm(),
                    "severity_form": SeverityForm(initial={"severity": case.severity}),
                    **claims.page_context(case, acting_user(request)), **forms})
    return render(request, "review/case.html", context, status=status)



@require_POST
@staff_view(need=lambda u: u.can_decide)
def decide(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)  # type: ignore[arg-type]
    # Always offered here so that do_decide, not a missing field, refuses an emergency outside S0.
    form = DecisionForm(request.POST, case=case, emergency_allowed=True)
    if not form.is_valid():
        return _case_page(request, case, status=400, form=form)
    if claims.unconfirmed(request, case, acting_user(request)):  # someone else holds it: not unknowingly
        return _case_page(request, case, status=409, form=form, claim_refused=True)
    cited = form.cleaned_data["assessment"]  # a site assessment of this case (the form's choices), or None
    data = actions.DecisionInput(outcome=form.cleaned_data["outcome"], policy_id=form.cleaned_data["policy"].pk,
                                 reasoning=form.cleaned_data["reasoning"], facts=form.cleaned_data["facts"],
                                 notice_hours=form.cleaned_data.get("notice_hours") or 0,
                                 scope=form.cleaned_data["scope"],
                                 assessment_id=str(cited.pk) if cited else None)
    try:
        decision = actions.do_decide(case, data, acting_user=acting_user(request),
                                     emergency=form.cleaned_data["emergency"])
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        claims.acted(case, acting_user(request), action="decide")
        if decision.emergency:
            messages.warning(request, _("Emergency decision in effect. A second analyst must review it."))
        elif decision.status == DecisionStatus.AWAITING_APPROVAL:
            messages.info(request, _("Decision recorded. It needs a second analyst's approval before it takes effect."))
        else:
            messages.success(request, _("Decision recorded and in effect."))
    return redirect("review:case", case_id=case.pk)


AUTH_AT = "abusedesk_authenticated_at"
# When a one-time code was last entered at the step-up; spent by the next approval (one code, one approval).
CODE_AT = "abusedesk_code_at"


@receiver(user_logged_in)
def _remember_login_time(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[AUTH_AT] = timezone.now().isoformat()


def authenticated_at(request: HttpRequest) -> datetime | None:
    value = request.session.get(AUTH_AT)
    return datetime.fromisoformat(value) if value else None


@staff_view()
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Step-up: confirm the password to approve (sessions older than APPROVAL_REAUTH_MINUTES)."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/console/"
    from abusedesk.accounts import mfa

    error = ""
    needs_code = settings.APPROVAL_REQUIRE_MFA or mfa.has_device(acting_user(request))
    if request.method == "POST":
        error = _step_up_error(request, needs_code=needs_code)
        if not error:
            request.session[AUTH_AT] = timezone.now().isoformat()
            if needs_code:
                request.session[CODE_AT] = timezone.now().isoformat()
            return redirect(target)
    return render(request, "review/reauth.html", {"next": target, "error": error, "needs_code": needs_code},
                  status=400 if error else 200)


def _step_up_error(request: HttpRequest, *, needs_code: bool) -> str:
    from abusedesk.accounts import mfa

    user = authenticate(request, username=acting_user(request).username, password=request.POST.get("password", ""))
    if user is None or user.pk != request.user.pk:
        return _("That password is not right.")
    if not needs_code:
        return ""
    if not mfa.has_device(user):
        return _("Approvals need a second factor: ask an administrator to run `abusedesk users mfa` for you.")
    try:
        if not mfa.verify(user, request.POST.get("code", "")):
            return _("That one-time code is not right, or it was already used. Wait for the next code.")
    except mfa.TooManyWrongCodes as exc:
        return _("Too many wrong one-time codes. Try again in %(minutes)d minutes.") % {"minutes": exc.wait // 60 + 1}
    return ""


@require_POST
@staff_view(need=lambda u: u.can_decide)
def approve(request: HttpRequest, decision_id: str) -> HttpResponse:
    decision = access_decision(acting_user(request), decision_id)
    code_at = request.session.pop(CODE_AT, None)  # spent whatever happens: the next approval needs a new code
    try:
        actions.do_approve(decision, acting_user=acting_user(request), authenticated_at=authenticated_at(request),
                           second_factor_at=datetime.fromisoformat(code_at) if code_at else None)
    except actions.ReauthenticationRequired as exc:
        messages.info(request, str(exc))
        return redirect(f"{reverse('review:reauth')}?next={reverse('review:case', args=[decision.case_id])}")
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Approved. The decision is now in effect."))
    return redirect("review:case", case_id=decision.case_id)


@require_POST
@staff_view(need=lambda u: u.can_decide)
def return_decision(request: HttpRequest, decision_id: str) -> HttpResponse:
    """Reject, or send back for changes, with a reason (the second analyst's alternatives to approving)."""
    decision = access_decision(acting_user(request), decision_id)
    reject = request.POST.get("answer") == "reject"
    try:
        actions.do_return_decision(decision, acting_user=acting_user(request), reason=request.POST.get("reason", ""),
                                   reject=reject)
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Decision rejected.") if reject else _("Decision sent back for changes."))
    return redirect("review:case", case_id=decision.case_id)


@require_POST
@staff_view(need=lambda u: u.can_decide)
def set_severity(request: HttpRequest, case_id: int) -> HttpResponse:
    """Raise or lower the severity with a reason; do_set_severity decides who may take a case out of S0."""
    case = access_case(request.user, case_id)  # type: ignore[arg-type]
    form = SeverityForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, severity_form=form)
    try:
        actions.do_set_severity(case, form.cleaned_data["severity"], form.cleaned_data["reason"],
                                acting_user=acting_user(request))
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Severity set to %(severity)s.") % {"severity": form.cleaned_data["severity"]})
    return redirect("review:case", case_id=case.pk)


@require_POST
@staff_view(need=lambda u: u.can_decide)
def review_emergency(request: HttpRequest, decision_id: str) -> HttpResponse:
    """The after-the-fact review of an S0 emergency decision by someone who did not make it."""
    decision = access_decision(acting_user(request), decision_id)
    form = EmergencyReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Confirm or reverse the emergency decision, saying why (at most 500 characters)."))
        return redirect("review:case", case_id=decision.case_id)
    confirm = form.cleaned_data["answer"] == "confirm"
    try:
        actions.do_review_emergency(decision, acting_user=acting_user(request), confirm=confirm,
                                    reasoning=form.cleaned_data["reasoning"])
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Emergency decision confirmed.") if confirm else
                         _("Emergency decision reversed; its actions are being undone."))
    return redirect("review:case", case_id=decision.case_id)


@require_POST
@staff_view(need=lambda u: u.can_decide)
def close(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(request.user, case_id)  # type: ignore[arg-type]
    form = CloseForm(request.POST)
    if form.is_valid() and claims.unconfirmed(request, case, acting_user(request)):  # someone else holds it
        return _case_page(request, case, status=409, close_form=form, claim_refused=True)
    if form.is_valid():
        try:
            actions.do_close_case(case, reason=form.cleaned_data["reason"], acting_user=acting_user(request))
            claims.acted(case, acting_user(request), action="close")
            claims.release_closed(case, acting_user(request))
            messages.success(request, _("Case closed."))
        except actions.ActionRefused as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Give a reason to close the case."))
    return redirect("review:case", case_id=case.pk)


@staff_view(need=lambda u: u.role in {"admin", "auditor"})
def audit_log(request: HttpRequest) -> HttpResponse:
    """Filtered, newest first, paged by sequence number; the chain status above it."""
    from abusedesk.review.auditlog import AuditFilterForm, audit_page

    result = audit.verify_cached()  # not the whole chain on every load
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "review/audit.html", {"form": form, "page": None, "verify": result}, status=400)
    return render(request, "review/audit.html", {"form": form, "page": audit_page(form.cleaned_data),
                                                 "verify": result})


@require_POST
@staff_view(need=lambda u: u.can_decide)
def mark_unfounded(request: HttpRequest, report_id: str) -> HttpResponse:
    from abusedesk.intake.models import Report

    case_ids = Report.objects.filter(pk=report_id).values_list("case_id", flat=True)[:1]
    if not case_ids or case_ids[0] is None:
        raise Http404
    access_case(request.user, case_ids[0])  # type: ignore[arg-type]
    try:
        actions.do_mark_unfounded(Report.objects.get(pk=report_id), acting_user=acting_user(request),
                                  reason=request.POST.get("reason", ""))
        messages.success(request, _("Marked manifestly unfounded; the misuse rule was applied to the reporter."))
    except actions.ActionRefused as exc:
        messages.error(request, str(exc))
    return redirect(case_url_at(case_ids[0], request.POST.get("reports"), anchor=f"report-{report_id}"))


@staff_view(need=lambda u: u.role in {"admin", "auditor", "senior_analyst"})
def misuse(request: HttpRequest) -> HttpResponse:
    """Per-notifier statistics (pseudonymous: reporter ids, never identities) and current steps."""
    from django.db.models import Count, Q

    from abusedesk.intake.models import Reporter
    from abusedesk.misuse.models import MisuseStep

    reporters = (Reporter.objects.annotate(notices=Count("reports"),
                                           unfounded=Count("reports", filter=Q(reports__manifestly_unfounded=True)))
                 .filter(unfounded__gt=0).order_by("-unfounded")[:200])
    steps = MisuseStep.objects.order_by("-created_at")[:100]
    return render(request, "review/misuse.html", {"reporters": reporters, "steps": steps})


def _can_run_jobs(user: User) -> bool:
    return user.role in {"admin", "senior_analyst"}


@staff_view(need=_can_run_jobs)
def failed_jobs(request: HttpRequest) -> HttpResponse:
    """Jobs that failed every attempt (dead letters): a report that could not be processed must not vanish."""
    from abusedesk.jobs.models import DeadLetter

    letters = DeadLetter.objects.filter(resolved_at__isnull=True).order_by("-created_at")[:200]
    return render(request, "review/failed_jobs.html", {"letters": letters})


@require_POST
@staff_view(need=_can_run_jobs)
def retry_failed_job(request: HttpRequest, letter_id: int) -> HttpResponse:
    from abusedesk.jobs.core import retry_dead_letter
    from abusedesk.jobs.models import DeadLetter

    letter = DeadLetter.objects.filter(pk=letter_id).first()
    if letter is None:
        raise Http404
    if retry_dead_letter(letter, actor=f"user:{acting_user(request).username}") is None:
        messages.info(request, _("That job was already retried."))
    else:
        messages.success(request, _("The job is queued again."))
    return redirect("review:failed-jobs")


def _can_acknowledge(user: User) -> bool:
    from abusedesk.triage.paging import can_acknowledge

    return user.can_read_cases and can_acknowledge(user)


@require_POST
@staff_view(need=_can_acknowledge)
def acknowledge_page(request: HttpRequest, page_id: str) -> HttpResponse:
    from abusedesk.triage.models import Page
    from abusedesk.triage.paging import acknowledge

    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        raise Http404
    access_case(request.user, page.case_id)  # type: ignore[arg-type]
    acknowledge(page, acting_user=acting_user(request))
    messages.success(request, _("Page acknowledged."))
    return redirect("review:case", case_id=page.case_id)


@staff_view()
def not_ours(request: HttpRequest) -> HttpResponse:
    """Reports about sites we do not serve: answered 'not our customer' with a pointer to who serves them."""
    from django.core.paginator import Paginator

    from abusedesk.cases.models import Notice
    from abusedesk.intake.models import Report, ReportStatus

    reports = (Report.objects.filter(status=ReportStatus.NOT_OUR_CUSTOMER).order_by("-received_at", "-id")
               .only("id", "urls", "category", "channel", "lane", "received_at", "processed_at"))
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    answered = set(Notice.objects.filter(report__in=[r.pk for r in page], kind="not_our_customer")
                   .values_list("report_id", flat=True))
    return render(request, "review/not_ours.html", {"page": page, "answered": answered})
