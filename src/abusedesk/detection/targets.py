# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""Target extraction: who a text is about, so triage can group reports about one person across sites.

Cheap on purpose: handles (@x), capitalised personal names in Latin script (two or three words that are
not a street, a place word or a sentence-opening common word), Arabic names after a vocative or a
"real name" cue, or before a verb of residence/work. When a text has exactly one name and one handle they
are taken to be the same person (doxxing posts pair them: "@x is Jane Doe"), and third-person pronouns
are attached to a single target.
"""

from __future__ import annotations

import json
import re
from importlib import resources

from abusedesk.sdk.detection import PreparedText, Span, Target

_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{2,30}")
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’]+(?:-[A-ZÀ-Þ][a-zà-ÿ]+)?"
_NAME = re.compile(rf"(?<![\w@]){_CAP}(?:\s+(?:de\s+la\s+|del\s+|de\s+)?{_CAP}){{1,2}}(?!\w)")
_AR_NAME = re.compile(
    r"(?:(?<=يا )|(?<=الاسم الحقيقي )|(?<=اسمها )|(?<=اسمه ))[\u0621-\u064A]+(?: [\u0621-\u064A]+)?"
    r"|[\u0621-\u064A]{2,}(?: (?:ال)?[\u0621-\u064A]{2,})(?= (?:تسكن|يسكن|تعمل|يعمل|هي|هو|تدرس|يدرس))"
)

def _word_lists() -> tuple[frozenset[str], frozenset[str]]:
    data = json.loads(resources.files("abusedesk.detection").joinpath("data", "targets.json").read_text("utf-8"))
    return frozenset(data["not_first"]), frozenset(data["not_last"])


NOT_FIRST, NOT_LAST = _word_lists()
PRONOUNS = re.compile(r"(?<!\w)(she|her|hers|herself|he|him|his|himself|ella|él)(?!\w)", re.IGNORECASE)


def _names(text: PreparedText) -> list[Span]:
    out = []
    for m in _NAME.finditer(text.plain):
        words = m.group().split()
        while words and words[0].lower().strip("'’") in NOT_FIRST:
            words = words[1:]
        if len(words) < 2 or words[-1].lower().strip("'’.") in NOT_LAST:
            continue
        start = m.start() + m.group().index(words[0])
        out.append(text.span(start, m.end(), "person_name", plain=True))
    for m in _AR_NAME.finditer(text.plain):
        out.append(text.span(m.start(), m.end(), "person_name", plain=True))
    return out


def extract_targets(text: PreparedText, exclude: list[Span] | None = None) -> list[Target]:
    """Targets in order of first mention; names inside `exclude` spans (e.g. addresses) are skipped."""
    exclude = exclude or []
    names = [s for s in _names(text) if not any(e.start <= s.start < e.end for e in exclude)]
    handles = [text.span(m.start(), m.end(), "handle", plain=True) for m in _HANDLE.finditer(text.plain)]
    groups: dict[str, list[Span]] = {}
    for s in names + handles:
        groups.setdefault(s.text.lower().lstrip("@") if s.type == "handle" else s.text, []).append(s)
    targets = [_target(spans) for spans in groups.values()]
    distinct_names = {s.text for s in names}
    distinct_handles = {s.text.lower() for s in handles}
    if len(distinct_names) == 1 and len(distinct_handles) == 1:
        merged = sorted([*names, *handles], key=lambda s: s.start)
        targets = [Target(names[0].text, (handles[0].text,), tuple(merged))]
    if len(targets) == 1:
        pron = [text.span(m.start(), m.end(), "pronoun", plain=True) for m in PRONOUNS.finditer(text.plain)]
        t = targets[0]
        targets = [Target(t.name, t.aliases, tuple(sorted([*t.spans, *pron], key=lambda s: s.start)))]
    return sorted(targets, key=lambda t: t.spans[0].start if t.spans else 0)


def _target(spans: list[Span]) -> Target:
    first = spans[0]
    aliases = (first.text,) if first.type == "handle" else ()
    return Target(first.text, aliases, tuple(spans))
