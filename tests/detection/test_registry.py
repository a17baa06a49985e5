"""Built-ins and plugins are loaded through the same registry function."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from abusedesk.detection import registry
from abusedesk.sdk.detection import Detector, Example, Finding, PreparedText


class ShoutDetector(Detector):
    """A third-party style detector used as a plugin fixture."""

    name = "shout"
    version = "0.1"
    categories = ("harassment",)
    languages = ("en",)
    examples = (Example("en", "harassment", "STOP POSTING YOU CLOWN", True),
                Example("en", "harassment", "stop posting please", False))

    def detect(self, text: PreparedText) -> list[Finding]:
        loud = text.original.isupper() and len(text.original) > 5
        return [self.finding("harassment", 0.9 if loud else 0.0, rule="shout.caps", words=[])]


class Nameless(Detector):
    version = "1"
    categories = ("threat",)
    languages = ("en",)

    def detect(self, text):
        return []


def fake_entry_points(*eps):
    def entry_points(group=None):
        assert group == registry.ENTRY_POINT_GROUP
        return list(eps)

    return entry_points


def test_builtins_are_registered():
    names = [d.name for d in registry.build_registry(plugins=False).detectors()]
    assert names == ["pii", "threat", "doxxing", "harassment", "hate", "encoder"]


def test_plugin_from_entry_point_loads_like_a_builtin(monkeypatch):
    ep = EntryPoint("shout", f"{__name__}:ShoutDetector", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", fake_entry_points(ep))
    reg = registry.build_registry()
    shout = reg.get("shout")
    assert isinstance(shout, ShoutDetector)
    findings = shout.detect(PreparedText("STOP POSTING", "stop posting", tuple(range(13)), "en"))
    assert findings[0].detector == "shout" and findings[0].version == "0.1" and findings[0].score == 0.9


def test_broken_plugin_is_skipped_and_logged(monkeypatch, caplog):
    ep = EntryPoint("broken", "no.such.module:Thing", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", fake_entry_points(ep))
    reg = registry.build_registry()
    assert "broken" not in [d.name for d in reg.detectors()]
    assert "failed to load" in caplog.text


def test_plugin_cannot_take_a_builtin_name(monkeypatch):
    reg = registry.build_registry(plugins=False)

    class Threat(ShoutDetector):
        name = "threat"

    with pytest.raises(registry.RegistryError, match="already registered"):
        reg.register(Threat)


def test_detector_must_declare_name():
    with pytest.raises(registry.RegistryError, match="`name`"):
        registry.validate(Nameless)


def test_unknown_category_is_rejected():
    class Odd(ShoutDetector):
        name = "odd"
        categories = ("spam",)

    with pytest.raises(registry.RegistryError, match="unknown categories"):
        registry.validate(Odd)


def test_finding_score_must_be_in_unit_interval():
    with pytest.raises(ValueError, match="score"):
        Finding("x", "1", "threat", 1.5)
