"""Threat of violence against a person or a group: direct, conditional, veiled, deadline, incitement.

The cascade (scoring.py) weighs the poster's OWN words: a threat inside quotation marks or reported speech
("he threatened to…", "amenazó con…", "هدده…") in a post that condemns or reports it does not count, and the
finding lists those stretches as `others_words`. Figurative violence, fiction, news, calls for jail or lawsuits
and negation are hard negatives the models were trained on (real and contrast data).
"""

from __future__ import annotations

from dataclasses import replace

from abusedesk.detection import scoring
from abusedesk.detection.detectors import examples as contract
from abusedesk.detection.detectors.base import CheapCategoryDetector
from abusedesk.detection.lexicon import sentence_concepts
from abusedesk.sdk.detection import Finding, PreparedText, Span

#: what makes a text threatening in words; a text with none of these but a location is exposure, not a threat
THREAT_CONCEPTS = frozenset({"violence", "incite", "veiled", "deadline", "harm_outcome"})
LOCATING = frozenset({"address", "coordinates", "licence_plate"})
#: rule `threat.incitement_at_home`: in one sentence, a call on others + a person's home + the harm promised
HOME = frozenset({"home", "expose"})
HARM = frozenset({"harm_outcome", "violence", "veiled"})
INCITEMENT_FLOOR = 0.75
#: rule `threat.direct`: violence + intent or a call to act + a person, with none of the contexts that defuse it
DIRECT_FLOOR = 0.7
DEFUSING = frozenset({"figurative", "gaming", "fiction", "news", "negation", "report", "condemn", "quote", "court"})


class ThreatDetector(CheapCategoryDetector):
    name = "threat"
    category = "threat"
    categories = ("threat",)
    anchors = ("violence", "incite", "veiled", "deadline", "cond")
    span_type = "threat"
    examples = contract.THREAT

    def detect(self, text: PreparedText) -> list[Finding]:
        findings = self._incitement_at_home(text, super().detect(text))
        findings = self._direct(text, findings)
        return self._location_alone(text, findings)

    def _direct(self, text: PreparedText, findings: list[Finding]) -> list[Finding]:
        """Rule `threat.direct`: a sentence of the poster's own words with violence, intent or a call to act ("I'm
        going to", "vas a", "راح"), and a person ("you", "her") — and no figurative, gaming, fiction, news,
        negation, quotation or condemnation context — is a threat: a score of at least 0.7. The explicit threat is
        the commonest kind; the models may miss an unusual wording of it, the rule does not."""
        if not findings or findings[0].score >= DIRECT_FLOOR:
            return findings
        s = scoring.scored(text)
        own = s.features.prepared
        for start, end, concepts in sentence_concepts(own, s.features.matches):
            if ("violence" in concepts and concepts & {"fut", "incite"} and concepts & {"you", "her_him"}
                    and not concepts & DEFUSING):
                return [self._floored(text, s, findings[0], (start, end), DIRECT_FLOOR, "threat.direct",
                                      {"violence", "fut", "incite", "you", "her_him"})]
        return findings

    def _floored(self, text: PreparedText, s: scoring.Scored, f: Finding, sentence: tuple[int, int], floor: float,
                 rule: str, concepts: set[str]) -> Finding:
        a, b = s.features.prepared.to_original(*sentence)
        words = sorted({m.text for m in s.features.matches if sentence[0] <= m.start < sentence[1]
                        and m.concept in concepts})
        return replace(f, score=floor, spans=(Span(a, b, "threat", text.original[a:b]),),
                       explanation={**f.explanation, "rule": rule, "model_score": round(f.score, 4), "words": words})

    def _incitement_at_home(self, text: PreparedText, findings: list[Finding]) -> list[Finding]:
        """Rule `threat.incitement_at_home`: a sentence of the poster's own words that calls on others ("someone
        should", "one of you", "que alguien", "لازم حد"), names a person's home or address, and says what should
        happen to them (violence, a veiled threat, "teach her a lesson", "make sure she never…") is a threat, however
        mild its words: a score of at least 0.75. A visit without the harm ("someone should bring her flowers") or
        the harm without the call is left to the models."""
        if not findings or findings[0].score >= INCITEMENT_FLOOR:
            return findings
        s = scoring.scored(text)
        own = s.features.prepared
        for start, end, concepts in sentence_concepts(own, s.features.matches):
            if "incite" in concepts and concepts & HOME and concepts & HARM:
                return [self._floored(text, s, findings[0], (start, end), INCITEMENT_FLOOR,
                                      "threat.incitement_at_home", {"incite", *HOME, *HARM})]
        return findings

    def _location_alone(self, text: PreparedText, findings: list[Finding]) -> list[Finding]:
        """Rule `threat.location_is_not_a_threat`: a post whose own words hold a home address, coordinates or a
        plate but no violent, inciting, veiled or deadline wording is exposure (the doxxing detector's business),
        not a threat, whatever the models make of the address: its threat score is held below the threshold."""
        if not findings or findings[0].score < 0.5:
            return findings
        s = scoring.scored(text)
        concepts = {m.concept for m in s.features.matches}
        if concepts & THREAT_CONCEPTS or not any(p.type in LOCATING for p in s.features.pii):
            return findings
        f = findings[0]
        return [replace(f, score=0.45, spans=(),
                        explanation={**f.explanation, "rule": "threat.location_is_not_a_threat",
                                     "model_score": round(f.score, 4)})]
