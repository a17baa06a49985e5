"""Queues as saved views: the list with each queue's open cases, its oldest and how many wait for "next case";
leads create, change and delete them (audited) and choose who works them; analysts pick their own."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from abusedesk.accounts.access import staff_view
from abusedesk.accounts.models import DECIDING_ROLES, User
from abusedesk.attribution.models import Customer
from abusedesk.audit import trail as audit
from abusedesk.review import claims
from abusedesk.review.claim_views import chosen_queue
from abusedesk.review.models import SavedQueue
from abusedesk.review.queue import filtered
from abusedesk.review.queuefilter import QueueFilter

LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,4})?")


class SavedQueueForm(forms.ModelForm):  # type: ignore[type-arg]
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), to_field_name="external_id", required=False, widget=forms.TextInput,
        label=gettext_lazy("Customer"), help_text=gettext_lazy("The customer's id in your systems; blank for any."),
        error_messages={"invalid_choice": gettext_lazy("No customer has that id.")})
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True, role__in=DECIDING_ROLES).order_by("username"), required=False,
        widget=forms.CheckboxSelectMultiple, label=gettext_lazy("Worked by"),
        help_text=gettext_lazy("Their “next case” takes from this queue; analysts can also pick it themselves."))

    class Meta:
        model = SavedQueue
        fields = ["name", "severity", "lane", "category", "language", "customer", "campaign", "min_age_minutes",
                  "members"]
        labels = {"name": gettext_lazy("Name"), "severity": gettext_lazy("Severity"), "lane": gettext_lazy("Lane"),
                  "category": gettext_lazy("Category (any report)"),
                  "language": gettext_lazy("Language (any report)"), "campaign": gettext_lazy("Campaign"),
                  "min_age_minutes": gettext_lazy("Open at least (minutes)")}
        help_texts = {"language": gettext_lazy("A language code such as en, es or pt-BR; blank for any.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.customer_id is not None and not self.is_bound:
            self.initial["customer"] = self.instance.customer.external_id  # not its internal id

    def clean_language(self) -> str:
        value = str(self.cleaned_data.get("language") or "").strip()
        if value and not LANGUAGE.fullmatch(value):
            raise forms.ValidationError(_("Language: a code such as en, es or pt-BR."))
        return value


def summary(queue: SavedQueue) -> dict[str, Any]:
    """What the audit trail records of a queue: its filters and who works it (staff usernames only)."""
    return {"name": queue.name, "severity": queue.severity, "lane": queue.lane, "category": queue.category,
            "language": queue.language, "customer": queue.customer.external_id if queue.customer else "",
            "campaign": queue.campaign, "min_age_minutes": queue.min_age_minutes,
            "members": sorted(queue.members.values_list("username", flat=True))}


def _row(queue: SavedQueue, mine: set[int]) -> dict[str, Any]:
    narrow = QueueFilter.of(queue)
    totals = filtered("", "", narrow).order_by().aggregate(open=Count("pk"), oldest=Min("opened_at"))
    return {"queue": queue, "open": totals["open"], "oldest": totals["oldest"], "mine": queue.pk in mine,
            "ready": claims.available([narrow]).count(), "members": [u.username for u in queue.members.all()]}


@staff_view()
def queue_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    mine = set(user.picked_queues.values_list("pk", flat=True))
    queues = SavedQueue.objects.select_related("customer").prefetch_related("members")
    return render(request, "review/queues.html", {"rows": [_row(q, mine) for q in queues],
                                                  "is_lead": claims.is_lead(user)})


def _save(request: HttpRequest, form: SavedQueueForm, *, verb: str) -> SavedQueue:
    user = request.user
    assert isinstance(user, User)
    with audit.atomic():
        queue: SavedQueue = form.save(commit=False)
        if queue.created_by_id is None:
            queue.created_by = user
        queue.save()
        form.save_m2m()
        audit.append(actor=f"user:{user.username}", verb=verb, object_type="saved_queue", object_id=str(queue.pk),
                     payload=summary(queue))
    return queue


@staff_view(need=claims.is_lead)
def queue_new(request: HttpRequest) -> HttpResponse:
    form = SavedQueueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _save(request, form, verb="queue.created")
        messages.success(request, _("Queue created."))
        return redirect("review:queues")
    return render(request, "review/queue_form.html", {"form": form, "queue": None},
                  status=400 if form.is_bound else 200)


@staff_view(need=claims.is_lead)
def queue_edit(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = chosen_queue(str(queue_id))
    form = SavedQueueForm(request.POST or None, instance=queue)
    if request.method == "POST" and form.is_valid():
        _save(request, form, verb="queue.changed")
        messages.success(request, _("Queue saved."))
        return redirect("review:queues")
    return render(request, "review/queue_form.html", {"form": form, "queue": queue},
                  status=400 if form.is_bound else 200)


@require_POST
@staff_view(need=claims.is_lead)
def queue_delete(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = chosen_queue(str(queue_id))
    assert queue is not None and isinstance(request.user, User)
    with audit.atomic():
        payload = summary(queue)
        audit.append(actor=f"user:{request.user.username}", verb="queue.deleted", object_type="saved_queue",
                     object_id=str(queue.pk), payload=payload)
        queue.delete()
    messages.success(request, _("Queue %(name)s deleted.") % {"name": payload["name"]})
    return redirect("review:queues")


@require_POST
@staff_view(need=lambda u: u.can_decide)
def queue_pick(request: HttpRequest, queue_id: int) -> HttpResponse:
    """An analyst adds the queue to their own (or drops it): "next case" takes from the queues they work."""
    queue = chosen_queue(str(queue_id))
    assert queue is not None
    if request.POST.get("pick") == "1":
        queue.members.add(request.user)  # type: ignore[arg-type]
    else:
        queue.members.remove(request.user)  # type: ignore[arg-type]
    return redirect("review:queues")


def queue_view_context(request: HttpRequest) -> tuple[QueueFilter | None, dict[str, Any]]:
    """For the queue page: the filters of `?queue=<id>` (404 for an unknown queue) and the queue bar's context."""
    queue = chosen_queue(request.GET.get("queue", ""))
    user = request.user
    mine = set(user.picked_queues.values_list("pk", flat=True)) if isinstance(user, User) else set()
    return (QueueFilter.of(queue) if queue is not None else None,
            {"saved_queue": queue, "saved_queues": list(SavedQueue.objects.only("pk", "name")), "my_queues": mine})
