"""The case page's view of `abusedesk assess --case` runs: running ones with posts/s and ETA, finished ones, and
ones that stopped without finishing (interrupted, with how to resume). While a run goes on, the page fetches this
fragment again every few seconds (static/console.js, `data-poll`); without script it is as fresh as the page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from abusedesk.accounts.access import staff_view
from abusedesk.assess.progress import is_stale
from abusedesk.cases.models import Case
from abusedesk.evidence.models import AssessmentRun
from abusedesk.review.access import access_case

SHOWN = 5  # the latest runs of a case on its page
POLL_SECONDS = 5


@dataclass(frozen=True)
class RunView:
    run: Any
    state: str  # running | finished | interrupted
    percent: int
    eta: str


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "not known yet"
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


def run_views(case: Case) -> list[RunView]:
    now = timezone.now()
    views = []
    for run in AssessmentRun.objects.filter(case=case).order_by("-started_at")[:SHOWN]:
        stopped = run.state in {"failed", "interrupted"} or is_stale(run, now)
        state = "interrupted" if stopped else run.state
        views.append(RunView(run=run, state=state, percent=int(100 * run.fraction), eta=_eta(run.eta_s)))
    return views


def runs_context(case: Case) -> dict[str, Any]:
    runs = run_views(case)
    return {"assessment_runs": runs, "assessment_running": any(r.state == "running" for r in runs),
            "poll_seconds": POLL_SECONDS}


@staff_view()
def assessment_runs(request: HttpRequest, case_id: int) -> HttpResponse:
    """The runs fragment alone (what the case page polls)."""
    case = access_case(request.user, case_id)  # type: ignore[arg-type]
    return render(request, "review/_assessment_runs.html", {"case": case, **runs_context(case)})
