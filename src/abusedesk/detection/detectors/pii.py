"""Personal-data spans (addresses, phones, emails, national IDs, coordinates, licence plates).

Language-independent recognisers with language-dependent hints (phone regions). The finding's score is the
recogniser's confidence that the span IS personal data, not that the text is doxxing: the doxxing
detector decides that from context.
"""

from __future__ import annotations

from abusedesk.detection.detectors import examples as contract
from abusedesk.detection.pii import find_pii
from abusedesk.sdk.detection import Detector, Finding, PreparedText, Span

CONFIDENCE = {"email": 0.99, "national_id": 0.97, "phone": 0.95, "coordinates": 0.95,
              "address": 0.9, "licence_plate": 0.85}


class PiiDetector(Detector):
    name = "pii"
    version = "1.0"
    categories = ("pii",)
    languages = ("*",)
    examples = contract.PII

    def detect(self, text: PreparedText) -> list[Finding]:
        spans = find_pii(text)
        by_type: dict[str, list[Span]] = {}
        for s in spans:
            by_type.setdefault(s.type, []).append(s)
        return [self.finding("pii", CONFIDENCE[ty], found, rule=f"pii.{ty}", words=[ty])
                for ty, found in sorted(by_type.items())]
