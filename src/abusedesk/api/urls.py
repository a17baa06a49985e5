"""The versioned REST API (`/api/v1/`), its OpenAPI document at `/api/v1/openapi.json`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from abusedesk import __version__
from abusedesk.api.auth import AuthError

api = NinjaAPI(
    title="abusedesk API",
    version=__version__,
    description="Submit abuse reports (no login needed) and, with a staff token, read reports and cases.",
    urls_namespace="api-v1",
    docs_url=None,
)


@api.exception_handler(AuthError)
def _auth_error(request: HttpRequest, exc: AuthError) -> HttpResponse:
    return api.create_response(request, {"error": "unauthorized" if exc.status == 401 else "forbidden",
                                         "detail": exc.message}, status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = [{"field": ".".join(str(p) for p in e.get("loc", [])[1:]) or "(request)",
                 "problem": str(e.get("msg", "is invalid"))} for e in exc.errors]
    return api.create_response(request, {"error": "invalid_request", "errors": problems}, status=400)


from abusedesk.api import views  # noqa: E402,F401 - registers the routes on `api`
