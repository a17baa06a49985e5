"""The job that takes an accepted report through attribution into a case, then starts the stages after filing.

Idempotent: a report that already left RECEIVED is not processed again, so a re-run after a worker died
completes the work once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from abusedesk.attribution.resolve import attribute
from abusedesk.audit import trail as audit
from abusedesk.cases import actions
from abusedesk.enforcement.notices import create_reporter_notice
from abusedesk.intake.models import Report, ReportStatus
from abusedesk.jobs import job

logger = logging.getLogger("abusedesk.pipeline")


def _after_filing_hooks() -> list[Any]:
    """settings.PIPELINE_AFTER_FILING: callables(report, case) run inside the filing transaction."""
    return [import_string(path) for path in settings.PIPELINE_AFTER_FILING]


@job(max_attempts=6)
def process_report(report_id: str) -> str:
    report = Report.objects.select_related("reporter").get(pk=report_id)
    if report.status != ReportStatus.RECEIVED:
        return f"already {report.status}"
    attribution = attribute(report.urls)
    if not attribution.ours:
        actions.do_mark_not_our_customer(report)
        logger.info("report %s: not our customer", report.pk)
        return "not_our_customer"
    with audit.atomic():
        case = None
        for match in attribution.matches:
            case = actions.do_file_report(report, match)
            break  # one case per report: the first attributed URL decides the site
        report.refresh_from_db()
        create_reporter_notice(report, kind="receipt")
        for hook in _after_filing_hooks():
            hook(report, case)
    logger.info("report %s filed in case %s", report.pk, case.pk if case else None)
    return "filed"
