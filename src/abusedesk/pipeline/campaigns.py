"""While a site is under a campaign, its reports queue just below the other reports of their kind.

Reports are queued by what they claim (a threat before harassment before spam, intake.service.processing_priority),
and an S0 is known only once the filing job has read it. Without this, the threat reports of a campaign about one
site would queue in the same line as a threat report about another site, which may be the S0, and it would wait for
all of them. Those of a campaign's site now queue one step lower: still before every report of a lower kind, and
still filed in batches, where the detectors read each one (an S0 among them pages from its batch).

A site is under a campaign while an open case of it has become one (cases: `campaign_since`) and has had a report
within the campaign window. The sites are read once every REFRESH_SECONDS through the cache, so intake pays a cache
read, not a query, per report.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from abusedesk.cases.models import Case, CaseStatus, window_seconds

REFRESH_SECONDS = 10
_KEY = "abusedesk:campaign-sites"


def queue_priority(report: Any, priority: int) -> int:
    """The priority to queue the report's filing job at: one below `priority` when its site is under a campaign."""
    host = str(report.urls[0]["host"]) if report.urls else ""
    return priority - 1 if host and _under_campaign(host) else priority


def _under_campaign(host: str) -> bool:
    return any(host == site or host.endswith(f".{site}") for site in campaign_sites())


def campaign_sites() -> list[str]:
    """Host names and domains of the properties whose open case is a campaign with a report in the last window."""
    sites = cache.get(_KEY)
    if sites is None:
        since = timezone.now() - timedelta(seconds=window_seconds())
        sites = sorted({value for value in Case.objects.filter(campaign_since__isnull=False, last_report_at__gte=since)
                        .exclude(status=CaseStatus.CLOSED).values_list("property__value", flat=True) if value})
        cache.set(_KEY, sites, REFRESH_SECONDS)
    return list(sites)
