"""The versioned REST API (`/api/v1/`), its OpenAPI document at `/api/v1/openapi.json`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from abusedesk import __version__
from abusedesk.api.auth import AuthError


class _Api(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        """The intake body is read raw (its bytes are stored as received), so ninja does not see its model:
        add ReportIn and the models it refers to as components, where the request body's `$ref`s point."""
        from abusedesk.api.schemas import request_components

        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document.setdefault("components", {}).setdefault("schemas", {}).update(request_components())
        return document


api = _Api(
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


def problems_in_words(problems: list[dict[str, str]]) -> str:
    """Every error body has a `detail` a person can read; `errors` adds the same problems field by field."""
    return "; ".join(f"{p['field']} {p['problem']}" for p in problems) or "the request is not valid"


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = [{"field": ".".join(str(p) for p in e.get("loc", [])[1:]) or "(request)",
                 "problem": str(e.get("msg", "is invalid"))} for e in exc.errors]
    return api.create_response(request, {"error": "invalid_request", "detail": problems_in_words(problems),
                                         "errors": problems}, status=400)


from abusedesk.api import index, views  # noqa: E402,F401 - registers the routes on `api`
