"""Helpers for the filing tests: many reports about one site, posted through the API."""

from __future__ import annotations

from typing import Any

import pytest

from abusedesk.testing.factories import report_body


@pytest.fixture
def campaign(post_report: Any, settings: Any) -> Any:
    """post(n, url=..., category=..., start=0) -> report ids, each from its own reporter."""
    settings.INTAKE_RATE_ANONYMOUS = "100000/m"

    def post(n: int, *, url: str = "https://shop.test/item/7", category: str = "spam", start: int = 0) -> list[str]:
        ids = []
        for i in range(start, start + n):
            response = post_report(report_body(
                urls=[url], category=category, explanation=f"A copy of the shop asks for card numbers ({i}).",
                reporter={"name": f"Reader {i}", "email": f"reader{i}@mail.test", "kind": "individual"}))
            assert response.status_code == 201, response.content
            ids.append(response.json()["id"])
        return ids

    return post
