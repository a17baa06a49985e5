"""Initial severity from what the reporter claimed and who they are.

Rule (foundation): threats, doxxing, CSAM and terrorist content start at S1; harassment and hate at S2;
everything else at S3. Detection findings and the escalation rules of the triage stage raise it further
(an S0 needs evidence: a credible threat plus an identifiable, located target). Severity never drops
automatically; only an analyst lowers it.
"""

from __future__ import annotations

from abusedesk.cases.models import SEVERITY_RANK

CATEGORY_SEVERITY = {
    "threat": "S1", "doxxing": "S1", "csam": "S1", "terrorism": "S1", "ncii": "S1",
    "harassment": "S2", "hate": "S2",
}

LANE_RANK = {"authority": 0, "trusted": 1, "normal": 2}


def initial_severity(category: str) -> tuple[str, str]:
    severity = CATEGORY_SEVERITY.get(category, "S3")
    return severity, f"reported category '{category}' starts at {severity}"


def more_severe(a: str, b: str) -> str:
    return a if SEVERITY_RANK[a] <= SEVERITY_RANK[b] else b
