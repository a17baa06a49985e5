"""Threat of violence against a person or a group: direct, conditional, veiled, deadline, incitement.

The cascade (scoring.py) weighs the poster's OWN words: a threat inside quotation marks or reported speech
("he threatened to…", "amenazó con…", "هدده…") in a post that condemns or reports it does not count, and the
finding lists those stretches as `others_words`. Figurative violence, fiction, news, calls for jail or lawsuits
and negation are hard negatives the models were trained on (real and contrast data).
"""

from __future__ import annotations

from abusedesk.detection.detectors import examples as contract
from abusedesk.detection.detectors.base import CheapCategoryDetector


class ThreatDetector(CheapCategoryDetector):
    name = "threat"
    category = "threat"
    categories = ("threat",)
    anchors = ("violence", "incite", "veiled", "deadline", "cond")
    span_type = "threat"
    examples = contract.THREAT
