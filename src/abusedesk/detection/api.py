"""The detection stage's public API: `analyse` and `analyse_many`.

Thread-safe; models are loaded lazily, once per process. A text is prepared (normalised with an offset
map), its language identified per sentence unless given, then every registered detector that handles the
language runs. Category scores: the maximum over findings of that category, except that a finding which
`supersedes` a category (the cascade's blended score) replaces the cheap findings for it. Built-in scores
are normalised so 0.5 is the per-language decision threshold; `labels` are categories scoring >= 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from abusedesk.sdk.detection import Finding, PreparedText, Span, Target

SCORED = ("threat", "doxxing", "harassment", "hate")
DECISION = 0.5


@dataclass(frozen=True)
class AnalysisResult:
    text: str
    lang: str
    labels: list[str]
    scores: dict[str, float]
    findings: list[Finding]
    spans: list[Span]
    targets: list[Target]
    langs: dict[str, float] = field(default_factory=dict)
    controls: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Exactly one `abusedesk classify` output line, without the id."""
        return {
            "lang": self.lang,
            "labels": list(self.labels),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "spans": [s.to_json() for s in self.spans],
            "explanations": [_explanation(f) for f in self.findings if f.score >= DECISION or f.category == "pii"],
        }


def _explanation(f: Finding) -> dict[str, Any]:
    out = {"detector": f.detector, "version": f.version, "category": f.category, "score": round(f.score, 4)}
    out.update({k: v for k, v in f.explanation.items() if k not in ("supersedes",)})
    return out


def prepared(text: str, lang: str | None = None) -> PreparedText:
    """One text prepared as `analyse_many` prepares it (language identified when not given)."""
    return prepare_many([text], [lang])[0]


def prepare_many(texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[PreparedText]:
    """Normalise each text and identify the language of those given none (one batched language-id call)."""
    from abusedesk.detection.prepare import prepare

    texts = list(texts)
    given = list(langs) if langs is not None else [None] * len(texts)
    if len(given) != len(texts):
        raise ValueError("langs must have one entry per text")
    it = iter(_identify([t for t, g in zip(texts, given, strict=True) if not g]))
    out: list[PreparedText] = []
    for text, g in zip(texts, given, strict=True):
        share = {g: 1.0} if g else next(it)
        code = g or next(iter(share), "und")
        t = prepare(text, code)
        out.append(PreparedText(t.original, t.form, t.offsets, code, t.controls, t.plain, t.plain_offsets, share))
    return out


def analyse(text: str, lang: str | None = None) -> AnalysisResult:
    return analyse_many([text], [lang])[0]


def analyse_many(texts: Sequence[str], langs: Sequence[str | None] | None = None, *,
                 as_one_by_one: bool = False) -> list[AnalysisResult]:
    """Analyse a batch: language id, the linear models and the encoder each run once over the batch. The encoder
    reads at most ABUSEDESK_DETECTION_ENCODER_SHARE of the batch; `as_one_by_one` lifts that, so each text gets what
    `analyse` would give it alone (the filing job analyses a campaign's reports so)."""
    from abusedesk.detection import scoring

    batch = prepare_many(texts, langs)
    scoring.prime(batch, as_one_by_one=as_one_by_one)
    return [_run(t) for t in batch]


def personal_data_kinds(texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[frozenset[str]]:
    """The kinds of personal data (pii.PRIORITY: address, phone, …) each text holds, from the pattern recognisers
    alone: normalisation, language id for texts given none, and no model. The same spans the doxxing detector
    starts from, so a kind missing here is missing from any finding (pipeline/screen.py relies on it)."""
    from abusedesk.detection.pii import find_pii

    return [frozenset(s.type for s in find_pii(t)) for t in prepare_many(texts, langs)]


def personal_data_kinds_known() -> frozenset[str]:
    """Every kind `personal_data_kinds` can name."""
    from abusedesk.detection.pii import PRIORITY

    return frozenset(PRIORITY)


def _identify(texts: list[str]) -> list[dict[str, float]]:
    from abusedesk.detection.langid import identify_many

    return identify_many(texts) if texts else []


def _run(t: PreparedText) -> AnalysisResult:
    from abusedesk.detection.registry import default_registry
    from abusedesk.detection.targets import extract_targets

    findings: list[Finding] = []
    for det in default_registry().detectors():
        if det.handles(t.lang):
            findings.extend(det.detect(t))
    scores = _aggregate(findings)
    labels = [c for c in SCORED if scores[c] >= DECISION]
    pii_spans = [s for f in findings if f.category == "pii" for s in f.spans]
    targets = extract_targets(t, exclude=pii_spans)
    spans = _spans(findings, labels)
    return AnalysisResult(t.original, t.lang, labels, scores, findings, spans, targets, dict(t.langs),
                          dict(t.controls))


def _aggregate(findings: list[Finding]) -> dict[str, float]:
    superseded = {(c, f.category) for f in findings for c in f.explanation.get("supersedes", [])}
    scores = dict.fromkeys(SCORED, 0.0)
    override: dict[str, float] = {}
    for f in findings:
        if f.category not in scores:
            continue
        if "supersedes" in f.explanation:
            override[f.category] = max(override.get(f.category, 0.0), f.score)
        elif (f.category, f.category) not in superseded or f.explanation.get("stage") != "cheap":
            scores[f.category] = max(scores[f.category], f.score)
    scores.update(override)
    return scores


def _spans(findings: list[Finding], labels: list[str]) -> list[Span]:
    """PII spans always; context and evidence spans of categories that were labelled."""
    keep = set(labels) | {"pii"}
    seen: set[tuple[int, int, str]] = set()
    out = []
    for f in findings:
        if f.category not in keep:
            continue
        for s in f.spans:
            if (s.start, s.end, s.type) not in seen:
                seen.add((s.start, s.end, s.type))
                out.append(s)
    return sorted(out, key=lambda s: (s.start, s.end))


def warm_up() -> None:
    """Load the models and language identification now (a worker does before its first job; settings.JOBS_WARM_UP)."""
    from abusedesk.detection.scoring import warm

    warm()
    analyse("warm-up", None)
