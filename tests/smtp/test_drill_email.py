"""Drills take e-mail reports: `"channel": "email"` with the message as `raw` text or an `eml` file beside the drill."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from abusedesk.drills.runner import DrillRunner, load
from abusedesk.drills.spec import DrillError, parse
from abusedesk.intake.models import InboundMessage

ROOT = Path(__file__).resolve().parents[2]
RAW = ("From: Reader <reader@mail.test>\nTo: abuse@desk.test\nSubject: doxxing on forum.test\n"
       "Message-ID: <drill-raw@mail.test>\n\nThey posted her address: https://forum.test/threads/123 "
       "(also https://forum.test.example.org/x, not ours)\n")


def _drill(reports: list[dict[str, Any]]) -> dict[str, Any]:
    reference = json.loads((ROOT / "scenarios" / "reference.json").read_text())
    thread = {"path": "/threads/123", "title": "A thread", "posts": [{"at": "0h", "author": "anon1", "text": "hi"}]}
    return {"name": "email-drill", "start": "2022-08-20T09:00:00Z", "duration": "1h", "watch_interval": "30m",
            "customers": reference["customers"], "sites": [{"domain": "forum.test", "threads": [thread]}],
            "reports": reports}


@pytest.mark.parametrize(("report", "message"), [
    ({"channel": "email", "raw": "x", "eml": "a.eml"}, "reports.0: needs raw or eml, not both"),
    ({"channel": "api", "raw": "x"}, "reports.0: raw is an e-mail message: it needs channel 'email'"),
    ({"channel": "email", "raw": "x", "category": "threat", "urls": []},
     "reports.0: an e-mail report takes its category, urls from the message; leave them out"),
    ({"channel": "email"}, "reports.0: needs urls (or, with channel 'email', the message: raw or eml)"),
    ({"channel": "email", "raw": ""}, "reports.0.raw"),
    ({"channel": "email", "eml": "missing.eml"}, "reports.0.eml: no file 'missing.eml' next to the drill file"),
])
def test_bad_email_reports_name_the_field(report: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(DrillError, match=re.escape(message)):
        parse(_drill([{"at": "1h", **report}]), base=tmp_path)


def test_email_reports_with_urls_still_go_through_the_api_fields() -> None:
    drill = parse(_drill([{"at": "1h", "channel": "email", "urls": ["https://forum.test/threads/123"]}]))
    assert drill.reports[0]["urls"] == ["https://forum.test/threads/123"]


@pytest.mark.django_db
def test_email_reports_are_stored_as_received_and_read_by_the_pipeline(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "report.eml").write_bytes(RAW.replace("drill-raw", "drill-eml").replace("\n", "\r\n")
                                                   .encode())
    data = _drill([{"at": "0.5h", "channel": "email", "raw": RAW},
                   {"at": "0.5h", "channel": "email", "eml": "mail/report.eml"}])
    drill_file = tmp_path / "drill.json"
    drill_file.write_text(json.dumps(data))
    result = DrillRunner(load(drill_file)).run()
    assert result["scenario"] == "email-drill"
    stored = {m.message_id: bytes(m.raw) for m in InboundMessage.objects.filter(source="file")}
    assert set(stored) == {"<drill-raw@mail.test>", "<drill-eml@mail.test>"}
    for raw in stored.values():
        # The drill's sites point at its loopback forum; other hosts are left as written.
        assert re.search(rb"http://forum\.test:\d+/threads/123 ", raw), raw
        assert b"https://forum.test.example.org/x" in raw
    assert stored["<drill-eml@mail.test>"].count(b"\r\n") == RAW.count("\n")  # the file's bytes, line ends and all
