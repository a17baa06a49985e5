"""Bulk actions in the console (docs/console.md, "Bulk actions"): the queue's selected cases (close with a reason,
merge into one, decide once under four eyes), a case's selected reports (close, mark manifestly unfounded, move to
another case), and a group of decisions made together (approve, reject or send back at once).

Deciding roles only (auditors read the group page, nothing else); every POST passes Django's CSRF check. The work
and the per-item results are in review/bulk_actions.py: each item goes through its own `cases.actions` call and is
audited on its own, and the result page says what happened to every item."""

from __future__ import annotations

import uuid
from datetime import datetime

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abusedesk.accounts.access import acting_user, staff_view
from abusedesk.accounts.models import User
from abusedesk.cases import actions
from abusedesk.cases.models import Case, DecisionStatus
from abusedesk.review import bulk_actions as bulk
from abusedesk.review import claims
from abusedesk.review.access import access_case
from abusedesk.review.presenters import case_url_at
from abusedesk.review.views import CODE_AT, authenticated_at


def _deciders(user: User) -> bool:
    return user.can_decide


def _results(request: HttpRequest, result: bulk.BulkResult) -> HttpResponse:
    return render(request, "review/bulk_results.html", {"result": result, "max_items": bulk.MAX_ITEMS})


def _refused(request: HttpRequest, error: str, *, back: str) -> HttpResponse:
    """Nothing was done: the selection or the form cannot be acted on (too many, none, no reason...)."""
    return render(request, "review/bulk_results.html", {"error": error, "back_url": back, "max_items": bulk.MAX_ITEMS},
                  status=400)


