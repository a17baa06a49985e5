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
from typing import Any

logger = logging.getLogger("abusedesk.triage")

DEFAULT_RULES = Path(__file__).parent / "data" / "severity_rules.json"
SEVERITIES = ("S0", "S1", "S2", "S3")
CONDITIONS = frozenset({"threat", "doxxing", "harassment", "hate", "pii", "located", "threat_at_location"})
THRESHOLD = 0.5


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


def parse_rules(data: Any, *, source: str = "severity_rules.json") -> RuleSet:
    if not isinstance(data, dict):
        raise RulesError(f"{source}: must be a JSON object")
    version, threshold = data.get("version"), data.get("threshold", THRESHOLD)
    if not isinstance(version, int) or version < 1:
        raise RulesError(f"{source}: version must be a whole number ≥ 1")
    if not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        raise RulesError(f"{source}: threshold must be between 0 and 1")
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules:
        raise RulesError(f"{source}: rules must be a non-empty list")
    parsed = tuple(_rule(r, i, source) for i, r in enumerate(rules))
    ids = [r.id for r in parsed]
    if len(set(ids)) != len(ids):
        raise RulesError(f"{source}: rule ids must be unique")
    return RuleSet(version=version, threshold=float(threshold), rules=parsed,
                   locating_spans=frozenset(data.get("locating_spans", ["address", "coordinates", "licence_plate"])))


def _rule(raw: Any, index: int, source: str) -> Rule:
    where = f"{source}: rules[{index}]"
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object")
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        raise RulesError(f"{where}.id: is required")
    if raw.get("severity") not in SEVERITIES:
        raise RulesError(f"{where}.severity: must be one of {', '.join(SEVERITIES)}")
    every, some = frozenset(raw.get("all", [])), frozenset(raw.get("any", []))
    unknown = (every | some) - CONDITIONS
    if unknown:
        raise RulesError(f"{where}: unknown condition(s) {', '.join(sorted(unknown))}")
    if not every and not some:
        raise RulesError(f"{where}: needs 'all' or 'any' conditions")
    if not isinstance(raw.get("reason"), str) or not raw["reason"]:
        raise RulesError(f"{where}.reason: is required (the case page shows it)")
    return Rule(id=raw["id"], severity=raw["severity"], all=every, any=some, reason=raw["reason"])


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> RuleSet:
    from django.conf import settings

    file = Path(path or getattr(settings, "SEVERITY_RULES_PATH", "") or DEFAULT_RULES)
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
