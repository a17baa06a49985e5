"""Per-language concept lexicons (data/lexicon/<lang>.json) and the concept features built from them.

Word n-grams learnt from a handful of templates memorise the templates; concepts generalise. A sentence
with a violent verb, a future marker and a second-person target is a threat whatever the exact words, and
the same verb next to "chapter", "match" or a quotation mark usually is not. The lexicons map words to
concepts; `concept_tokens` turns the concepts found in each sentence (and their pairs) into tokens the
n-gram model learns weights for, and the detectors use the matches as spans and explanations.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from abusedesk.sdk.detection import PreparedText, Span

LEXICON_LANGS = ("en", "es", "ar")
#: concepts whose co-occurrence with any other concept in a sentence is a feature of its own
ANCHORS = ("violence", "insult", "pileon", "group", "dehum", "home", "incite", "veiled", "first_person")
SENTENCE = re.compile(r"[^.!?؟\n]+[.!?؟\n]*")


@dataclass(frozen=True)
class Match:
    concept: str
    start: int
    end: int
    text: str


_PLAIN_ENTRY = re.compile(r"^\w+(?: \w+)*\*?$")
_TOKEN = re.compile(r"\w+")


def _regex(entry: str) -> str:
    """Regex for entries a word lookup cannot express: 're:' patterns, '~' infixes, punctuation."""
    from abusedesk.detection.prepare import fold

    if entry.startswith("re:"):
        return entry[3:]
    inside = entry.startswith("~")
    stem = entry.endswith("*")
    pattern = re.escape(fold(entry.strip("~*"))).replace(r"\ ", r"\s+")
    if inside:
        return pattern
    return rf"(?<!\w){pattern}" + (r"\w*" if stem else r"(?!\w)")


@dataclass
class Compiled:
    """Word entries in dictionaries (fast), the rest as one regex per concept."""

    phrases: dict[tuple[str, ...], list[str]]
    stems: dict[str, list[str]]
    regexes: dict[str, re.Pattern[str]]
    longest: int


def _build(concepts: dict[str, list[str]]) -> Compiled:
    from abusedesk.detection.prepare import fold

    phrases: dict[tuple[str, ...], list[str]] = {}
    stems: dict[str, list[str]] = {}
    fallback: dict[str, list[str]] = {}
    for name, entries in concepts.items():
        for e in entries:
            folded = fold(e.rstrip("*")) + ("*" if e.endswith("*") else "")
            if e.startswith(("re:", "~")) or not _PLAIN_ENTRY.match(folded):
                fallback.setdefault(name, []).append(e)
            elif folded.endswith("*") and " " not in folded:
                stems.setdefault(folded[:-1], []).append(name)
            elif folded.endswith("*"):
                fallback.setdefault(name, []).append(e)
            else:
                phrases.setdefault(tuple(folded.split()), []).append(name)
    regexes = {n: re.compile("|".join(f"(?:{_regex(e)})" for e in es)) for n, es in fallback.items()}
    return Compiled(phrases, stems, regexes, max((len(k) for k in phrases), default=1))


_lock = threading.Lock()
_compiled: dict[str, Compiled] = {}


def lexicon(lang: str) -> Compiled | None:
    """Compiled concept lexicon for `lang` (None for languages without one)."""
    if lang not in LEXICON_LANGS:
        return None
    with _lock:
        if lang not in _compiled:
            path = resources.files("abusedesk.detection").joinpath("data", "lexicon", f"{lang}.json")
            _compiled[lang] = _build(json.loads(path.read_text("utf-8"))["concepts"])
        return _compiled[lang]


def matches(t: PreparedText, lang: str | None = None) -> list[Match]:
    """Every concept match on the detection form of `t` (word lookups plus the fallback regexes)."""
    lex = lexicon(lang or t.lang)
    if lex is None:
        return []
    form = t.form
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(form)]
    out = []
    for i, (word, start, _) in enumerate(tokens):
        for k in range(2, len(word) + 1):
            for concept in lex.stems.get(word[:k], ()):
                out.append(Match(concept, start, tokens[i][2], word))
        key: tuple[str, ...] = ()
        for j in range(i, min(len(tokens), i + lex.longest)):
            if j > i and not form[tokens[j - 1][2] : tokens[j][1]].isspace():
                break
            key = (*key, tokens[j][0])
            for concept in lex.phrases.get(key, ()):
                out.append(Match(concept, start, tokens[j][2], form[start : tokens[j][2]]))
    for concept, pattern in lex.regexes.items():
        for m in pattern.finditer(form):
            if m.end() > m.start():
                out.append(Match(concept, m.start(), m.end(), m.group()))
    return out


def sentence_concepts(t: PreparedText, found: Iterable[Match]) -> list[tuple[int, int, set[str]]]:
    """(start, end, concepts) for each sentence of the detection form."""
    found = list(found)
    out = []
    for m in SENTENCE.finditer(t.form):
        inside = {f.concept for f in found if m.start() <= f.start < m.end()}
        out.append((m.start(), m.end(), inside))
    return out


def concept_tokens(t: PreparedText, found: list[Match], pii: list[Span], lang: str) -> str:
    """Tokens for the model: c_<concept>, c_<anchor>__<other> per sentence, p_<pii type> per text."""
    tokens: set[str] = set()
    for _, _, concepts in sentence_concepts(t, found):
        for c in concepts:
            tokens.add(f"c_{c}")
            if c in ANCHORS:
                tokens.update(f"c_{c}__{o}" for o in concepts if o != c)
    all_concepts = {f.concept for f in found}
    types = {s.type for s in pii}
    for ty in types:
        tokens.add(f"p_{ty}")
    if types:
        tokens.add("p_any")
        tokens.update(f"p_any__{c}" for c in all_concepts)
    if lang not in LEXICON_LANGS:
        tokens.add("l_other")
    return " ".join(sorted(tokens))
