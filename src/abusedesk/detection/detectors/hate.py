"""Identity-based hate: dehumanising or derogatory statements about a protected group (incl. anti-trans
and misogynist abuse, learnt from EDOS for English)."""

from abusedesk.detection.detectors import examples as contract
from abusedesk.detection.detectors.base import CheapCategoryDetector


class HateDetector(CheapCategoryDetector):
    name = "hate"
    category = "hate"
    categories = ("hate",)
    anchors = ("group", "dehum")
    span_type = "hate"
    examples = contract.HATE