def _form_error(form: forms.Form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get(claims.CONFIRM_FIELD) == "yes"


@require_POST
@staff_view(need=_deciders)
def bulk_cases(request: HttpRequest) -> HttpResponse:
    """The queue's selection: close each with a reason, or merge them into one."""
    back = reverse("review:queue")
    form = bulk.BulkCasesForm(request.POST)
    try:
        ids = bulk.selected_cases(request.POST.getlist("case"))
        if not form.is_valid():
            raise bulk.SelectionError(_form_error(form))
        data = form.cleaned_data
        if data["action"] == "merge":
            result = bulk.merge_cases(acting_user(request), ids, target_id=data["target"], reason=data["reason"],
                                      confirmed=_confirmed(request))
        else:
            result = bulk.close_cases(acting_user(request), ids, reason=data["reason"], confirmed=_confirmed(request))
    except bulk.SelectionError as exc:
        return _refused(request, str(exc), back=back)
    bulk.record(acting_user(request), result, items="cases",
                **({"into": data["target"]} if data["action"] == "merge" else {}))
    return _results(request, result)


@require_POST
@staff_view(need=_deciders)
def bulk_decide(request: HttpRequest) -> HttpResponse:
    """Decide once for the queue's selection. Without `step=decide` (the queue's "Decide for the selected" button)
    this only shows the form and the cases it would apply to; nothing changes until that form is sent."""
    try:
        ids = bulk.selected_cases(request.POST.getlist("case"))
    except bulk.SelectionError as exc:
        return _refused(request, str(exc), back=reverse("review:queue"))
    deciding = request.POST.get("step") == "decide"
    form = bulk.BulkDecisionForm(request.POST if deciding else None)
    if deciding and form.is_valid():
        try:
            result = bulk.decide_cases(acting_user(request), ids, form.decision_input(), confirmed=_confirmed(request))
        except actions.ActionRefused as exc:  # the input itself (check_decide): nothing was decided
            form.add_error(None, str(exc))
        else:
            bulk.record(acting_user(request), result, items="cases")
            return _results(request, result)
    return render(request, "review/bulk_decide.html", {
        "form": form, "ids": ids, "cases": _listed(acting_user(request), ids), "max_items": bulk.MAX_ITEMS,
        "claim_confirm_field": claims.CONFIRM_FIELD}, status=400 if deciding else 200)


def _listed(user: User, ids: list[int]) -> list[dict[str, object]]:
    """The selected cases as the decide form lists them (a case that cannot be read is listed as such)."""
    listed: list[dict[str, object]] = []
    for case_id in ids:
        try:
            case: Case | None = access_case(user, case_id)
        except Http404:
            case = None
        other = claims.held_by_other(case, user) if case is not None else None
        listed.append({"id": case_id, "case": case, "held_by": other.user.username if other is not None else ""})
    return listed


@require_POST
@staff_view(need=_deciders)
def bulk_reports(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case's selected reports: close each with a reason (and the case when none is left open), mark each
    manifestly unfounded, or move each to another case of the same customer."""
    user = acting_user(request)
    case = access_case(user, case_id)
    back = case_url_at(case.pk, request.POST.get("reports"), anchor="report-list")
    form = bulk.BulkReportsForm(request.POST)
    try:
        ids = bulk.selected_reports(request.POST.getlist("report"))
        if not form.is_valid():
            raise bulk.SelectionError(_form_error(form))
        target = _move_target(user, form.cleaned_data) if form.cleaned_data["action"] == "move" else None
    except bulk.SelectionError as exc:
        return _refused(request, str(exc), back=back)
    other = claims.unconfirmed(request, case, user)
    if other is not None:
        return _refused(request, bulk.claim_refusal(other.user.username), back=back)
    data = form.cleaned_data
    result = bulk.BulkResult(action=f"reports.{data['action']}", title=bulk.report_title(data["action"], target),
                             items=bulk.act_on_reports(user, case, ids, action=data["action"], reason=data["reason"],
                                                       target=target), back_url=back)
    if result.done:
        claims.acted(case, user, action=f"bulk_reports_{data['action']}")
    if data["action"] == "close" and data["close_case"]:
        result.items.append(bulk.close_case_if_done(user, case, reason=data["reason"]))
    bulk.record(user, result, items="reports", case=case.pk, **({"to": target.pk} if target is not None else {}))
    return _results(request, result)


def _move_target(user: User, data: dict[str, object]) -> Case:
    try:
        return access_case(user, data["target"])
    except Http404:
        raise bulk.SelectionError(_("There is no case C-%(id)s to move the reports to.") % {"id": data["target"]}) \
            from None


@staff_view()
def bulk_group(request: HttpRequest, bulk_id: uuid.UUID) -> HttpResponse:
    """The decisions one form made for several cases: what each would do, and (for a second analyst) one form to
    approve them all, reject them or send them back."""
    decisions = bulk.group_decisions(acting_user(request), bulk_id)
    awaiting = [d for d in decisions if d.status == DecisionStatus.AWAITING_APPROVAL]
    return render(request, "review/bulk_group.html", {
        "bulk_id": bulk_id, "decisions": decisions, "first": decisions[0], "awaiting": awaiting,
        "mine": decisions[0].decided_by_id == request.user.pk, "can_decide": acting_user(request).can_decide})


@require_POST
@staff_view(need=_deciders)
def bulk_group_approve(request: HttpRequest, bulk_id: uuid.UUID) -> HttpResponse:
    decisions = bulk.group_decisions(acting_user(request), bulk_id)
    code_at = request.session.pop(CODE_AT, None)  # one code for this one approval of the group
    try:
        result = bulk.approve_group(acting_user(request), decisions, authenticated_at=authenticated_at(request),
                                    second_factor_at=datetime.fromisoformat(code_at) if code_at else None)
    except actions.ReauthenticationRequired as exc:
        messages.info(request, str(exc))
        return redirect(f"{reverse('review:reauth')}?next={reverse('review:bulk-group', args=[bulk_id])}")
    bulk.record(acting_user(request), result, items="decisions")
    return _results(request, result)


@require_POST
@staff_view(need=_deciders)
def bulk_group_return(request: HttpRequest, bulk_id: uuid.UUID) -> HttpResponse:
    decisions = bulk.group_decisions(acting_user(request), bulk_id)
    reason = request.POST.get("reason", "")
    if not reason.strip():
        return _refused(request, _("Say why: the analyst who made the decisions reads the reason."),
                        back=reverse("review:bulk-group", args=[bulk_id]))
    result = bulk.return_group(acting_user(request), decisions, reason=reason,
                               reject=request.POST.get("answer") == "reject")
    bulk.record(acting_user(request), result, items="decisions")
    return _results(request, result)
