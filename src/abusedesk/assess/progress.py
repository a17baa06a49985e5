"""Progress of an `abusedesk assess --case` run, kept where the console can see it.

`RunRecord` writes one `evidence.AssessmentRun` row for the run: created when the run starts, updated from the
command's progress callback at most every `INTERVAL` seconds (a run of millions of posts calls it thousands of times),
and closed as finished (with the evidence it stored) or failed. Each write commits on its own: the command does not
run in a transaction, and the console must see the row while the run goes on. A run killed outright cannot say so;
its row stays `running` and stops moving, which `is_stale` tells the page (interrupted).
"""

from __future__ import annotations

import getpass
import socket
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from abusedesk.assess.run import Progress

INTERVAL = 2.0  # seconds between writes while running
STALE = timedelta(seconds=60)  # a running row not updated for this long belongs to a run that died


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
        self.run = AssessmentRun.objects.create(
            case=case, started_by=started_by(), engine=engine[:200], checkpoint=checkpoint or "",
            sources=[Path(s).name for s in sources])

    def progress(self, p: Progress) -> None:
        """Record `p` unless the last write was under INTERVAL seconds ago (the last report is always written)."""
        now = self.clock()
        if now - self.last < INTERVAL and p.fraction < 1.0:
            return
        self.last = now
        self._update(posts=p.posts, scored=p.scored, posts_per_s=round(p.posts_per_s, 1),
                     fraction=round(p.fraction, 4), eta_s=None if p.eta_s is None else round(p.eta_s, 1))

    def finished(self, evidence: Any) -> None:
        self._update(state="finished", fraction=1.0, eta_s=None, evidence=evidence, finished_at=timezone.now())

    def failed(self, error: BaseException) -> None:
        state = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        # The exception's class and message: the command's own errors name a file, an address or a chunk, no post.
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        self._update(state=state, error=detail[:300], finished_at=timezone.now())

    def _update(self, **fields: Any) -> None:
        from abusedesk.evidence.models import AssessmentRun

        AssessmentRun.objects.filter(pk=self.run.pk).update(updated_at=timezone.now(), **fields)


def is_stale(run: Any, now: Any = None) -> bool:
    return bool(run.state == "running" and (now or timezone.now()) - run.updated_at > STALE)
