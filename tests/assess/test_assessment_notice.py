"""The customer's statement of reasons repeats the cited site assessment's neutral summary (the public statement's,
in the customer's language) and the reporter's notice does not; every `abusedesk assess --case` run's start, resume,
end or failure is in the audit trail with numbers and hashes only."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from abusedesk.assess.run import Progress
from abusedesk.attribution.models import Customer
from abusedesk.audit import trail as audit
from abusedesk.audit.models import AuditEvent
from abusedesk.cases import actions
from abusedesk.cases.models import Case, Decision
from abusedesk.cli.main import main
from abusedesk.common.hashing import sha256_hex
from abusedesk.evidence.models import AssessmentRun
from abusedesk.testing.factories import report_body

from .conftest import REFERENCE_WARC
from .test_decision_citation import NAMES, assessment, policy

pytestmark = pytest.mark.django_db
# What the stored profile holds and a notice must never repeat: names, the pseudonym, the post, the thread.
NEVER = (*NAMES, "T-3f9c0a1b2d", "someone should visit", "forum.test/threads")
RUN_KEYS = {"run", "case", "engine", "inputs", "posts", "scored"}


@pytest.fixture
def forum_case(customers: Any, post_report: Any, run_jobs: Any) -> Case:
    post_report(report_body())
    run_jobs()
    mail.outbox.clear()
    return Case.objects.get(property__value="forum.test")


def _terminate(case: Case, staff: Any, run_jobs: Any, evidence: Any = None) -> Decision:
    decision = actions.do_decide(case, actions.DecisionInput(
        outcome="terminate_service", policy_id=policy().pk, scope="site",
        assessment_id=str(evidence.pk) if evidence is not None else None,
        reasoning="Threats and doxxing are the pattern of this forum, not the exception.",
        facts="The forum's own moderators left the threads up."), acting_user=staff["ana"])
    actions.do_approve(decision, acting_user=staff["ben"], authenticated_at=timezone.now())
    run_jobs()
    decision.refresh_from_db()
    assert decision.status == "effective"
    return decision


def _to(address: str, subject: str) -> Any:
    [message] = [m for m in mail.outbox if address in m.to and subject in m.subject]
    return message


def test_the_customer_statement_carries_the_cited_assessments_summary(
        forum_case: Case, staff: Any, run_jobs: Any) -> None:
    evidence = assessment(forum_case)
    _terminate(forum_case, staff, run_jobs, evidence)
    body = _to("owner@forum.test", "Statement of reasons").body
    facts = body[body.index("2. Facts and circumstances"):body.index("3. Automated means")]
    assert "The forum's own moderators left the threads up." in facts
    assert "It relies on a site assessment" in facts
    assert "20,000 posts assessed (posts dated 2025-12 to 2026-02)" in facts
    assert "Threat of violence 48 (2.40 per 1,000 posts, 95% interval 1.81 to 3.18)" in facts
    assert "Doxxing (personal data of a private person) 31" in facts
    assert "Detector versions: threat 2.0." in facts
    assert f"profile has SHA-256 {evidence.body_sha256}." in facts
    assert "Automated means were used to detect the content." in body
    for never in NEVER:
        assert never not in body, never

    # The reporter gets the outcome notice they always got: no summary, no hash.
    outcome = _to("rita@advocates.test", "Decision")
    assert "site assessment" not in outcome.body and evidence.body_sha256 not in outcome.body
    assert audit.verify().ok


def test_the_summary_is_in_the_customers_language(forum_case: Case, staff: Any, run_jobs: Any) -> None:
    Customer.objects.filter(external_id="forum-op").update(language="es")
    evidence = assessment(forum_case)
    _terminate(forum_case, staff, run_jobs, evidence)
    body = _to("owner@forum.test", "Declaración de motivos").body
    assert "Se basa en una evaluación del sitio" in body
    assert "20\xa0000 publicaciones evaluadas (publicaciones fechadas entre 2025-12 y 2026-02)" in body
    assert "Amenaza de violencia 48 (2,40 por cada 1000 publicaciones, intervalo del 95 % de 1,81 a 3,18)" in body
    assert f"El perfil de la evaluación tiene el SHA-256 {evidence.body_sha256}." in body
    for never in NEVER:
        assert never not in body, never


def test_a_decision_citing_nothing_has_no_assessment_section(forum_case: Case, staff: Any, run_jobs: Any) -> None:
    assessment(forum_case)  # stored on the case, but not cited
    _terminate(forum_case, staff, run_jobs)
    body = _to("owner@forum.test", "Statement of reasons").body
    assert "site assessment" not in body and "SHA-256" not in body and "Detector versions" not in body
    facts = body[body.index("2. Facts and circumstances"):body.index("3. Automated means")]
    assert facts.rstrip().endswith("The forum's own moderators left the threads up.")


@pytest.fixture
def case(db: Any) -> Case:
    return Case.objects.create(title="forum.test", group_key="property:forum.test")


def _events(run: AssessmentRun) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="assessment_run", object_id=str(run.pk)).order_by("id"))


def _neutral(event: AuditEvent, *, posts_text: list[str]) -> None:
    """Numbers, ids, the engine and hashes: no post, name, file name or error message."""
    text = json.dumps(event.payload, ensure_ascii=False)
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in event.payload["inputs"]), event.payload
    for never in (*posts_text, REFERENCE_WARC.name, "Lena Marsh"):
        assert never not in text, (event.verb, never)


def _stored(case: Case) -> Any:
    return case.evidence.get(headers__kind="site-assessment")


def _post_texts(evidence: Any) -> list[str]:
    profile = json.loads(bytes(evidence.body))
    return [p["text"][:40] for t in profile["top_threads"] for p in t["flagged_posts"]]


def test_starting_finishing_and_resuming_a_run_are_audited(
        tmp_path: Path, capsys: Any, case: Case) -> None:
    checkpoint = tmp_path / "run.ckpt"
    assert main(["assess", str(REFERENCE_WARC), "--case", case.ref, "--checkpoint", str(checkpoint)]) == 0
    first = AssessmentRun.objects.get()
    started, finished = _events(first)
    digest = sha256_hex(REFERENCE_WARC.read_bytes())
    assert started.verb == "assessment.started" and finished.verb == "assessment.finished"
    assert set(started.payload) == RUN_KEYS
    assert started.payload == {"run": str(first.pk), "case": case.pk, "engine": "local", "inputs": [digest],
                               "posts": 0, "scored": 0}
    evidence = _stored(case)
    assert finished.payload == {**started.payload, "posts": 8, "scored": first.scored, "evidence": str(evidence.pk),
                                "profile_sha256": evidence.body_sha256}
    assert started.actor == first.started_by and started.actor.startswith("cli:")

    # The same command again with its checkpoint: the windows on file are taken, not scored again.
    assert main(["assess", str(REFERENCE_WARC), "--case", case.ref, "--checkpoint", str(checkpoint)]) == 0
    second = AssessmentRun.objects.exclude(pk=first.pk).get()
    resumed, done = _events(second)
    assert resumed.verb == "assessment.resumed" and done.verb == "assessment.finished"
    assert resumed.payload == {"run": str(second.pk), "case": case.pk, "engine": "local", "inputs": [digest],
                               "posts": 0, "scored": 0, "windows_done": 1, "resumes": str(first.pk)}
    assert done.payload["scored"] == 0  # nothing scored again
    texts = _post_texts(evidence)
    assert texts  # the reference forum has flagged posts: the check below is not empty
    for event in (started, finished, resumed, done):
        _neutral(event, posts_text=texts)
    assert audit.verify().ok


def test_a_failed_or_interrupted_run_is_audited_without_its_message(
        tmp_path: Path, capsys: Any, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    from abusedesk.assess.run import Assessment

    def fails(self: Assessment) -> dict[str, Any]:
        self.on_progress(Progress(posts=5, scored=4, fraction=0.5, elapsed=1.0))
        raise RuntimeError("chunk 3: could not score 'Lena Marsh lives at 14 Shore Road'")

    monkeypatch.setattr(Assessment, "run", fails)
    with pytest.raises(RuntimeError):
        main(["assess", str(REFERENCE_WARC), "--case", case.ref])
    run = AssessmentRun.objects.get()
    started, failed = _events(run)
    assert (started.verb, failed.verb) == ("assessment.started", "assessment.failed")
    assert failed.payload == {**started.payload, "posts": 5, "scored": 4, "state": "failed",
                              "error": "RuntimeError"}
    assert "Lena Marsh" in run.error  # the row keeps the message for the case page; the audit event does not
    _neutral(failed, posts_text=["14 Shore Road"])

    def stops(self: Assessment) -> dict[str, Any]:
        raise KeyboardInterrupt

    monkeypatch.setattr(Assessment, "run", stops)
    assert main(["assess", str(REFERENCE_WARC), "--case", case.ref]) == 130
    interrupted = AssessmentRun.objects.get(state="interrupted")
    assert [e.verb for e in _events(interrupted)] == ["assessment.started", "assessment.failed"]
    assert _events(interrupted)[-1].payload["state"] == "interrupted"
    assert audit.verify().ok


def test_a_run_that_fails_before_it_starts_is_audited_as_failed(
        tmp_path: Path, capsys: Any, case: Case) -> None:
    checkpoint = tmp_path / "other.ckpt"
    checkpoint.write_text('{"checkpoint": 1, "inputs": [["elsewhere", "00"]], "chunk": 256, "window": 200}\n')
    assert main(["assess", str(REFERENCE_WARC), "--case", case.ref, "--checkpoint", str(checkpoint)]) != 0
    run = AssessmentRun.objects.get()
    [failed] = _events(run)  # the checkpoint was refused before the inputs were known: no start
    assert failed.verb == "assessment.failed"
    assert failed.payload == {"run": str(run.pk), "case": case.pk, "engine": "local", "inputs": [],
                              "posts": 0, "scored": 0, "state": "failed", "error": "CheckpointMismatch"}
    assert audit.verify().ok
