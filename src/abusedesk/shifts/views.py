"""Wellness pages under /console/wellness/: the analyst's own shift and preferences (`me`), the leads' view of
the team (`team`), and the small posts behind the console's buttons (reveal an image, snooze the nudge, ask to
rotate off a queue, mark that handled). Every view passes `staff_view`; every change is a CSRF-checked POST."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from abusedesk.accounts.access import acting_user, staff_view
from abusedesk.accounts.models import User
from abusedesk.shifts import exposure, rotation
from abusedesk.shifts.context import REVEALED
from abusedesk.shifts.forms import PreferencesForm, RotationForm
from abusedesk.shifts.media import image_type
from abusedesk.shifts.models import RotationRequest
from abusedesk.shifts.team import category_label, team_shifts


def _is_lead(user: User) -> bool:
    return user.is_senior  # senior analysts and admins


def _next(request: HttpRequest, default: str = "/console/") -> str:
    """Back to the console page the button was on; anything else (another host, a non-console path) is refused."""
    target = request.POST.get("next", "")
    if target.startswith("/console/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@staff_view()
def me(request: HttpRequest) -> HttpResponse:
    return _me_page(request)


def _me_page(request: HttpRequest, *, status: int = 200, **forms: object) -> HttpResponse:
    user = acting_user(request)
    mine = _labelled(RotationRequest.objects.filter(user=user).order_by("-created_at")[:10])
    context = {"preferences": PreferencesForm(instance=exposure.current_profile(user)), "rotation": RotationForm(),
               "mine": mine, **forms}
    return render(request, "shifts/me.html", context, status=status)


@staff_view(need=_is_lead)
def team(request: HttpRequest) -> HttpResponse:
    return render(request, "shifts/team.html", {"rows": team_shifts(), "requests": _labelled(rotation.open_requests())})


def _labelled(requests: Iterable[RotationRequest]) -> list[RotationRequest]:
    rows = list(requests)
    for item in rows:  # the template shows the category's name beside the request
        setattr(item, "category_label", category_label(item.category) if item.category else "")  # noqa: B010
    return rows


@require_POST
@staff_view()
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST, instance=exposure.current_profile(acting_user(request)))
    if not form.is_valid():
        return _me_page(request, status=400, preferences=form)
    form.save()
    messages.success(request, _("Preferences saved."))
    return redirect("shifts:me")


@require_POST
@staff_view()
def rotate(request: HttpRequest) -> HttpResponse:
    form = RotationForm(request.POST)
    if not form.is_valid():
        return _me_page(request, status=400, rotation=form)
    rotation.file_request(acting_user(request), queue=form.cleaned_data["queue"],
                          category=form.cleaned_data["category"], note=form.cleaned_data["note"])
    messages.success(request, _("Your request is with the leads. Thank you for saying so."))
    return redirect("shifts:me")


@require_POST
@staff_view(need=_is_lead)
def handled(request: HttpRequest, request_id: str) -> HttpResponse:
    item = RotationRequest.objects.filter(pk=request_id).first()
    if item is None:
        raise Http404
    if rotation.mark_handled(item, acting_user=acting_user(request)):
        messages.success(request, _("Marked handled."))
    else:
        messages.info(request, _("Someone already handled that request."))
    return redirect("shifts:team")


@require_POST
@staff_view()
def reveal(request: HttpRequest, evidence_id: str) -> HttpResponse:
    """"Show image" (reveal=1) or "blur it again" (reveal=0) on one evidence image. Every reading role may read
    every case (review.access.access_case), so the check is the role (staff_view) and that the image belongs to
    a case. With script the page asks for JSON and flips the blur itself; without, the next page shows this one
    image unblurred, once: a reload shows it blurred again."""
    from abusedesk.evidence.models import Evidence

    item = Evidence.objects.filter(pk=evidence_id, case__isnull=False).first()
    if item is None or item.case_id is None or image_type(item) is None:
        raise Http404
    show = request.POST.get("reveal") == "1"
    counted = show and exposure.record_reveal(acting_user(request), case_id=item.case_id, evidence_id=item.pk)
    if request.headers.get("X-Requested-With") == "fetch":
        profile = exposure.current_profile(acting_user(request))
        return JsonResponse({"revealed": show, "counted": counted,
                             "total": profile.shift_case_views + profile.shift_reveals})
    if show:
        request.session[REVEALED] = [str(item.pk)]
    return redirect(f"{_next(request)}#media-{item.pk}")


@require_POST
@staff_view()
def snooze_nudge(request: HttpRequest) -> HttpResponse:
    exposure.snooze(acting_user(request))
    return redirect(_next(request))
