"""The reference scenario (docs/scenarios.md), end to end: the acceptance test of the triage and watch stages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from abusedesk.audit import trail as audit
from abusedesk.drills.runner import DrillRunner, load
from abusedesk.drills.spec import DrillError, parse

ROOT = Path(__file__).resolve().parents[2]
ADVOCATE = ("Alex Advocate", "alex@advocates.test")


@pytest.fixture(scope="module")
def reference_file() -> Path:
    return ROOT / "scenarios" / "reference.json"


MISS = ("known detection miss (docs/detection.md, known failures): the reference thread's veiled incitement "
        "scores below the threat threshold once drill-copied lexicon entries were removed; the case stays S1")
REFERENCE_S0_MISS = pytest.mark.xfail(strict=True, reason=MISS)


@REFERENCE_S0_MISS
@pytest.mark.django_db
def test_reference_drill(reference_file: Path, tmp_path: Path) -> None:
    result = DrillRunner(load(reference_file), outbox=tmp_path).run()
    [alert] = [a for a in result["alerts"] if "severity" in a]
    assert alert["severity"] == "S0"
    assert alert["at"] == "49.5h", "S0 must come with the post that puts the address and the threat together"
    assert alert["trigger"] == {"url": "https://forum.test/threads/123", "post_index": 7}
    assert set(alert["channels"]) == {"webhook", "email", "console"}
    assert alert["wall_ms"] is not None and alert["wall_ms"] < 60_000  # generous: a loaded 2-core box
    assert "post 7" in case_reason(result) and "post 5" in case_reason(result), case_reason(result)
    [case] = result["cases"]
    assert case["targets"] == ["Lena Marsh"]
    assert case["reports"] == 2
    history = [(h["at"], h["severity"]) for h in case["severity_history"]]
    assert history[-1] == ("49.5h", "S0") and all(sev != "S0" for _, sev in history[:-1])
    assert case["decisions"][0]["outcome"] == "terminate_service"
    assert case["decisions"][0]["approved_by"] == ["ben"]
    assert result["referrals"] == [{"case": case["id"], "jurisdiction": "GB-NIR",
                                    "authority": "Police Service of Northern Ireland (PSNI)",
                                    "dsa_article_18": False}]
    kinds = [(o["kind"], o["to_role"]) for o in result["outbox"]]
    assert ("host_forward", "host") in kinds and ("statement_of_reasons", "customer") in kinds
    assert ("appeal_outcome", "customer") in kinds and ("page", "oncall") in kinds
    for entry in result["outbox"]:
        if entry["to_role"] in {"host", "customer", "oncall"}:
            text = (tmp_path / entry["file"]).read_bytes().decode("utf-8", "replace")
            for token in ADVOCATE:
                assert token not in text, f"{token} leaked to the {entry['to_role']} in {entry['file']}"
    assert audit.verify().ok


@REFERENCE_S0_MISS
def test_cli_runs_the_reference_drill_within_two_minutes(reference_file: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "abusedesk.cli", "scenario", "run", str(reference_file), "--json",
                          "--outbox", str(tmp_path / "outbox"), "--keep-data", str(tmp_path / "data")],
                         capture_output=True, text=True, timeout=300, env=_env())
    elapsed = time.monotonic() - started
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["scenario"] == "reference" and result["referrals"][0]["jurisdiction"] == "GB-NIR"
    assert len(list((tmp_path / "outbox").iterdir())) == len(result["outbox"])
    assert elapsed < 120, f"the drill took {elapsed:.0f} s"


def case_reason(result: dict[str, Any]) -> str:
    """Why the case is at its severity: the last severity change's reason (names the posts that made an S0)."""
    history = result["cases"][0]["severity_history"]
    return str(history[-1].get("reason", ""))


@pytest.mark.parametrize(("name", "jurisdiction", "article_18", "s0_at"),
                         [("spanish-madrid", "ES", True, "26h"), ("arabic-amman", "JO", False, "20h")])
@pytest.mark.django_db
def test_other_language_drills_page_and_route(name: str, jurisdiction: str, article_18: bool, s0_at: str) -> None:
    """S0 comes with the post that joins the poster's own threat to the private address posted earlier (within one
    watch interval of it), never with the address alone."""
    result = DrillRunner(load(ROOT / "scenarios" / f"{name}.json")).run()
    alerts = [a for a in result["alerts"] if "severity" in a]
    assert [a["severity"] for a in alerts] == ["S0"]
    assert _hours(alerts[0]["at"]) - _hours(s0_at) in (0.0, 0.5), alerts[0]
    history = [(h["at"], h["severity"]) for h in result["cases"][0]["severity_history"]]
    assert all(sev != "S0" for at, sev in history if _hours(at) < _hours(s0_at)), history
    assert result["referrals"][0]["jurisdiction"] == jurisdiction
    assert result["referrals"][0]["dsa_article_18"] is article_18
    assert len(result["cases"][0]["targets"]) >= 1


@pytest.mark.parametrize(("change", "message"), [
    ({"start": "yesterday"}, "start: must be an ISO 8601"),
    ({"duration": "3 weeks"}, "duration: bad time offset"),
    ({"reports": [{"at": "1h", "channel": "fax"}]}, "reports.0.channel"),
    ({"actions": [{"at": "1h", "by": "ana"}]}, "actions.0: needs one of"),
    ({"actions": [{"at": "1h", "by": "ana", "approve": "@last", "acknowledge": "@last"}]},
     "actions.0: needs one of decide, approve, appeal, review_appeal, acknowledge (got approve, acknowledge)"),
    ({"actions": [{"at": "1h", "by": "ana", "approve": True}]}, "actions.0.approve: must be a case reference"),
    ({"reports": [{"at": "1h", "urls": ["https://forum.test/"], "order": {}}]},
     "reports.0.order: is not a known field"),
    ({"sites": [{"domain": "forum.test", "threads": [{"path": "/t", "posts": [{"at": "soon", "author": "a",
                                                                              "text": "t"}]}]}]},
     "sites.0.threads.0.posts.0.at: bad time offset 'soon'"),
    ({"stafff": []}, "stafff: is not a known field"),
])
def test_bad_drill_files_name_the_field(reference_file: Path, change: dict[str, Any], message: str) -> None:
    data = json.loads(reference_file.read_text())
    data.update(change)
    with pytest.raises(DrillError, match=re.escape(message)):
        parse(data)


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env["DJANGO_SETTINGS_MODULE"] = "abusedesk.settings"
    return env


def _hours(at: str) -> float:
    return float(at.rstrip("h"))
