"""`abusedesk assess --engine ray` starts its own local Ray (one worker here) and stops it afterwards."""

from __future__ import annotations

import json
from typing import Any

import pytest

from abusedesk.cli.main import main

from .conftest import REFERENCE_WARC

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_ray_engine_from_the_command_line(capsys: Any) -> None:
    import ray

    assert not ray.is_initialized()
    assert main(["assess", str(REFERENCE_WARC), "--engine", "ray", "--workers", "1", "--json"]) == 0
    profile = json.loads(capsys.readouterr().out)
    assert profile["engine"]["name"] == "ray" and profile["engine"]["workers"] == 1
    assert profile["posts"] == 8 and profile["top_threads"][0]["thread"] == "https://forum.test/threads/123"
    assert not ray.is_initialized()  # the command stopped the Ray it started
