"""`GET /api/v1/` answers JSON: where the OpenAPI document and the docs are, and what the API offers."""

from __future__ import annotations

from django.test import Client


def test_api_root_is_a_json_index_of_the_api(client: Client) -> None:
    response = client.get("/api/v1/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    index = response.json()
    assert index["openapi"] == "http://testserver/api/v1/openapi.json"
    assert "docs/api.md" in index["documentation"]
    operations = {(o["method"], o["path"]) for o in index["operations"]}
    assert {("POST", "/api/v1/reports"), ("GET", "/api/v1/cases"), ("GET", "/api/v1/lookup")} <= operations
    assert client.get(index["openapi"].removeprefix("http://testserver")).status_code == 200
