"""Test data builders shared by the suite (and usable by plugin authors' own tests)."""

from __future__ import annotations

from typing import Any

PASSWORD = "correct horse battery staple 42"


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "urls": ["https://forum.test/threads/123"],
        "category": "threat",
        "explanation": "Posts say someone should visit her at her new flat.",
        "reporter": {"name": "Rita Reporter", "email": "rita@advocates.test", "kind": "individual"},
        "share_identity": {"host": "none", "site_owner": "none", "law_enforcement": "send"},
        "good_faith": True,
        "language": "en",
    }
    body.update(overrides)
    return body


def make_user(username: str, role: str, password: str = PASSWORD) -> Any:
    from abusedesk.accounts.models import User

    return User.objects.create_user(username=username, password=password, role=role)
