"""Progress of `abusedesk assess --case` runs on the console: a row per run, written at most every 2 s from the
command's progress callback, shown on the case page (running with posts/s and ETA, finished, or interrupted with the
checkpoint to resume from), refreshed by a fragment the page polls without inline script."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abusedesk.assess.run import Progress
from abusedesk.cases.models import Case
from abusedesk.cli.main import main
from abusedesk.evidence.models import AssessmentRun

from .conftest import REFERENCE_WARC

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(db: Any) -> Case:
    return Case.objects.create(title="forum.test", group_key="property:forum.test")


def test_progress_is_written_at_most_every_two_seconds(case: Case) -> None:
    from abusedesk.assess.progress import RunRecord

    now = [100.0]
    record = RunRecord(case, engine="local", sources=["/srv/a/forum.warc.gz"], checkpoint=None, clock=lambda: now[0])
    writes = []
    for t, posts in ((100.0, 10), (100.5, 20), (101.9, 30), (102.1, 40), (102.2, 50)):
        now[0] = t
        record.progress(Progress(posts, posts // 2, posts / 1000, t - 99.0))
        writes.append(AssessmentRun.objects.get().posts)
    assert writes == [10, 10, 10, 40, 40]
    record.progress(Progress(1000, 500, 1.0, 4.0))  # the last report is always written
    run = AssessmentRun.objects.get()
    assert (run.posts, run.scored, run.fraction, run.posts_per_s, run.eta_s) == (1000, 500, 1.0, 250.0, 0.0)
    assert run.state == "running" and run.sources == ["forum.warc.gz"] and run.started_by.startswith("cli:")


def test_a_run_with_case_leaves_a_finished_row_the_case_page_shows(case: Case, client: Client, staff: Any,
                                                                  tmp_path: Path, capsys: Any) -> None:
    checkpoint = tmp_path / "run.ckpt"
    assert main(["assess", str(REFERENCE_WARC), "--case", case.ref, "--checkpoint", str(checkpoint)]) == 0
    run = AssessmentRun.objects.get(case=case)
    evidence = case.evidence.get()
    assert run.state == "finished" and run.evidence_id == evidence.pk and run.finished_at is not None
    assert run.posts == 8 and run.fraction == 1.0 and run.engine == "local"
    assert run.checkpoint == str(checkpoint.resolve()) and run.sources == [REFERENCE_WARC.name]
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "Site assessment runs" in page and "<strong>finished</strong>" in page and "8 posts read" in page
    assert "data-poll=" not in page  # nothing runs: nothing to poll


def test_a_running_run_shows_rate_and_eta_and_the_page_polls_its_fragment(case: Case, client: Client,
                                                                          staff: Any) -> None:
    from abusedesk.assess.progress import RunRecord

    record = RunRecord(case, engine="ray, 2 workers, on this machine", sources=["forum.warc.gz"],
                       checkpoint="/srv/run.ckpt")
    record.progress(Progress(posts=120_000, scored=118_000, fraction=0.6, elapsed=400.0))
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "<strong>running</strong> — 60 %" in page and "120000 posts read" in page
    assert "300 posts/s" in page and "ETA 4 min" in page and "engine ray, 2 workers, on this machine" in page
    fragment_url = f"/console/cases/{case.pk}/assessment-runs/"
    assert f'data-poll="{fragment_url}"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script (CSP script-src 'self')
    fragment = client.get(fragment_url)
    assert fragment.status_code == 200 and fragment.content.decode().lstrip().startswith("<div id=\"assessment-runs\"")
    assert "no-cache" in fragment["Cache-Control"] or "max-age=0" in fragment["Cache-Control"]
    static = (Path(__file__).resolve().parents[2] / "src" / "abusedesk" / "static" / "console.js").read_text()
    assert "data-poll" in static and "fetch(" in static


def test_a_run_that_dies_shows_as_interrupted_with_how_to_resume(case: Case, client: Client, staff: Any) -> None:
    from abusedesk.assess.progress import RunRecord

    record = RunRecord(case, engine="local", sources=["forum.warc.gz"], checkpoint="/srv/run.ckpt")
    record.progress(Progress(posts=5000, scored=5000, fraction=0.25, elapsed=20.0))
    AssessmentRun.objects.update(updated_at=timezone.now() - timedelta(minutes=5))  # killed: no word since
    client.force_login(staff["ana"])
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "<strong>interrupted</strong> at 25 %" in page
    assert "resume with <code>--checkpoint /srv/run.ckpt</code>" in page
    assert "data-poll=" not in page
    AssessmentRun.objects.update(checkpoint="")
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "no checkpoint was kept" in page


def test_a_failing_or_interrupted_command_records_it(case: Case, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path, capsys: Any) -> None:
    from abusedesk.assess.run import Assessment

    def stops(self: Assessment) -> dict[str, Any]:
        self.on_progress(Progress(posts=3, scored=3, fraction=0.4, elapsed=1.0))
        raise KeyboardInterrupt

    monkeypatch.setattr(Assessment, "run", stops)
    checkpoint = tmp_path / "run.ckpt"
    assert main(["assess", str(REFERENCE_WARC), "--case", case.ref, "--checkpoint", str(checkpoint)]) == 130
    run = AssessmentRun.objects.get()
    assert (run.state, run.posts, run.fraction) == ("interrupted", 3, 0.4)
    assert run.checkpoint == str(checkpoint.resolve()) and run.finished_at is not None
    assert not case.evidence.exists()

    def fails(self: Assessment) -> dict[str, Any]:
        raise RuntimeError("the engine returned no result for chunks [3]")

    monkeypatch.setattr(Assessment, "run", fails)
    with pytest.raises(RuntimeError):
        main(["assess", str(REFERENCE_WARC), "--case", case.ref])
    failed = AssessmentRun.objects.get(state="failed")
    assert failed.error == "RuntimeError: the engine returned no result for chunks [3]"


def test_without_case_no_row_and_the_fragment_keeps_the_case_permissions(case: Case, client: Client, staff: Any,
                                                                         capsys: Any) -> None:
    assert main(["assess", str(REFERENCE_WARC)]) == 0
    assert not AssessmentRun.objects.exists()
    url = f"/console/cases/{case.pk}/assessment-runs/"
    response = client.get(url)
    assert response.status_code == 302 and "/console/login/" in response["Location"]
    client.force_login(staff["aud"])  # every role that reads cases reads their runs
    assert client.get(url).status_code == 200
    assert client.get("/console/cases/999999/assessment-runs/").status_code == 404
    staff["cho"].is_active = False
    staff["cho"].save()
    client.force_login(staff["cho"])
    assert client.get(url).status_code in {302, 404}
