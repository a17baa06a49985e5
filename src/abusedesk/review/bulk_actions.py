"""Bulk actions of the console (the views are review/bulk.py): one action over many cases or many reports, and a
result for every item.

Nothing here changes state by itself. Each item goes through its own `cases.actions` call, in its own transaction
with its own audit events, exactly as if it had been done on its own page: closing 50 cases writes 50
`case.closed`, closing the 50 reports of a campaign writes 50 `report.closed`, a merge writes one `report.moved` per
report and one `case.merged` per case merged away. An item that is refused (already closed, awaiting approval,
held by someone else, not found) is reported with the reason and does not stop the others; nothing is skipped
silently. One `bulk.applied` event then records the selection: the action, and which items were done or refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import Http404
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abusedesk.accounts.models import User
from abusedesk.audit import trail as audit
from abusedesk.cases import actions
from abusedesk.cases.models import Case, CaseStatus, Decision, Outcome, PolicyClause
from abusedesk.intake.models import Report, ReportStatus
from abusedesk.review import claims
from abusedesk.review.access import access_case, access_decision
from abusedesk.review.forms import PolicyChoiceField

# The most items one bulk action changes (each is a transaction of its own). A campaign case can hold thousands of
# reports: "select all" selects the first MAX_ITEMS, and a larger selection is refused with this number.
MAX_ITEMS = 500
MAX_REASON = 500


class SelectionError(ValueError):
    """The selection or the form cannot be acted on at all; the message says what to change."""


@dataclass(frozen=True)
class ItemResult:
    key: str  # the case number or report id, as the bulk.applied event records it
    label: str
    url: str
    done: bool
    message: str


@dataclass
class BulkResult:
    action: str
    title: str
    items: list[ItemResult]
    bulk_id: uuid.UUID = field(default_factory=uuid.uuid4)
    back_url: str = ""
    group_url: str = ""

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def refused(self) -> int:
        return len(self.items) - self.done


# -- the selection -------------------------------------------------------------------------------------------------

def _limited(ids: list[Any], noun: str) -> None:
    if not ids:
        raise SelectionError(_("Select at least one %(noun)s.") % {"noun": noun})
    if len(ids) > MAX_ITEMS:
        raise SelectionError(_("%(count)d %(noun)ss are selected; at most %(max)d can be changed at once. Select "
                               "fewer and repeat.") % {"count": len(ids), "noun": noun, "max": MAX_ITEMS})


def case_number(value: str) -> int:
    """'123' or 'C-123' as a case id; SelectionError otherwise."""
    text = value.strip().upper().removeprefix("C-")
    if not text.isdigit() or len(text) > 12:
        raise SelectionError(_("“%(value)s” is not a case number.") % {"value": value[:30]})
    return int(text)


def selected_cases(values: Iterable[str]) -> list[int]:
    ids = list(dict.fromkeys(case_number(value) for value in values))  # in order, once each
    _limited(ids, "case")
    return ids


def selected_reports(values: Iterable[str]) -> list[str]:
    ids: list[str] = []
    for value in values:
        try:
            ids.append(str(uuid.UUID(value)))
        except ValueError:
            raise SelectionError(_("“%(value)s” is not a report id.") % {"value": value[:40]}) from None
    ids = list(dict.fromkeys(ids))
    _limited(ids, "report")
    return ids


# -- forms ---------------------------------------------------------------------------------------------------------

def _target(value: str | None) -> int | None:
    return case_number(value) if value and value.strip() else None


class BulkCasesForm(forms.Form):
    action = forms.ChoiceField(choices=[("close", gettext_lazy("Close with a reason")),
                                        ("merge", gettext_lazy("Merge into one case"))])
    reason = forms.CharField(max_length=MAX_REASON, required=False)
    target = forms.CharField(max_length=20, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["reason"] = (data.get("reason") or "").strip()
        if not data["reason"]:
            self.add_error("reason", _("Give a reason: it is audited with every case."))
        try:
            data["target"] = _target(data.get("target"))
        except SelectionError as exc:
            self.add_error("target", str(exc))
        if data.get("action") == "merge" and data.get("target") is None and "target" not in self.errors:
            self.add_error("target", _("Say which case the others are merged into."))
        return data


class BulkReportsForm(forms.Form):
    action = forms.ChoiceField(choices=[("close", gettext_lazy("Close with a reason")),
                                        ("unfounded", gettext_lazy("Mark manifestly unfounded")),
                                        ("move", gettext_lazy("Move to another case"))])
    reason = forms.CharField(max_length=MAX_REASON, required=False)
    target = forms.CharField(max_length=20, required=False)
    close_case = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["reason"] = (data.get("reason") or "").strip()
        if not data["reason"]:
            self.add_error("reason", _("Give a reason: it is audited with every report."))
        try:
            data["target"] = _target(data.get("target"))
        except SelectionError as exc:
            self.add_error("target", str(exc))
        if data.get("action") == "move" and data.get("target") is None and "target" not in self.errors:
            self.add_error("target", _("Say which case the reports move to."))
        return data


class BulkDecisionForm(forms.Form):
    """The decision fields that make sense for many cases at once: no emergency (one case at a time), no cited
    site assessment (each case has its own)."""

    outcome = forms.ChoiceField(choices=Outcome.choices)
    policy = PolicyChoiceField(queryset=PolicyClause.objects.filter(active=True), empty_label="— choose —")
    reasoning = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    facts = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False)
    notice_hours = forms.IntegerField(min_value=0, max_value=24 * 30, required=False, initial=0)

    def decision_input(self) -> actions.DecisionInput:
        data = self.cleaned_data
        return actions.DecisionInput(outcome=data["outcome"], policy_id=data["policy"].pk, reasoning=data["reasoning"],
                                     facts=data["facts"], notice_hours=data.get("notice_hours") or 0)


# -- items ---------------------------------------------------------------------------------------------------------

def claim_refusal(name: str) -> str:
    return _("%(name)s is working on this case; tick “I know others may be working on these” to act on it "
             "anyway.") % {"name": name}


def _case_item(case: Case, done: bool, message: str) -> ItemResult:
    return ItemResult(key=str(case.pk), label=f"{case.ref} — {case.title}", url=reverse("review:case", args=[case.pk]),
                      done=done, message=message)


def _refusal(exc: Exception) -> str:
    text = str(exc)
    return capfirst(text) + ("" if text.endswith(".") else ".")


def _each_case(user: User, ids: list[int], *, confirmed: bool, action: str, work: Callable[[Case], str],
               closes: bool = False) -> list[ItemResult]:
    """`work(case)` for each case this user may read, unless someone else holds it and the analyst did not confirm
    knowing that; its refusal is the item's result. As on the case page, a case acted on counts as the analyst's
    activity on it (acting over someone else's claim is audited), and a case closed ends its claim."""
    results = []
    for case_id in ids:
        try:
            case = access_case(user, case_id)
        except Http404:
            results.append(ItemResult(key=str(case_id), label=f"C-{case_id}", url="", done=False,
                                      message=_("No such case, or not one you may see.")))
            continue
        other = claims.held_by_other(case, user)
        if other is not None and not confirmed:
            results.append(_case_item(case, False, claim_refusal(other.user.username)))
            continue
        try:
            message = work(case)
        except actions.ActionRefused as exc:
            results.append(_case_item(case, False, _refusal(exc)))
            continue
        claims.acted(case, user, action=action)
        if closes:
            claims.release_closed(case, user)
        results.append(_case_item(case, True, message))
    return results


def close_cases(user: User, ids: list[int], *, reason: str, confirmed: bool) -> BulkResult:
    def work(case: Case) -> str:
        actions.do_close_case(case, reason=reason, acting_user=user)
        return _("Closed.")

    items = _each_case(user, ids, confirmed=confirmed, action="close", work=work, closes=True)
    return BulkResult(action="close", title=_("Close with a reason"), items=items, back_url=reverse("review:queue"))


def merge_cases(user: User, ids: list[int], *, target_id: int, reason: str, confirmed: bool) -> BulkResult:
    try:
        target = access_case(user, target_id)
    except Http404:
        raise SelectionError(_("There is no case C-%(id)d to merge into.") % {"id": target_id}) from None
    other = claims.held_by_other(target, user)
    if other is not None and not confirmed:
        raise SelectionError(_("%(name)s is working on %(ref)s, the case to merge into; tick “I know others may be "
                               "working on these” to merge anyway.") % {"name": other.user.username,
                                                                         "ref": target.ref})
    sources = [case_id for case_id in ids if case_id != target.pk]
    if not sources:
        raise SelectionError(_("Select the cases to merge into %(ref)s besides %(ref)s itself.") % {"ref": target.ref})

    def work(case: Case) -> str:
        moved = case.reports.count()
        actions.do_merge_case(case, target, reason=reason, acting_user=user)
        return _("Merged into %(ref)s (%(n)d reports moved); closed.") % {"ref": target.ref, "n": moved}

    items = _each_case(user, sources, confirmed=confirmed, action="merge", work=work, closes=True)
    if any(item.done for item in items):
        claims.acted(target, user, action="merge")
    return BulkResult(action="merge", title=_("Merge into %(ref)s") % {"ref": target.ref}, items=items,
                      back_url=reverse("review:case", args=[target.pk]))


def decide_cases(user: User, ids: list[int], data: actions.DecisionInput, *, confirmed: bool) -> BulkResult:
    """One decision form for every selected case: a Decision each, all sharing one bulk id and all waiting for a
    second analyst (`do_decide(bulk_id=...)`), who can approve them together on the group's page."""
    checked = actions.check_decide(data, acting_user=user)  # once: the same input for every case
    result = BulkResult(action="decide", title=_("Decide under four eyes"), items=[])

    def work(case: Case) -> str:
        actions.do_decide(case, checked, acting_user=user, bulk_id=result.bulk_id)
        return _("Decision recorded; it waits for a second analyst's approval.")

    result.items = _each_case(user, ids, confirmed=confirmed, action="decide", work=work)
    result.back_url = reverse("review:queue")
    if result.done:
        result.group_url = reverse("review:bulk-group", args=[result.bulk_id])
    return result


# -- a group of decisions made together ----------------------------------------------------------------------------

def group_decisions(user: User, bulk_id: uuid.UUID) -> list[Decision]:
    """The decisions made together under `bulk_id` that this user may read (404 when there are none)."""
    ids = list(Decision.objects.filter(bulk_id=bulk_id).order_by("case_id").values_list("pk", flat=True))
    found = [access_decision(user, pk) for pk in ids]
    if not found:
        raise Http404
    return found


def _decision_item(decision: Decision, done: bool, message: str) -> ItemResult:
    return ItemResult(key=str(decision.pk), label=f"{decision.case.ref} — {decision.get_outcome_display()}",
                      url=reverse("review:case", args=[decision.case_id]), done=done, message=message)


def approve_group(user: User, decisions: list[Decision], *, authenticated_at: Any,
                  second_factor_at: Any) -> BulkResult:
    """`do_approve` for each decision of the group: one step-up for the group (the approver sees all of them on one
    page), but each decision still gets its own Approval bound to its own payload hash and its own events.
    ReauthenticationRequired propagates when it stops the first one (then none was approved)."""
    items: list[ItemResult] = []
    for decision in decisions:
        try:
            actions.do_approve(decision, acting_user=user, authenticated_at=authenticated_at,
                               second_factor_at=second_factor_at)
        except actions.ReauthenticationRequired:
            if not items:
                raise
            items.append(_decision_item(decision, False, _("Confirm your password (and code) again, then approve "
                                                           "the rest.")))
        except actions.ActionRefused as exc:
            items.append(_decision_item(decision, False, _refusal(exc)))
        else:
            items.append(_decision_item(decision, True, _("Approved; the decision is in effect.")))
    return BulkResult(action="approve", title=_("Approve the group"), items=items, bulk_id=decisions[0].bulk_id
                      or uuid.uuid4(), group_url=reverse("review:bulk-group", args=[decisions[0].bulk_id]))


def return_group(user: User, decisions: list[Decision], *, reason: str, reject: bool) -> BulkResult:
    items: list[ItemResult] = []
    for decision in decisions:
        try:
            actions.do_return_decision(decision, acting_user=user, reason=reason, reject=reject)
        except actions.ActionRefused as exc:
            items.append(_decision_item(decision, False, _refusal(exc)))
        else:
            items.append(_decision_item(decision, True, _("Rejected.") if reject else _("Sent back for changes.")))
    return BulkResult(action="reject" if reject else "send_back",
                      title=_("Reject the group") if reject else _("Send the group back"), items=items,
                      bulk_id=decisions[0].bulk_id or uuid.uuid4(),
                      group_url=reverse("review:bulk-group", args=[decisions[0].bulk_id]))


# -- reports of one case -------------------------------------------------------------------------------------------

def _report_item(report_id: str, report: Report | None, done: bool, message: str) -> ItemResult:
    label = _("Report %(id)s") % {"id": report_id[:8]}
    if report is not None:
        label = f"{label} ({report.get_category_display()})"
    return ItemResult(key=report_id, label=label, url="", done=done, message=message)


def report_title(action: str, target: Case | None) -> str:
    if action == "move" and target is not None:
        return _("Move reports to %(ref)s") % {"ref": target.ref}
    return {"close": _("Close reports with a reason"), "unfounded": _("Mark reports manifestly unfounded")}.get(
        action, action)


def act_on_reports(user: User, case: Case, ids: list[str], *, action: str, reason: str,
                   target: Case | None) -> list[ItemResult]:
    found = {str(report.pk): report for report in Report.objects.filter(pk__in=ids)}
    results = []
    for report_id in ids:
        report = found.get(report_id)
        if report is None or report.case_id != case.pk:
            results.append(_report_item(report_id, None, False, _("Not a report of %(ref)s.") % {"ref": case.ref}))
            continue
        try:
            message = _report_work(user, report, action=action, reason=reason, target=target)
        except actions.ActionRefused as exc:
            results.append(_report_item(report_id, report, False, _refusal(exc)))
        else:
            results.append(_report_item(report_id, report, True, message))
    return results


def _report_work(user: User, report: Report, *, action: str, reason: str, target: Case | None) -> str:
    if action == "close":
        actions.do_close_report(report, reason=reason, acting_user=user)
        return _("Closed.")
    if action == "unfounded":
        actions.do_mark_unfounded(report, acting_user=user, reason=reason)
        return _("Marked manifestly unfounded; the misuse rule was applied to the reporter.")
    assert target is not None
    actions.do_move_report(report, target, reason=reason, acting_user=user)
    return _("Moved to %(ref)s.") % {"ref": target.ref}


def close_case_if_done(user: User, case: Case, *, reason: str) -> ItemResult:
    """After closing reports: close the case too, when none of its reports is left open."""
    if case.reports.exclude(status=ReportStatus.CLOSED).exists():
        return _case_item(case, False, _("Not closed: some of its reports are still open."))
    if Case.objects.filter(pk=case.pk, status=CaseStatus.CLOSED).exists():
        return _case_item(case, False, _("Already closed."))
    try:
        actions.do_close_case(case, reason=reason, acting_user=user)
    except actions.ActionRefused as exc:
        return _case_item(case, False, _refusal(exc))
    claims.release_closed(case, user)
    return _case_item(case, True, _("Closed: none of its reports is open any more."))


# -- the summary event ---------------------------------------------------------------------------------------------

def record(user: User, result: BulkResult, *, items: str, **about: Any) -> None:
    """One `bulk.applied` for the whole selection, after the items' own events: what was asked and what came of each
    (ids only; the reason is in each item's own event)."""
    if not result.items:
        return
    with audit.atomic():
        audit.append(actor=f"user:{user.username}", verb="bulk.applied", object_type="bulk",
                     object_id=str(result.bulk_id),
                     payload={"action": result.action, "items": items, **about,
                              "done": [item.key for item in result.items if item.done],
                              "refused": [item.key for item in result.items if not item.done]})
