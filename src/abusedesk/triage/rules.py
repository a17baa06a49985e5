"""Severity from findings. The rule, written where it runs (DESIGN.md, Triage):

- S0 imminent threat to life: a threat of violence AND located personal data of the target (a home address,
  coordinates or a licence plate) in the same case — the address and the threat have met;
- S1: a threat, or doxxing (personal data of a private person in a doxxing context);
- S2: targeted harassment or hate;
- otherwise the severity stays where the reported category put it.
Rules only raise severity; an analyst lowers it. Each branch returns the reason that is logged, audited and
shown on the case page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger("abusedesk.triage")

LOCATING_SPANS = frozenset({"address", "coordinates", "licence_plate"})
THRESHOLD = 0.5


@dataclass(frozen=True)
class Verdict:
    severity: str | None
    reason: str


def evaluate(findings: list[dict[str, object]]) -> Verdict:
    """findings: [{"category", "score", "spans": [{"type", ...}]}] over every text of one case."""
    hits = [f for f in findings if float(f["score"]) >= THRESHOLD]  # type: ignore[arg-type]
    categories = {str(f["category"]) for f in hits}
    located = any(str(s.get("type")) in LOCATING_SPANS for f in hits if f["category"] in {"doxxing", "pii"}
                  for s in f.get("spans", []))  # type: ignore[attr-defined]
    if "threat" in categories and located:
        verdict = Verdict("S0", "credible threat of violence and the target's location (address, coordinates "
                                "or plate) in the same case")
    elif "threat" in categories:
        verdict = Verdict("S1", "a threat of violence was detected")
    elif "doxxing" in categories:
        verdict = Verdict("S1", "doxxing: a private person's personal data in a doxxing context was detected")
    elif categories & {"harassment", "hate"}:
        verdict = Verdict("S2", f"{' and '.join(sorted(categories & {'harassment', 'hate'}))} detected")
    else:
        verdict = Verdict(None, "no finding above threshold")
    logger.debug("triage rule: %s (%s)", verdict.severity or "unchanged", verdict.reason)
    return verdict
