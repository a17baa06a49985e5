"""Progress of an `abusedesk assess --case` run, kept where the console can see it.

`RunRecord` writes one `evidence.AssessmentRun` row for the run: created when the run starts, updated from the
command's progress callback at most every `INTERVAL` seconds (a run of millions of posts calls it thousands of times),
and closed as finished (with the evidence it stored) or failed. Each write commits on its own: the command does not
run in a transaction, and the console must see the row while the run goes on. A run killed outright (SIGKILL, the OOM
killer, a machine lost) cannot say so; its row stops moving, which `is_stale` tells the page (interrupted) until the
job workers' periodic `close_stale_runs` (every `CLOSE_EVERY` seconds) closes it.

Each transition of the run is also in the audit trail, written in the transaction of its row's change:
`assessment.started` (or `assessment.resumed`, when the `--checkpoint` file already holds scored windows) once the
inputs are hashed and the checkpoint read, `assessment.finished` with the evidence it stored, `assessment.failed`
(failed or interrupted) with the exception's class. Their payload names the run, the case, the engine, each input's
SHA-256, the posts read and the texts scored: never a post, a name, a file name or an error message (a message
could quote what it failed on; the row keeps it and the file names for the case page).

A run killed outright gets its end event from `close_stale_runs`: a `running` row not updated for `STALE` is set
`interrupted` with one `assessment.failed` (`state` interrupted, `error` "no progress for N s; ..."), by a conditional
UPDATE in the event's transaction, so two workers never close a run twice and a run that wrote in the meantime is
left alone. A run that was only slow (a window, hashing a large input or starting Ray took longer than `STALE`) and
writes again after it was closed is not flipped back silently, nor stopped (its work would be lost): it reopens its
row with an `assessment.resumed` naming itself (`resumes` its own id, `reopened` true) and goes on, so the trail
reads failed, then resumed, then its real end.
"""

from __future__ import annotations

import getpass
import logging
import socket
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from abusedesk.assess.posts import Input
from abusedesk.assess.run import Progress
from abusedesk.jobs import job

logger = logging.getLogger("abusedesk.assess")

INTERVAL = 2.0  # seconds between writes while running
STALE = timedelta(seconds=60)  # a running row not updated for this long belongs to a run that died
CLOSE_EVERY = 60  # seconds between the job workers' rounds of close_stale_runs (jobs/schedule, registered in pipeline)


def started_by() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = "unknown"
    return f"cli:{user}@{socket.gethostname()}"[:200]


