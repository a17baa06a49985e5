"""The job that takes an accepted report through attribution into a case, then starts the stages after filing.

One job per accepted report (`process_report(report_id)`, enqueued when intake announces it). The job files its
report together with the other waiting reports about the same site (pipeline/batch.py), so a campaign of many
reports joins its case in a few transactions; the receipts of a job go out in one delivery job.

Idempotent: a report that already left RECEIVED is not processed again, so a re-run after a worker died completes
the work once. The waiting jobs of the reports a batch filed are settled in the batch's transaction
(jobs.settle_waiting); one that a worker had already claimed finds its report filed and ends at once.
"""

from __future__ import annotations

import logging
import time

from abusedesk.attribution.resolve import attribute
from abusedesk.audit import trail as audit
from abusedesk.cases import actions
from abusedesk.enforcement.notices import delivery_batch
from abusedesk.intake.models import Report, ReportStatus
from abusedesk.jobs import job, settle_waiting
from abusedesk.pipeline import batch

logger = logging.getLogger("abusedesk.pipeline")


@job(max_attempts=6)
def process_report(report_id: str) -> str:
    started = time.monotonic()
    status = Report.objects.filter(pk=report_id).values_list("status", flat=True).get()
    if status != ReportStatus.RECEIVED:
        return f"already {status}"  # filed by another report's batch, or a re-run
    with audit.atomic(), delivery_batch():
        report = batch.claim(report_id)
        if report is None:  # a batch filed it while this job waited for the lock
            return f"already {Report.objects.values_list('status', flat=True).get(pk=report_id)}"
        attribution = attribute(report.urls)
        if not attribution.ours:
            actions.do_mark_not_our_customer(report)
            logger.info("report %s: not our customer", report.pk)
            return "not_our_customer"
        # One case per report: the first attributed URL decides the site.
        filed = batch.file_with_others(report, attribution.matches[0], started=started)
        # The other reports' own jobs have nothing left to do: settled here, in the same transaction, so the queue
        # is not left with thousands of jobs a worker would claim only to find their report filed.
        settle_waiting(process_report, [i for i in filed.ids if i != str(report.pk)],
                       outcome=f"filed in the batch of report {report.pk}")
    logger.info("report %s filed in case %s (%d report(s) in this batch)", report.pk, filed.case.pk, filed.reports)
    return "filed" if filed.reports == 1 else f"filed with {filed.reports - 1} other(s)"
