from __future__ import annotations

from abusedesk.cases.models import Case
from abusedesk.jobs import job


@job(max_attempts=4)
def prepare_referral(case_id: int, reason: str) -> str:
    from abusedesk.referrals.prepare import prepare

    referral = prepare(Case.objects.get(pk=case_id), reason=reason)
    return referral.jurisdiction
