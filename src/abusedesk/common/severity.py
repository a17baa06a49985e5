"""The severity vocabulary, in one leaf module: the levels, their order, where a report starts and the lanes.

S0 is an imminent threat to life; S3 everything else. Lower rank = more urgent (ordering and job priorities).
Initial severity comes from what the reporter claimed: threats, doxxing, CSAM, terrorist content and intimate
images start at S1; harassment and hate at S2; everything else at S3. Detection findings and the escalation
rules of the triage stage raise it further (an S0 needs evidence: a credible threat plus an identifiable, located
target). Severity never drops automatically; only an analyst lowers it.
"""

from __future__ import annotations

from django.db import models


class Severity(models.TextChoices):
    S0 = "S0", "S0 imminent threat to life"
    S1 = "S1", "S1 threat or doxxing"
    S2 = "S2", "S2 harassment or hate"
    S3 = "S3", "S3 other"


SEVERITY_RANK = {"S0": 0, "S1": 1, "S2": 2, "S3": 3}

CATEGORY_SEVERITY = {
    "threat": "S1", "doxxing": "S1", "csam": "S1", "terrorism": "S1", "ncii": "S1",
    "harassment": "S2", "hate": "S2",
}

# Reporter lanes: an authority's order before a trusted flagger's notice before anyone else's.
LANE_RANK = {"authority": 0, "trusted": 1, "normal": 2}


def initial_severity(category: str) -> tuple[str, str]:
    severity = CATEGORY_SEVERITY.get(category, "S3")
    return severity, f"reported category '{category}' starts at {severity}"


def more_severe(a: str, b: str) -> str:
    return a if SEVERITY_RANK[a] <= SEVERITY_RANK[b] else b
