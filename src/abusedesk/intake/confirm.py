"""Confirming a notice from the reporter's mailbox: what makes an e-mail address a verified identity.

Anyone can type anyone's address into a report. So a notice counts towards suspending an e-mail identity (DSA
Art. 23, misuse/policy.py) only after the owner of that mailbox confirmed it: the receipt carries a link with the
report id signed with the server's secret and a timestamp (`django.core.signing.TimestampSigner`: unguessable,
expires after INTAKE_CONFIRM_DAYS). The link opens a page whose button (a POST, so a mail scanner following
links confirms nothing) marks the report confirmed and the reporter's e-mail verified (a flag on the Reporter,
found by the blind index; the address itself is never logged). Confirming one notice does not confirm others
filed under the same address: each receipt has its own link.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from abusedesk.audit import trail as audit
from abusedesk.intake.models import Report, Reporter

logger = logging.getLogger("abusedesk.intake")
SALT = "abusedesk.intake.confirm-report"


def confirm_token(report_id: uuid.UUID | str) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(report_id))


def report_for(token: str) -> Report | None:
    """The report a confirmation link names, or None if the link was altered, is not ours or has expired."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=timedelta(days=settings.INTAKE_CONFIRM_DAYS))
        return Report.objects.select_related("reporter").filter(pk=uuid.UUID(value)).first()
    except (signing.BadSignature, ValueError):
        return None


def confirm_url(report: Report) -> str:
    language = report.language if report.language in dict(settings.LANGUAGES) else "en"
    return f"{settings.PUBLIC_URL}/{language}/report/confirm/{confirm_token(report.pk)}/"


def confirm(report: Report) -> bool:
    """Mark the notice confirmed by its mailbox and the e-mail identity verified; False if it already was."""
    now = timezone.now()
    with audit.atomic():
        if not Report.objects.filter(pk=report.pk, reporter_confirmed_at__isnull=True).update(
                reporter_confirmed_at=now):
            return False
        Reporter.objects.filter(pk=report.reporter_id, email_confirmed_at__isnull=True).update(email_confirmed_at=now)
        audit.append(actor="reporter", verb="report.confirmed", object_type="report", object_id=str(report.pk),
                     payload={"reporter": str(report.reporter_id)})
    logger.info("report %s confirmed from the reporter's mailbox", report.pk)
    return True
