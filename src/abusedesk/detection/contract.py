"""The detector contract: every detector's declared examples must come out as declared.

`check(detector)` runs each `Example` through the same preparation the desk uses (normalisation and, when the
example names no language, language identification) and returns one message per broken promise; `declared_gaps`
says which languages lack a positive or a negative example. The suite runs both for every registered detector,
built-in or plug-in (tests/detection/test_contract.py); a plug-in author runs them in their own tests:

    from abusedesk.detection.contract import check, declared_gaps
    assert not declared_gaps(MyDetector) and not check(MyDetector())
"""

from __future__ import annotations

from collections.abc import Callable

from abusedesk.sdk.detection import Detector, Example, PreparedText

Prepare = Callable[[str, str], PreparedText]


def declared_gaps(cls: type[Detector]) -> list[str]:
    """Languages (and categories) the detector declares without a positive and a negative example."""
    langs = [lang for lang in cls.languages if lang != "*"] or sorted({e.lang for e in cls.examples})[:1] or ["*"]
    gaps = []
    for lang in langs:
        mine = [e for e in cls.examples if e.lang == lang]
        for expect, word in ((True, "positive"), (False, "negative")):
            if not any(e.expect is expect for e in mine):
                gaps.append(f"{cls.__name__}: no {word} example for language {lang!r}")
    for e in cls.examples:
        if e.category not in cls.categories:
            gaps.append(f"{cls.__name__}: example category {e.category!r} is not one it declares")
    return gaps


def _default_prepare(text: str, lang: str) -> PreparedText:
    from abusedesk.detection.api import prepared

    return prepared(text, lang)


def score_of(detector: Detector, example: Example, prepare: Prepare | None = None) -> float:
    text = (prepare or _default_prepare)(example.text, example.lang)
    found = [f.score for f in detector.detect(text) if f.category == example.category]
    return max(found, default=0.0)


def check(detector: Detector, prepare: Prepare | None = None) -> list[str]:
    """One message per example that does not come out as declared."""
    failures = []
    for e in detector.examples:
        score = score_of(detector, e, prepare)
        if (score >= 0.5) is not e.expect:
            want = ">= 0.5" if e.expect else "< 0.5"
            failures.append(f"{detector.name} [{e.lang}] {e.category} {score:.2f}, want {want}: {e.text[:80]!r}")
    return failures


__all__ = ["Example", "check", "declared_gaps", "score_of"]
