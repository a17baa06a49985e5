"""`GET /api/v1/`: what the API offers, as JSON — links to the OpenAPI document and the docs, and every
operation in it (method, path, summary), read from the OpenAPI document itself so the list cannot drift."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from abusedesk import __version__
from abusedesk.api.urls import api

DOCS = "docs/api.md in the abusedesk source (the report fields, authentication, errors and rate limits)"
METHODS = ("get", "post", "put", "patch", "delete")


@api.get("/", include_in_schema=False, url_name="index")
def index(request: HttpRequest) -> dict[str, Any]:
    base = request.build_absolute_uri("/api/v1/")
    paths = api.get_openapi_schema(path_prefix="/api/v1").get("paths", {})
    operations = [{"method": method.upper(), "path": path, "summary": spec.get("summary", "")}
                  for path, item in sorted(paths.items()) for method, spec in item.items() if method in METHODS]
    return {"api": "abusedesk", "version": "v1", "abusedesk": __version__, "openapi": base + "openapi.json",
            "documentation": DOCS, "operations": operations}
