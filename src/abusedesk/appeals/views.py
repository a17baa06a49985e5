"""The public appeal page (the link in a notice) and the console's appeal review."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from abusedesk.accounts.access import staff_view
from abusedesk.appeals import service
from abusedesk.appeals.models import Appeal, AppealStatus
from abusedesk.common.outcomes import OUTCOME_LABELS


class AppealForm(forms.Form):
    grounds = forms.CharField(label=_("Why should the decision be changed?"), widget=forms.Textarea(attrs={"rows": 6}),
                              max_length=service.MAX_GROUNDS)


def appeal_page(request: HttpRequest, token: str) -> HttpResponse:
    invite = service.invite_for(token)
    if invite is None:
        raise Http404
    form = AppealForm(request.POST or None)
    context = {"decision": invite.decision, "outcome": OUTCOME_LABELS.get(invite.decision.outcome, ""),
               "deadline": service.deadline(invite.decision), "form": form,
               "submitted": hasattr(invite, "appeal")}
    if request.method == "POST" and form.is_valid():
        try:
            service.submit(token, form.cleaned_data["grounds"])
        except service.AppealRefused as exc:
            form.add_error("grounds", str(exc))
        else:
            return render(request, "appeals/received.html", context)
    return render(request, "appeals/appeal.html", context, status=400 if form.errors else 200)


@staff_view()
def appeal_queue(request: HttpRequest) -> HttpResponse:
    appeals = (Appeal.objects.select_related("decision", "decision__case", "decision__policy")
               .filter(status=AppealStatus.PENDING).order_by("submitted_at"))
    return render(request, "appeals/queue.html", {"appeals": appeals})


@staff_view()
def appeal_detail(request: HttpRequest, appeal_id: str) -> HttpResponse:
    appeal = Appeal.objects.select_related("decision", "decision__case", "decision__policy",
                                           "decision__decided_by").filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404
    return render(request, "appeals/detail.html", {"appeal": appeal})


@require_POST
@staff_view(need=lambda u: u.can_decide)
def appeal_review(request: HttpRequest, appeal_id: str) -> HttpResponse:
    appeal = Appeal.objects.filter(pk=appeal_id).first()
    if appeal is None:
        raise Http404
    try:
        service.review(appeal, upheld=request.POST.get("outcome") == "upheld",
                       reasoning=request.POST.get("reasoning", ""), acting_user=request.user)
    except service.AppealRefused as exc:
        messages.error(request, str(exc))
        return redirect("appeals_console:detail", appeal_id=appeal.pk)
    messages.success(request, _("Appeal reviewed; the appellant is told the outcome."))
    return redirect("appeals_console:queue")