class RunRecord:
    def __init__(self, case: Any, *, engine: str, sources: Sequence[str], checkpoint: str | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        from abusedesk.evidence.models import AssessmentRun

        self.clock = clock
        self.last = float("-inf")
        self.input_hashes: list[str] = []  # each input's SHA-256, once `started` knows them
        self.posts = self.scored = 0
        self.run = AssessmentRun.objects.create(
            case=case, started_by=started_by(), engine=engine[:200], checkpoint=checkpoint or "",
            sources=[Path(s).name for s in sources])

    def started(self, inputs: Sequence[Input], *, windows_done: int) -> None:
        """Audit the start, once the inputs are hashed and the checkpoint read: `assessment.resumed` when the
        checkpoint already holds `windows_done` scored windows (naming the run it resumes: the latest earlier run of
        the case with the same checkpoint file), `assessment.started` otherwise."""
        self.input_hashes = [i.sha256 for i in inputs]
        fields = {"input_sha256": self.input_hashes}  # kept for close_stale_runs' event, should the run be killed
        if not windows_done:
            self._audit(verb="assessment.started", fields=fields)
            return
        self._audit(verb="assessment.resumed", fields=fields, windows_done=windows_done, resumes=self._resumes())

    def progress(self, p: Progress) -> None:
        """Record `p` unless the last write was under INTERVAL seconds ago (the last report is always written)."""
        self.posts, self.scored = p.posts, p.scored
        now = self.clock()
        if now - self.last < INTERVAL and p.fraction < 1.0:
            return
        self.last = now
        self._update(posts=p.posts, scored=p.scored, posts_per_s=round(p.posts_per_s, 1),
                     fraction=round(p.fraction, 4), eta_s=None if p.eta_s is None else round(p.eta_s, 1))

    def finished(self, evidence: Any) -> None:
        self._audit(verb="assessment.finished", fields={
            "state": "finished", "fraction": 1.0, "eta_s": None, "evidence": evidence, "finished_at": timezone.now()},
            evidence=str(evidence.pk), profile_sha256=evidence.body_sha256)

    def failed(self, error: BaseException) -> None:
        state = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        # The exception's class and message: the command's own errors name a file, an address or a chunk, no post.
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        self._audit(verb="assessment.failed", fields={"state": state, "error": detail[:300],
                                                      "finished_at": timezone.now()},
                    state=state, error=type(error).__name__)

    def _audit(self, *, verb: str, fields: dict[str, Any] | None = None, **extra: Any) -> None:
        """The row's change (it is touched even without `fields`, to notice a closed row) and its audit event, in one
        transaction."""
        from abusedesk.audit import trail as audit

        with audit.atomic():
            self._update(**(fields or {}))
            self._append(audit, verb, extra)

    def _append(self, audit: Any, verb: str, extra: dict[str, Any]) -> None:
        audit.append(actor=self.run.started_by, verb=verb, object_type="assessment_run", object_id=str(self.run.pk),
                     payload=run_payload(self.run, inputs=self.input_hashes, posts=self.posts, scored=self.scored,
                                         **extra))

    def _resumes(self) -> str | None:
        from abusedesk.evidence.models import AssessmentRun

        if not self.run.checkpoint:
            return None
        earlier = (AssessmentRun.objects.filter(case_id=self.run.case_id, checkpoint=self.run.checkpoint)
                   .exclude(pk=self.run.pk).order_by("-started_at").values_list("pk", flat=True).first())
        return str(earlier) if earlier else None

    def _update(self, **fields: Any) -> None:
        """Write `fields` to the row while it is `running`. A row closed meanwhile by `close_stale_runs` (this run
        was slow, not dead) is reopened in the same UPDATE, with an `assessment.resumed` in the same transaction."""
        from abusedesk.audit import trail as audit
        from abusedesk.evidence.models import AssessmentRun

        mine = AssessmentRun.objects.filter(pk=self.run.pk)
        with audit.atomic():
            if mine.filter(state="running").update(updated_at=timezone.now(), **fields):
                return
            reopened = {"state": "running", "error": "", "finished_at": None, "updated_at": timezone.now(), **fields}
            if not mine.filter(state="interrupted").update(**reopened):
                return  # finished or failed already (by this record): nothing to reopen
            self._append(audit, "assessment.resumed", {"resumes": str(self.run.pk), "reopened": True})


def is_stale(run: Any, now: Any = None) -> bool:
    return bool(run.state == "running" and (now or timezone.now()) - run.updated_at > STALE)


def run_payload(run: Any, *, inputs: Sequence[str], posts: int, scored: int, **extra: Any) -> dict[str, Any]:
    """The payload of a run's audit events: ids, engine, input hashes and counts only (see the module docstring)."""
    return {"run": str(run.pk), "case": run.case_id, "engine": run.engine, "inputs": list(inputs), "posts": posts,
            "scored": scored, **extra}


def close_stale(*, now: Any = None) -> int:
    """Close every `running` run not updated for `STALE` as interrupted, each with one `assessment.failed`; return
    how many. The UPDATE is conditional (still running, still stale), in the event's transaction: of two workers
    only one closes a run, and a run that wrote progress since the query is left alone."""
    from abusedesk.audit import trail as audit
    from abusedesk.evidence.models import AssessmentRun

    now = now or timezone.now()
    cutoff = now - STALE
    closed = 0
    for run in AssessmentRun.objects.filter(state="running", updated_at__lt=cutoff).order_by("updated_at"):
        error = f"no progress for {int((now - run.updated_at).total_seconds())} s; the process was killed or lost"
        with audit.atomic():
            if not AssessmentRun.objects.filter(pk=run.pk, state="running", updated_at__lt=cutoff).update(
                    state="interrupted", error=error, finished_at=now, updated_at=now):
                continue
            audit.append(actor="system", verb="assessment.failed", object_type="assessment_run",
                         object_id=str(run.pk), payload=run_payload(run, inputs=run.input_sha256, posts=run.posts,
                                                                    scored=run.scored, state="interrupted",
                                                                    error=error))
        logger.info("closed assessment run %s as interrupted (%s)", run.pk, error)
        closed += 1
    return closed


@job(max_attempts=1)
def close_stale_runs() -> int:
    """Periodic (jobs/schedule, every CLOSE_EVERY seconds): the end event of runs killed outright."""
    return close_stale()
