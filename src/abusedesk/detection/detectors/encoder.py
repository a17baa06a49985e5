"""Languages without a linear model of their own: the multilingual encoder alone (cross-lingual transfer).

The heads are trained on English, Arabic, Spanish contrast sets and the HateCheck languages; for a language in
`OTHER_LANGS` (covered by the encoder, configured with ABUSEDESK_DETECTION_LANGS) the encoder's scores, normalised
with the English thresholds, are the findings. Silent when the encoder package is not installed.
"""

from __future__ import annotations

from abusedesk.detection import scoring
from abusedesk.detection.detectors import examples as contract
from abusedesk.detection.detectors.base import explanation
from abusedesk.sdk.detection import Detector, Finding, PreparedText


class EncoderDetector(Detector):
    name = "encoder"
    version = "2.0"
    categories = ("threat", "harassment", "hate")
    languages = scoring.OTHER_LANGS
    examples = contract.ENCODER

    def detect(self, text: PreparedText) -> list[Finding]:
        if not self.handles(text.lang) or not text.form.strip():
            return []
        s = scoring.scored(text)
        if s.encoder is None:
            return []
        return [self.finding(c, s.scores[c], (), **explanation(s, c, "encoder.other_language"), words=[])
                for c in self.categories]
