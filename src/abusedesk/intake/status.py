"""The reporter's status page: reached by a link only the reporter was given.

The link carries the report id signed with the server's secret (HMAC-SHA256, `django.core.signing`), so it
cannot be guessed from the id and needs no table. Rotating `ABUSEDESK_SECRET_KEY` keeps old links working
while the old key is in `SECRET_KEY_FALLBACKS`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing

from abusedesk.intake.models import Report

SALT = "abusedesk.intake.report-status"


def status_token(report_id: uuid.UUID | str) -> str:
    return signing.Signer(salt=SALT).sign(str(report_id))


def report_id_for(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def status_url(report: Report) -> str:
    language = report.language if report.language in dict(settings.LANGUAGES) else "en"
    return f"{settings.PUBLIC_URL}/{language}/report/status/{status_token(report.pk)}/"
