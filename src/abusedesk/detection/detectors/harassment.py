"""Targeted harassment: insults aimed at a person and pile-on calls ("everyone spam her sponsors")."""

from abusedesk.detection.detectors import examples as contract
from abusedesk.detection.detectors.base import CheapCategoryDetector


class HarassmentDetector(CheapCategoryDetector):
    name = "harassment"
    category = "harassment"
    categories = ("harassment",)
    anchors = ("insult", "pileon")
    span_type = "harassment"
    examples = contract.HARASSMENT
