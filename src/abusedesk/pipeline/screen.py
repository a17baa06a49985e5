"""Screening: a waiting report whose own text is S0 goes to the front of the queue before it is filed.

A report's filing job queues by what the report claims (a threat before harassment, intake.service), and the
detectors read its text when the job runs. When the workers are behind on reports of one kind (a wave of threat
reports about many sites), an S0 among them waited its turn behind every earlier one: 15 to 27 s at 50 reports/s with
30 % threats (docs/benchmarks.md). The detectors read a batch of texts at hundreds a second, far faster than
reports are filed, so each job worker runs this pass every SCREEN_SECONDS in a thread of its own
(settings.JOBS_TICKERS): it takes the oldest waiting reports no pass has read (SKIP LOCKED, so two workers take
different ones, and marks them read in a short transaction of its own), analyses their texts in one batch, and raises
the filing job of every report whose text alone the triage rules make S0 to SCREENED_PRIORITY, above every filing
job. The filing job then files it, reads it again with its case, and pages as before. Screening stores nothing else:
a pass that dies leaves its reports to be filed in their turn, as without screening.

The shipped rules make a text S0 alone only when it holds a private location (triage/rules.py): a threat AND a home
address, coordinates or a plate. So a pass first runs only the pattern recognisers (about a seventh of the models'
CPU a text) and gives the models only the texts with a span of a locating kind; the others cannot be S0 by
themselves and are filed in their turn. This is what keeps a burst of reports from spending a core on screening
while the web processes acknowledge them (docs/benchmarks.md). Rules that make S0 some other way are screened in
full (rules.s0_needs_location).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from abusedesk.intake.models import Report, ReportStatus
from abusedesk.jobs import Priority, raise_waiting

logger = logging.getLogger("abusedesk.pipeline")

# Reports read in one pass, and the priority an S0's filing job is raised to: above every filing job (their
# priorities stop at S0 - 10, intake.service.processing_priority), below paging and referral jobs.
SCREEN_BATCH = 256
SCREENED_PRIORITY = int(Priority.S0) - 5


def screen_waiting() -> int:
    """One pass (see the module docstring); returns how many reports it read."""
    from abusedesk.detection.api import analyse_many
    from abusedesk.pipeline.tasks import process_report
    from abusedesk.triage.tasks import severity_alone

    taken = _take()
    if not taken:
        return 0
    readable = _may_be_s0(taken)
    results = analyse_many([r.explanation for r in readable], [r.language or None for r in readable],
                           as_one_by_one=True) if readable else []
    urgent = [str(r.pk) for r, result in zip(readable, results, strict=True)
              if severity_alone(result, str(r.pk)) == "S0"]
    if urgent:
        raised = raise_waiting(process_report, urgent, priority=SCREENED_PRIORITY)
        logger.info("screening: %d of %d waiting reports read alone as S0 (%d read by the models); %d filing job(s) "
                    "moved to the front", len(urgent), len(taken), len(readable), raised)
    return len(taken)


def _may_be_s0(reports: list[Report]) -> list[Report]:
    """The reports whose text could be S0 by itself under the rules in force: with the shipped rules, those holding
    personal data of a locating kind; every report when the rules make S0 without a location."""
    from abusedesk.detection.api import personal_data_kinds, personal_data_kinds_known
    from abusedesk.triage.rules import load_rules, s0_needs_location

    rules = load_rules()
    if not s0_needs_location(rules, personal_data_kinds_known()):
        return reports
    kinds = personal_data_kinds([r.explanation for r in reports], [r.language or None for r in reports])
    return [r for r, found in zip(reports, kinds, strict=True) if found & rules.locating_spans]


def _take() -> list[Report]:
    with transaction.atomic():
        rows = list(Report.objects.select_for_update(skip_locked=True)
                    .filter(status=ReportStatus.RECEIVED, screened_at__isnull=True)
                    .order_by("received_at").only("id", "explanation", "language")[:SCREEN_BATCH])
        if rows:
            Report.objects.filter(pk__in=[r.pk for r in rows]).update(screened_at=timezone.now())
    return rows
