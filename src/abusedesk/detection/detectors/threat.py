"""Threat of violence: direct, conditional, veiled, incitement, deadlines; against a person or a group.

The model weighs violent vocabulary together with what turns it into a threat (future or intent, a target,
a condition, a deadline, incitement, veiled phrasing) and with what usually makes it NOT a threat
(figurative use, games, news, fiction, court orders, quotation plus condemnation).
"""

from __future__ import annotations

from dataclasses import replace

from abusedesk.detection.detectors.base import CheapCategoryDetector
from abusedesk.detection.scoring import cheap
from abusedesk.sdk.detection import Finding, PreparedText

#: (rule id, concept tokens that must all be present, any-of tokens, score floor). Written where it runs:
#: an incitement aimed at a person ("someone should visit her") next to where that person lives is the
#: design's S0 pattern, whatever the model makes of the wording.
RULES = (
    ("threat.incitement_at_home", {"c_incite"}, {"c_incite__her_him", "c_incite__you"}, {"p_address", "c_home"}, 0.8),
)


class ThreatDetector(CheapCategoryDetector):
    name = "threat"
    category = "threat"
    categories = ("threat",)
    anchors = ("violence", "incite", "veiled", "deadline", "cond")
    span_type = "threat"

    def detect(self, text: PreparedText) -> list[Finding]:
        findings = super().detect(text)
        if not findings:
            return findings
        tokens = set(cheap(text).features.tokens.split())
        for rule, required, targeted, located, floor in RULES:
            if required <= tokens and tokens & targeted and tokens & located and findings[0].score < floor:
                f = findings[0]
                spans = f.spans or tuple(self.evidence(text, cheap(text).features.matches))
                words = sorted({m.text for m in cheap(text).features.matches if m.concept in ("incite", "home")})
                findings[0] = replace(f, score=floor, spans=tuple(spans),
                                      explanation={**f.explanation, "rule": rule, "words": words})
        return findings
