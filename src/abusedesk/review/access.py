"""Permission-checked getters. Views load cases only through `access_case`; the role gate is `accounts.access`."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404

from abusedesk.accounts.models import User
from abusedesk.cases.models import Case, Decision

logger = logging.getLogger("abusedesk.access")


def access_case(user: User, case_id: Any) -> Case:
    """The case, if this user may read it; otherwise 404 (never a hint that it exists)."""
    if not user.is_authenticated:
        raise Http404
    if not user.can_read_cases:
        logger.warning("user %s without a reading role asked for a case", user.pk)
        raise Http404
    try:
        return Case.objects.select_related("customer", "property").get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_decision(user: User, decision_id: Any) -> Decision:
    case_ids = Decision.objects.filter(pk=decision_id).values_list("case_id", flat=True)[:1]
    if not case_ids:
        raise Http404
    access_case(user, case_ids[0])
    return Decision.objects.select_related("case", "policy", "decided_by").get(pk=decision_id)
