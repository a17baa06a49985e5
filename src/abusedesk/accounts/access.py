"""The gate every staff view passes: logged in, the role checked on the server, never cached."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from abusedesk.accounts.models import User

logger = logging.getLogger("abusedesk.access")


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


def acting_user(request: HttpRequest) -> User:
    """The logged-in user of a request that passed `staff_view` (typed for the views that act as them)."""
    assert isinstance(request.user, User)
    return request.user
