""""Rotate me off this queue": an analyst asks, a lead sees it on the wellness page and marks it handled.

The audit trail records who asked and who handled it, by id only: the note (and the free-text queue name) can
be personal, so they stay in the encrypted row and never enter the append-only trail.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from abusedesk.accounts.models import User
from abusedesk.audit import trail as audit
from abusedesk.shifts.models import RotationRequest


def _actor(user: User) -> str:
    return f"user:{user.username}"


def file_request(user: User, *, queue: str, category: str, note: str) -> RotationRequest:
    with audit.atomic():
        request = RotationRequest.objects.create(user=user, queue=queue, category=category, note=note)
        audit.append(actor=_actor(user), verb="wellness.rotation_requested", object_type="rotation_request",
                     object_id=str(request.pk), payload={"user_id": user.pk})
    return request


def mark_handled(request: RotationRequest, *, acting_user: User) -> bool:
    """False when someone already handled it (nothing is written twice)."""
    with audit.atomic():
        done = RotationRequest.objects.filter(pk=request.pk, handled_at__isnull=True).update(
            handled_at=timezone.now(), handled_by=acting_user)
        if not done:
            return False
        audit.append(actor=_actor(acting_user), verb="wellness.rotation_handled", object_type="rotation_request",
                     object_id=str(request.pk), payload={"user_id": request.user_id})
    return True


def open_requests() -> QuerySet[RotationRequest]:
    return RotationRequest.objects.filter(handled_at__isnull=True).select_related("user").order_by("created_at")
