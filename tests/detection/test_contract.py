"""The detector contract (abusedesk.detection.contract) holds for every registered detector, built-in or plug-in."""

from __future__ import annotations

import pytest

from abusedesk.detection import registry
from abusedesk.detection.contract import check, declared_gaps
from abusedesk.sdk.detection import Detector, Example, Finding, PreparedText

DETECTORS = registry.build_registry().detectors()


@pytest.mark.parametrize("detector", DETECTORS, ids=[d.name for d in DETECTORS])
def test_every_detector_declares_a_positive_and_a_negative_per_language(detector: Detector) -> None:
    assert declared_gaps(type(detector)) == []


@pytest.mark.parametrize("detector", DETECTORS, ids=[d.name for d in DETECTORS])
def test_every_detector_keeps_its_examples(detector: Detector) -> None:
    assert check(detector) == []


class Liar(Detector):
    name, version, categories, languages = "liar", "0.1", ("harassment",), ("en",)
    examples = (Example("en", "harassment", "you absolute clown", True),
                Example("en", "harassment", "have a lovely day", False))

    def detect(self, text: PreparedText) -> list[Finding]:
        return [self.finding("harassment", 0.9)]  # says yes to everything


class Silent(Detector):
    name, version, categories, languages = "silent", "0.1", ("threat",), ("en", "es")
    examples = (Example("en", "threat", "i will hurt you", True),)

    def detect(self, text: PreparedText) -> list[Finding]:
        return []


def test_a_detector_breaking_its_promise_is_named_with_the_example() -> None:
    failures = check(Liar())
    assert len(failures) == 1 and "have a lovely day" in failures[0] and "want < 0.5" in failures[0]


def test_missing_examples_are_named_per_language_and_the_registry_refuses_them() -> None:
    gaps = declared_gaps(Silent)
    assert any("no negative example for language 'en'" in g for g in gaps)
    assert any("no positive example for language 'es'" in g for g in gaps)
    with pytest.raises(registry.RegistryError, match="must declare `examples`"):
        registry.validate(Silent)
