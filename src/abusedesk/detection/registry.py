"""The detector registry: built-ins and third-party plugins go through the same function.

Built-ins are listed here as entry-point-style strings ("module:Class") and loaded exactly like plugins
published under the Python entry-point group ``abusedesk.detectors``, so a plugin has no privilege a
built-in lacks and vice versa. Names must be unique; a plugin cannot silently replace a built-in.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterator
from importlib.metadata import entry_points

from abusedesk.detection.contract import declared_gaps
from abusedesk.sdk.detection import CATEGORIES, Detector

ENTRY_POINT_GROUP = "abusedesk.detectors"
BUILTINS = (
    "pii = abusedesk.detection.detectors.pii:PiiDetector",
    "threat = abusedesk.detection.detectors.threat:ThreatDetector",
    "doxxing = abusedesk.detection.detectors.doxxing:DoxxingDetector",
    "harassment = abusedesk.detection.detectors.harassment:HarassmentDetector",
    "hate = abusedesk.detection.detectors.hate:HateDetector",
    "encoder = abusedesk.detection.detectors.encoder:EncoderDetector",
)
log = logging.getLogger(__name__)


class RegistryError(ValueError):
    """A detector is malformed or its name is already taken."""


def _load_ref(ref: str) -> type[Detector]:
    module, _, attr = ref.partition(":")
    # not checked here: Registry.register validates what it is given
    loaded: type[Detector] = getattr(importlib.import_module(module.strip()), attr.strip())
    return loaded


def validate(cls: type) -> type[Detector]:
    """Reject classes that do not declare what they handle; errors name the attribute."""
    if not (isinstance(cls, type) and issubclass(cls, Detector)):
        raise RegistryError(f"{cls!r} is not a subclass of abusedesk.sdk.detection.Detector")
    for attr in ("name", "version", "categories", "languages"):
        if not getattr(cls, attr, None):
            raise RegistryError(f"detector {cls.__name__} must declare a non-empty `{attr}`")
    unknown = set(cls.categories) - set(CATEGORIES)
    if unknown:
        raise RegistryError(f"detector {cls.name}: unknown categories {sorted(unknown)}")
    gaps = declared_gaps(cls)
    if gaps:
        raise RegistryError(f"detector {cls.name} must declare `examples`: {'; '.join(gaps)}")
    return cls


class Registry:
    def __init__(self) -> None:
        self._detectors: dict[str, Detector] = {}

    def register(self, cls: type[Detector]) -> None:
        """THE way a detector is added (built-in or plugin)."""
        validate(cls)
        if cls.name in self._detectors:
            raise RegistryError(f"detector name {cls.name!r} is already registered")
        self._detectors[cls.name] = cls()

    def detectors(self) -> list[Detector]:
        return list(self._detectors.values())

    def get(self, name: str) -> Detector:
        return self._detectors[name]


def _refs(plugins: bool) -> Iterator[tuple[str, str, str]]:
    for line in BUILTINS:
        name, _, ref = line.partition("=")
        yield name.strip(), ref.strip(), "builtin"
    if plugins:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            yield ep.name, ep.value, "plugin"


def build_registry(*, plugins: bool = True) -> Registry:
    """Load built-ins then plugins; a broken plugin is logged and skipped, a broken built-in raises."""
    reg = Registry()
    for name, ref, kind in _refs(plugins):
        try:
            reg.register(_load_ref(ref))
        except Exception:
            if kind == "builtin":
                raise
            log.exception("detector plugin %s (%s) failed to load; skipped", name, ref)
    return reg


_lock = threading.Lock()
_default: Registry | None = None


def default_registry() -> Registry:
    global _default
    with _lock:
        if _default is None:
            _default = build_registry()
        return _default
