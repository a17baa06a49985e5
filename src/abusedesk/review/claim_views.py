"""Console views for claims: claim, release, a lead's assignment, and "next case". Each checks the role on the
server (staff_view), loads the case through access_case, and changes claims only through review/claims.py."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abusedesk.accounts.access import acting_user, staff_view
from abusedesk.accounts.models import User
from abusedesk.review import claims
from abusedesk.review.access import access_case
from abusedesk.review.models import SavedQueue
from abusedesk.review.queuefilter import QueueFilter


@require_POST
@staff_view(need=lambda u: u.can_decide)
def claim_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(acting_user(request), case_id)
    try:
        claims.claim(case, acting_user(request))
    except claims.ClaimRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You are working on this case; others see your claim."))
    return redirect("review:case", case_id=case.pk)


@require_POST
@staff_view(need=lambda u: u.can_decide)
def release_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(acting_user(request), case_id)
    try:
        released = claims.release(case, acting_user(request))
    except claims.ClaimRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Claim of %(name)s released.") % {"name": released.user.username})
    return redirect("review:case", case_id=case.pk)


@require_POST
@staff_view(need=claims.is_lead)
def assign_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(acting_user(request), case_id)
    raw = request.POST.get("user", "")
    assignee = User.objects.filter(pk=int(raw)).first() if raw.isascii() and raw.isdigit() else None
    if assignee is None:
        messages.error(request, _("Choose whom to assign the case to."))
        return redirect("review:case", case_id=case.pk)
    try:
        claims.assign(case, assignee, lead=acting_user(request))
    except claims.ClaimRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Assigned to %(name)s.") % {"name": assignee.username})
    return redirect("review:case", case_id=case.pk)


def chosen_queue(raw: str) -> SavedQueue | None:
    """`?queue=<id>` (or the POSTed field): the saved queue, None when not given, 404 when not one."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise Http404
    queue = SavedQueue.objects.filter(pk=int(raw)).first()
    if queue is None:
        raise Http404
    return queue


@require_POST
@staff_view(need=lambda u: u.can_decide)
def next_case(request: HttpRequest) -> HttpResponse:
    """Claim the most urgent case nobody holds in the chosen queue (or in the analyst's own queues, or anywhere
    when they picked none), and open it."""
    queue = chosen_queue(request.POST.get("queue", ""))
    filters = [QueueFilter.of(queue)] if queue is not None else \
        [QueueFilter.of(q) for q in acting_user(request).picked_queues.all()]
    case = claims.next_case(acting_user(request), filters)
    if case is None:
        messages.info(request, _("Nothing to take: every open case in these queues is claimed, or there is none."))
        back = reverse("review:queue")
        return redirect(f"{back}?{urlencode({'queue': queue.pk})}" if queue is not None else back)
    return redirect("review:case", case_id=case.pk)
