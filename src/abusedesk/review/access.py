"""Permission-checked getters and role gates. Views load cases only through `access_case`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

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


def staff_view(*, need: Callable[[User], bool] = lambda u: u.can_read_cases) -> Callable[..., Any]:
    """Login required, role checked on the server, and never cached."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not isinstance(user, User) or not need(user):
                logger.warning("user %s refused %s", getattr(user, "pk", None), view.__name__)
                raise Http404
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return wrapped

    return decorate
