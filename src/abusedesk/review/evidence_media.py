"""A captured evidence image, for the case page's <img> (blurred there until the analyst chooses to look).

The bytes are the site's, so they are served only when they are one of four raster formats by their own
signature (shifts/media.py), under our type, never sniffed, sandboxed and never cached. Opening the image on
its own (a new tab: Sec-Fetch-Dest "document") shows it unblurred, so that counts as revealing it.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from abusedesk.accounts.access import staff_view
from abusedesk.accounts.models import User
from abusedesk.review.access import access_case
from abusedesk.shifts.exposure import record_reveal
from abusedesk.shifts.media import image_type


@staff_view()
def evidence_image(request: HttpRequest, evidence_id: str) -> HttpResponse:
    from abusedesk.evidence.models import Evidence

    assert isinstance(request.user, User)
    case_ids = Evidence.objects.filter(pk=evidence_id).values_list("case_id", flat=True)[:1]
    if not case_ids or case_ids[0] is None:
        raise Http404
    case = access_case(request.user, case_ids[0])
    item = Evidence.objects.get(pk=evidence_id)
    media_type = image_type(item)
    if media_type is None:
        raise Http404
    if request.headers.get("Sec-Fetch-Dest") == "document":
        record_reveal(request.user, case_id=case.pk, evidence_id=item.pk)
    response = HttpResponse(bytes(item.body or b""), content_type=media_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="evidence-{item.pk}.{media_type.split("/")[1]}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
