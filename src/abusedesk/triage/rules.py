"""Severity from findings, by rules that are data (triage/data/severity_rules.json, or the file named by
ABUSEDESK_SEVERITY_RULES), versioned and validated when the desk starts (TriageConfig.ready): a malformed file
stops start-up with an error naming the rule and field.

The shipped rules, most severe first (docs/concepts.md, severities):
- S0 imminent threat to life: a threat of violence that is the poster's own (not quoted or reported to condemn it)
  AND a private location of the same person (a home address, coordinates or a licence plate in a doxxing finding,
  not a business's address) in the same case — the threat and the location have met (`threat_at_location`);
- S1: a threat, or doxxing (personal data of a private person in a doxxing context);
- S2: targeted harassment or hate;
- otherwise the severity stays where the reported category put it.
Rules only raise severity; an analyst lowers it. Each verdict carries the rule id and version, which are logged,
audited and shown on the case page.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, field_validator, model_validator

from abusedesk.common.validation import DataModel, problems

logger = logging.getLogger("abusedesk.triage")

DEFAULT_RULES = Path(__file__).parent / "data" / "severity_rules.json"
SEVERITIES = ("S0", "S1", "S2", "S3")
CONDITIONS = frozenset({"threat", "doxxing", "harassment", "hate", "pii", "located", "threat_at_location"})
THRESHOLD = 0.5
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def _known_condition(name: str) -> str:
    if name not in CONDITIONS:
        raise ValueError(f"unknown condition {name!r}; known: {', '.join(sorted(CONDITIONS))}")
    return name


Condition = Annotated[str, AfterValidator(_known_condition)]


class RulesError(ValueError):
    """The rules file is not valid; the message names the rule and the field."""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    all: frozenset[str]
    any: frozenset[str]
    reason: str


@dataclass(frozen=True)
class RuleSet:
    version: int
    threshold: float
    locating_spans: frozenset[str]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Verdict:
    severity: str | None
    reason: str
    rule: str = ""
    evidence: tuple[str, ...] = ()  # which texts and spans made the rule fire, for the case page


class _RuleIn(DataModel):
    id: NonEmpty
    severity: Literal["S0", "S1", "S2", "S3"]
    all: list[Condition] = []
    any: list[Condition] = []
    reason: Annotated[str, StringConstraints(min_length=1)]  # the case page shows it

    @model_validator(mode="after")
    def _some_condition(self) -> _RuleIn:
        if not self.all and not self.any:
            raise ValueError("needs 'all' or 'any' conditions")
        return self


class _RulesIn(DataModel):
    version: int = Field(ge=1)
    threshold: float = Field(THRESHOLD, gt=0, lt=1)
    locating_spans: list[NonEmpty] = ["address", "coordinates", "licence_plate"]
    rules: list[_RuleIn] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: list[_RuleIn]) -> list[_RuleIn]:
        ids = [r.id for r in rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"ids must be unique ({', '.join(repeated)} repeated)")
        return rules


def parse_rules(data: Any, *, source: str = "severity_rules.json") -> RuleSet:
    """Validate a rules document (the JSON shape of data/severity_rules.json); errors name the rule and field."""
    try:
        parsed = _RulesIn.model_validate(data)
    except ValidationError as exc:
        said = "; ".join(f"{where or '(file)'}: {what}" for where, what in problems(exc))
        raise RulesError(f"{source}: {said}") from None
    rules = tuple(Rule(id=r.id, severity=r.severity, all=frozenset(r.all), any=frozenset(r.any), reason=r.reason)
                  for r in parsed.rules)
    return RuleSet(version=parsed.version, threshold=parsed.threshold, rules=rules,
                   locating_spans=frozenset(parsed.locating_spans))


def s0_needs_location(ruleset: RuleSet, span_types: frozenset[str]) -> bool:
    """Whether a text can be S0 only if it holds a personal-data span of a locating type: every S0 rule needs
    `located` or `threat_at_location` among its `all` conditions, and every locating span type is one of
    `span_types` (the pattern recognisers' kinds; a located doxxing finding's spans of those types are theirs).
    Screening (pipeline/screen.py) then leaves the models unrun on a text without such a span; a ruleset that makes
    S0 some other way, or counts a span the recognisers do not find (a name), is screened in full."""
    needs = frozenset({"located", "threat_at_location"})
    s0 = [r for r in ruleset.rules if r.severity == "S0"]
    return all(needs & r.all for r in s0) and ruleset.locating_spans <= span_types


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> RuleSet:
    from django.conf import settings

    file = Path(path or settings.SEVERITY_RULES_PATH or DEFAULT_RULES)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesError(f"{file}: cannot be read as JSON ({exc})") from None
    return parse_rules(data, source=str(file.name))


def _located(f: dict[str, Any], ruleset: RuleSet) -> bool:
    """A doxxing finding that found a PRIVATE location (the doxxing detector rules out businesses and offices)."""
    explanation = f.get("explanation") or {}
    return f["category"] == "doxxing" and bool(explanation.get("private_location", True)) and any(
        str(s.get("type")) in ruleset.locating_spans for s in f.get("spans", []))


def _where(f: dict[str, Any]) -> str:
    explanation = f.get("explanation") or {}
    if "post_index" in explanation:
        return f"post {explanation['post_index']}"
    return str(f.get("source") or "report text").replace("_", " ")


def _text_key(f: dict[str, Any]) -> tuple[Any, ...]:
    explanation = f.get("explanation") or {}
    return (f.get("source"), f.get("report"), f.get("evidence"), explanation.get("thread"),
            explanation.get("post_index"))


def _same_target(threat: dict[str, Any], place: dict[str, Any]) -> bool:
    """Same text; or a target named in both; or a threat that names nobody ("her", "you") in the same thread or
    report as the location."""
    if _text_key(threat) == _text_key(place):
        return True
    a = set((threat.get("explanation") or {}).get("targets") or [])
    b = set((place.get("explanation") or {}).get("targets") or [])
    if a & b:
        return True
    group_a = (threat.get("explanation") or {}).get("thread") or threat.get("report")
    group_b = (place.get("explanation") or {}).get("thread") or place.get("report")
    return not a and group_a is not None and group_a == group_b


def _meeting(hits: list[dict[str, Any]], ruleset: RuleSet) -> tuple[str, ...]:
    """Where a threat and a private location of the same person meet: a description of both, or ()."""
    threats = [f for f in hits if f["category"] == "threat"]
    places = [f for f in hits if _located(f, ruleset)]
    for t in threats:
        for p in places:
            if _same_target(t, p):
                kinds = sorted({str(s.get("type")) for s in p.get("spans", [])
                                if s.get("type") in ruleset.locating_spans})
                spans = [s for s in t.get("spans", []) if s.get("type") == "threat"][:1]
                at = f" chars {spans[0]['start']}-{spans[0]['end']}" if spans and "start" in spans[0] else ""
                return (f"threat: {_where(t)}{at}", f"private location ({', '.join(kinds)}): {_where(p)}")
    return ()


def may_raise(severity: str, new: list[dict[str, Any]], *, threat_in_case: bool, located_in_case: bool,
              ruleset: RuleSet | None = None) -> bool:
    """Whether findings just added to a case at `severity` could make a more severe rule fire, so a batch re-triages
    only when it can matter. Sound because facts come only from findings at or above the threshold, and a rule that
    did not fire at the last re-triage fires now only through a fact these findings add: their categories,
    `located`, and `threat_at_location` when a new threat can meet a place (new or already in the case) or a new
    place a threat. `threat_in_case` / `located_in_case`: the case already has a threat / doxxing finding at or
    above the threshold (doxxing for located: a superset, so still sound)."""
    ruleset = ruleset or load_rules()
    hits = [f for f in new if float(f["score"]) >= ruleset.threshold]
    facts = {str(f["category"]) for f in hits}
    located = any(_located(f, ruleset) for f in hits)
    if located:
        facts.add("located")
    if ("threat" in facts and (located or located_in_case)) or (located and threat_in_case):
        facts.add("threat_at_location")
    above = [r for r in ruleset.rules if SEVERITIES.index(r.severity) < SEVERITIES.index(severity)]
    return any((rule.all | rule.any) & facts for rule in above)


def _facts(findings: list[dict[str, Any]], ruleset: RuleSet) -> tuple[set[str], tuple[str, ...]]:
    hits = [f for f in findings if float(f["score"]) >= ruleset.threshold]
    facts = {str(f["category"]) for f in hits}
    if any(_located(f, ruleset) for f in hits):
        facts.add("located")
    meeting = _meeting(hits, ruleset)
    if meeting:
        facts.add("threat_at_location")
    return facts, meeting


def evaluate(findings: list[dict[str, Any]], ruleset: RuleSet | None = None) -> Verdict:
    """findings: [{"category", "score", "spans": [{"type", ...}], "explanation"?, "source"?, "report"?,
    "evidence"?}] over every text of one case."""
    ruleset = ruleset or load_rules()
    facts, meeting = _facts(findings, ruleset)
    for rule in ruleset.rules:
        if rule.all <= facts and (not rule.any or rule.any & facts):
            shown = meeting if "threat_at_location" in rule.all else ()
            verdict = Verdict(rule.severity, rule.reason, f"{rule.id}@v{ruleset.version}", shown)
            logger.debug("triage rule %s fired: %s", verdict.rule, verdict.reason)
            return verdict
    return Verdict(None, "no rule matched", "")
