"""The `abusedesk` command: accounts, tokens, demo data, and `up` serving a real report end to end."""

from __future__ import annotations

import http.cookiejar
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from abusedesk.cli.main import main
from abusedesk.testing.factories import report_body


@pytest.mark.django_db
def test_createadmin_and_token(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough passphrase 9\n"))
    assert main(["createadmin", "--username", "boss", "--password-stdin"]) == 0
    assert main(["token", "create", "--user", "boss"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("adk_") and len(secret) > 40
    assert main(["token", "create", "--user", "nobody"]) == 2
    assert "no active account called 'nobody'" in capsys.readouterr().err


@pytest.mark.django_db
def test_weak_passwords_are_refused(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["users", "add", "eve", "--role", "analyst", "--password-stdin"]) == 2
    assert "password:" in capsys.readouterr().err


MISS = ("known detection miss (docs/detection.md, known failures): the reference thread's veiled incitement "
        "scores below the threat threshold once drill-copied lexicon entries were removed; the case stays S1")


@pytest.mark.xfail(strict=True, reason=MISS)
@pytest.mark.django_db
def test_demo_plays_the_reference_scenario_with_evidence_timeline_and_s0(capsys: Any, caplog: Any) -> None:
    """The demo serves the scenario's forum on loopback: captured evidence, the watched thread's posts, and (what
    the detectors decide, not when) an S0 with a page once the reference thread's final posts are in."""
    from abusedesk.cases.models import Case
    from abusedesk.evidence.models import CaptureStatus, Evidence
    from abusedesk.triage.models import Page
    from abusedesk.watch.models import WatchedPost, WatchedThread

    caplog.set_level(logging.ERROR)
    assert main(["demo", "--password", "demo password for tests"]) == 0
    out = capsys.readouterr().out
    assert "staff ana (analyst) password: demo password for tests" in out
    case = Case.objects.get(property__value="forum.test")
    assert Evidence.objects.filter(report__case=case, status=CaptureStatus.CAPTURED).exists()
    timeline = WatchedPost.objects.filter(thread__case=case)
    assert timeline.count() >= 2 and timeline.filter(index=7).exists(), "the thread's final posts were not seen"
    assert case.severity == "S0" and Page.objects.filter(case=case, severity="S0").exists()
    assert not WatchedThread.objects.filter(active=True).exists()  # the forum is gone: nothing re-fetches it
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert f"case {case.pk}: S0" in out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def test_up_serves_the_api_and_console_on_sqlite(tmp_path: Path) -> None:
    """What the README's first command runs, on a fresh data directory."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ABUSEDESK_")}
    env["DJANGO_SETTINGS_MODULE"] = "abusedesk.settings"
    proc = subprocess.Popen([sys.executable, "-m", "abusedesk.cli", "up", "--port", str(port), "--data-dir",
                             str(tmp_path / "data"), "--web-processes", "1", "--threads", "4"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/healthz", 60)
        password = (tmp_path / "data" / "initial-admin-password").read_text().strip()
        subprocess.run([sys.executable, "-m", "abusedesk.cli", "--data-dir", str(tmp_path / "data"), "customers",
                        "import", str(Path(__file__).resolve().parents[2] / "src/abusedesk/cli/demo_data.json")],
                       env=env, check=True, capture_output=True, timeout=60)
        request = urllib.request.Request(f"{base}/api/v1/reports", data=json.dumps(report_body()).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
            report_id = json.load(response)["id"]
        opener = _login(base, "admin", password)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            queue = opener.open(f"{base}/console/", timeout=10).read().decode()
            if "forum.test" in queue:
                break
            time.sleep(0.5)
        assert "Forum Operator LLC: forum.test" in queue, "the worker did not file the report into a case"
        assert report_id
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    assert f"abusedesk is running at {base}/" in output
    assert "log in as 'admin' with password:" in output


def _login(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/console/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token.group(1)}).encode()
    opener.open(urllib.request.Request(f"{base}/console/login/", data=data,
                                       headers={"Referer": f"{base}/console/login/"}), timeout=10)
    return opener


@pytest.mark.django_db
def test_oncall_rota_commands(staff: Any, capsys: Any) -> None:
    from abusedesk.triage.paging import on_call_now

    assert main(["oncall", "add", "ben", "--hours", "8"]) == 0
    assert main(["oncall", "add", "ana", "--hours", "8", "--order", "1"]) == 0
    assert [u.username for u in on_call_now()] == ["ben"]
    assert [u.username for u in on_call_now(skip=1)] == ["ana"]
    assert main(["oncall", "list"]) == 0
    assert "ben" in capsys.readouterr().out
    assert main(["oncall", "add", "nobody"]) == 2
    assert main(["oncall", "add", "ben", "--from", "tomorrow"]) == 2
    assert main(["oncall", "add", "ana", "--from", "2030-01-01T08:00:00", "--hours", "2"]) == 0  # naive = UTC


@pytest.mark.django_db
@pytest.mark.parametrize(("argv", "preset", "expected"), [
    (["--port", "8123"], None, "http://127.0.0.1:8123"),
    (["--host", "0.0.0.0", "--port", "9001"], "", "http://127.0.0.1:9001"),
    (["--host", "::1", "--port", "9002"], None, "http://[::1]:9002"),
    (["--port", "8123"], "https://abuse.example.test", "https://abuse.example.test"),
])
def test_up_points_e_mailed_links_at_the_port_it_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: Any, argv: list[str], preset: str | None,
                                                        expected: str) -> None:
    """`up --port` without ABUSEDESK_PUBLIC_URL: workers (which inherit the environment) link to that port."""
    from abusedesk.cli.commands import server

    monkeypatch.setenv("ABUSEDESK_PUBLIC_URL", preset or "")  # restored after the test, whatever `up` sets
    if preset is None:
        monkeypatch.delenv("ABUSEDESK_PUBLIC_URL")
    monkeypatch.setenv("ABUSEDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(server, "_start_children", lambda args: {})
    monkeypatch.setattr(server, "_supervise", lambda children, args: 0)
    assert main(["up", "--no-admin", *argv]) == 0
    assert os.environ["ABUSEDESK_PUBLIC_URL"] == expected
    assert f"links in e-mails: {expected}/" in capsys.readouterr().out
    if preset is None:  # other commands on the same desk (`abusedesk demo` beside `up`) follow the served address
        from abusedesk.settings.env import served_url

        assert served_url(tmp_path) == expected


def test_commands_beside_up_link_to_the_address_it_serves(tmp_path: Path) -> None:
    """`abusedesk demo` runs in its own process: without ABUSEDESK_PUBLIC_URL it reads what `up` recorded."""
    import subprocess
    import sys

    from abusedesk.settings.env import record_served_url

    record_served_url(tmp_path, "http://127.0.0.1:8123")
    env = {k: v for k, v in os.environ.items() if k != "ABUSEDESK_PUBLIC_URL"}
    env.update(ABUSEDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="abusedesk.settings")
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.PUBLIC_URL)"],
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "http://127.0.0.1:8123"
