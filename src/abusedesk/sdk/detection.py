"""Public plugin API for detectors.

A detector is a small class that declares what it handles (name, version, categories, languages) and turns a
`PreparedText` into `Finding`s. Plugins receive plain frozen dataclasses, never ORM objects, so a third-party
detector can be tested without Django and run inside a bulk-scan worker. Third-party detectors are published
under the Python entry-point group ``abusedesk.detectors``; built-ins go through the same registry
(`abusedesk.detection.registry`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

#: Categories a detector may report. `doxxing`, `threat`, `harassment` and `hate` are scored;
#: `pii` findings carry personal-data spans that feed the doxxing decision; `target` names who a text is about.
CATEGORIES: tuple[str, ...] = ("threat", "doxxing", "harassment", "hate", "pii", "target")

#: Span types the built-in detectors emit.
SPAN_TYPES: tuple[str, ...] = (
    "address",
    "phone",
    "email",
    "national_id",
    "coordinates",
    "licence_plate",
    "person_name",
    "handle",
    "employer",
    "school",
    "routine",
    "family",
    "threat",
    "insult",
    "slur",
    "pile_on",
)


@dataclass(frozen=True)
class Span:
    """A character range of the ORIGINAL text: ``text == original[start:end]``."""

    start: int
    end: int
    type: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "type": self.type, "text": self.text}


@dataclass(frozen=True)
class Finding:
    """One detector's verdict on one category, with the evidence an analyst needs to check it.

    `explanation` holds at least ``rule`` or ``model`` (the id of what fired) and ``words`` (the words or
    features that drove it), so the console can show why and transparency reports can count by rule.
    """

    detector: str
    version: str
    category: str
    score: float
    spans: tuple[Span, ...] = ()
    explanation: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score!r}")
        object.__setattr__(self, "spans", tuple(self.spans))

    def to_json(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "version": self.version,
            "category": self.category,
            "score": round(self.score, 4),
            "spans": [s.to_json() for s in self.spans],
            **dict(self.explanation),
        }


@dataclass(frozen=True)
class Target:
    """Who a text is about: the triage stage groups reports by target across sites."""

    name: str
    aliases: tuple[str, ...] = ()
    spans: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "spans", tuple(self.spans))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "aliases": list(self.aliases), "spans": [s.to_json() for s in self.spans]}


@dataclass(frozen=True)
class Example:
    """A text a detector promises to judge a certain way: the detector's contract, run for built-ins and plugins
    alike (`abusedesk.detection.contract`). `expect` True means `category` must score >= 0.5, False means below; hard
    negatives (figurative speech, quotation, a business's address…) are the examples that matter most."""

    lang: str
    category: str
    text: str
    expect: bool
    note: str = ""


@dataclass(frozen=True)
class PreparedText:
    """The original text plus the normalised form detectors match on.

    `form` is NFKC-normalised, casefolded, with zero-width/bidi controls removed, homoglyphs and leetspeak
    folded and Arabic letters unified. `offsets[i]` is the original index of ``form[i]``, and
    ``offsets[len(form)] == len(original)``, so a match ``form[a:b]`` maps back with `span`.
    `controls` counts what was removed (an evasion signal in itself). `plain` (with `plain_offsets`) is the
    lighter form personal-data recognisers use: NFKC and controls removed, case and digits kept.
    `langs` gives the share of the text in each detected language (mixed-language text).
    """

    original: str
    form: str
    offsets: tuple[int, ...]
    lang: str = "und"
    controls: Mapping[str, int] = field(default_factory=dict)
    plain: str = ""
    plain_offsets: tuple[int, ...] = ()
    langs: Mapping[str, float] = field(default_factory=dict)

    def to_original(self, start: int, end: int, *, plain: bool = False) -> tuple[int, int]:
        """Map a half-open range on `form` (or `plain`) to the smallest original range that covers it."""
        offsets = self.plain_offsets if plain else self.offsets
        if end <= start:
            pos = offsets[min(start, len(offsets) - 1)]
            return pos, pos
        last = offsets[end - 1]
        # a character that expands (e.g. 'ﬁ' -> 'fi') gives several form chars one original index,
        # so the end is just after the original character of the last form char
        return offsets[start], last + 1

    def span(self, start: int, end: int, type_: str, *, plain: bool = False) -> Span:
        """A `Span` on the original text for the range ``[start, end)`` of `form` (or `plain`)."""
        a, b = self.to_original(start, end, plain=plain)
        return Span(a, b, type_, self.original[a:b])


class Detector(ABC):
    """Base class for every detector, built-in or plugin.

    Subclasses set the class attributes and implement `detect`. A detector must be cheap to construct and
    safe to call from several threads once constructed (load models lazily and once).
    """

    name: ClassVar[str]
    version: ClassVar[str]
    categories: ClassVar[Sequence[str]]
    languages: ClassVar[Sequence[str]]  # ISO 639-1 codes; ("*",) means language-independent
    #: at least one positive and one negative example per declared language (one language for "*")
    examples: ClassVar[Sequence[Example]] = ()

    @abstractmethod
    def detect(self, text: PreparedText) -> list[Finding]:
        """Return findings for `text` (an empty list when nothing is found)."""

    def handles(self, lang: str) -> bool:
        return "*" in self.languages or lang in self.languages

    def finding(
        self, category: str, score: float, spans: Sequence[Span] = (), **explanation: Any
    ) -> Finding:
        """Build a Finding stamped with this detector's name and version."""
        score = min(1.0, max(0.0, float(score)))
        return Finding(self.name, self.version, category, score, tuple(spans), explanation)
