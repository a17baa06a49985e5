# ruff: noqa: RUF001, RUF002 - Arabic clitics are the subject matter here
"""Per-language concept lexicons (data/lexicon/<lang>.json) and the concept features built from them.

Word n-grams learnt from a handful of templates memorise the templates; concepts generalise. A sentence
with a violent verb, a future marker and a second-person target is a threat whatever the exact words, and
the same verb next to "chapter", "match" or a quotation mark usually is not. The lexicons map words to
concepts; `concept_tokens` turns the concepts found in each sentence (and their pairs) into tokens the
n-gram model learns weights for, and the detectors use the matches as spans and explanations.

Lexicons hold general vocabulary and short constructions, never whole sentences: a memorised phrase only
finds itself again. Entries match whole words. A lexicon with a ``morphology`` section (Arabic) also
matches a word written with known proclitics and enclitics ("وبيتها" = و + بيت + ها) and, for verb
entries (``v:`` prefix), with dialect future/aspect prefixes and person prefixes ("هقتلك" = ه + قتل + ك);
the affixes themselves add concepts (a second-person enclitic is `you`, a future prefix on a verb is
`fut`). Nothing matches inside another word. Arabizi turned into Arabic script by `prepare` is matched
loosely (short vowels and emphatic letters are not written reliably in Latin script).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import TypedDict

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
    """Regex for entries a word lookup cannot express: 're:' patterns, punctuation (whole words only)."""
    from abusedesk.detection.prepare import fold

    if entry.startswith("re:"):
        return entry[3:]
    stem = entry.endswith("*")
    pattern = re.escape(fold(entry.strip("*"))).replace(r"\ ", r"\s+")
    return rf"(?<!\w){pattern}" + (r"\w*" if stem else r"(?!\w)")


@dataclass(frozen=True)
class Morph:
    """Affixes a word may carry around a lexicon entry (longest first; "" means none)."""

    proclitics: tuple[str, ...]
    enclitics: dict[str, str]  # clitic -> the concept it adds ("" for none)
    fut_prefixes: tuple[str, ...]
    person_prefixes: tuple[str, ...]
    verb_suffixes: tuple[str, ...]
    verb_proclitics: tuple[str, ...]
    #: concepts of function words (pronouns, particles): only the conjunctions may come before them
    function_concepts: frozenset[str]
    conjunctions: tuple[str, ...]


class MorphologySpec(TypedDict):
    """The ``morphology`` section of a lexicon file: affixes as written, before folding."""

    proclitics: list[str]
    enclitics: dict[str, list[str]]  # concept -> the clitics that add it
    verb_proclitics: list[str]
    fut_prefixes: list[str]
    person_prefixes: list[str]
    verb_suffixes: list[str]
    conjunctions: list[str]
    function_concepts: list[str]


def _affixes(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({*words, ""}, key=len, reverse=True))


def _morph(spec: MorphologySpec, norm: Callable[[str], str]) -> Morph:
    enclitics = {norm(e): concept for concept, es in spec["enclitics"].items() for e in es}
    return Morph(
        proclitics=_affixes(norm(p) for p in spec["proclitics"]),
        enclitics={"": "", **enclitics},
        fut_prefixes=_affixes(norm(p) for p in spec["fut_prefixes"]),
        person_prefixes=_affixes(norm(p) for p in spec["person_prefixes"]),
        verb_suffixes=_affixes(norm(p) for p in spec["verb_suffixes"]),
        verb_proclitics=_affixes(norm(p) for p in spec["verb_proclitics"]),
        function_concepts=frozenset(spec["function_concepts"]),
        conjunctions=_affixes(norm(p) for p in spec["conjunctions"]),
    )


@dataclass
class Compiled:
    """Word entries in dictionaries (fast), the rest as one regex per concept."""

    phrases: dict[tuple[str, ...], list[str]]
    stems: dict[str, list[str]]
    regexes: dict[str, re.Pattern[str]]
    longest: int
    verbs: dict[str, list[str]] = field(default_factory=dict)
    morph: Morph | None = None
    #: the same lexicon keyed by `loose` spellings, for words transliterated from Arabizi
    loose: Compiled | None = None
    cache: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)


def _build(concepts: dict[str, list[str]], spec: MorphologySpec | None = None,
           norm: Callable[[str], str] | None = None) -> Compiled:
    from abusedesk.detection.prepare import fold

    norm = norm or fold
    phrases: dict[tuple[str, ...], list[str]] = {}
    stems: dict[str, list[str]] = {}
    verbs: dict[str, list[str]] = {}
    fallback: dict[str, list[str]] = {}
    for name, entries in concepts.items():
        for e in entries:
            if e.startswith("v:"):
                verbs.setdefault(norm(e[2:]), []).append(name)
                continue
            if e.startswith("~"):
                raise ValueError(f"lexicon entry {e!r}: infix entries match inside words; use whole words")
            folded = norm(e.rstrip("*")) + ("*" if e.endswith("*") else "")
            if e.startswith("re:") or not _PLAIN_ENTRY.match(folded):
                fallback.setdefault(name, []).append(e)
            elif folded.endswith("*") and " " not in folded:
                stems.setdefault(folded[:-1], []).append(name)
            elif folded.endswith("*"):
                fallback.setdefault(name, []).append(e)
            else:
                phrases.setdefault(tuple(folded.split()), []).append(name)
    regexes = {n: re.compile("|".join(f"(?:{_regex(e)})" for e in es)) for n, es in fallback.items()}
    longest = max((len(k) for k in phrases), default=1)
    return Compiled(phrases, stems, regexes, longest, verbs, _morph(spec, norm) if spec else None)


def loose(word: str) -> str:
    """Arabic spelling with what Arabizi does not write reliably removed: alef (short/long a), emphatics.

    Used on both sides (the lexicon entry and the transliterated word), so "7mar" (حمر) meets حمار.
    """
    return word.translate(_LOOSE)


_LOOSE = str.maketrans({"ا": None, "ء": None, "ط": "ت", "ص": "س", "ض": "د", "ظ": "ز", "ذ": "د", "ث": "ت",
                        "ة": "ه", "ى": "ي"})

_lock = threading.Lock()
_compiled: dict[str, Compiled] = {}


def lexicon(lang: str) -> Compiled | None:
    """Compiled concept lexicon for `lang` (None for languages without one)."""
    if lang not in LEXICON_LANGS:
        return None
    with _lock:
        if lang not in _compiled:
            from abusedesk.detection.prepare import fold

            data = json.loads(resources.files("abusedesk.detection").joinpath("data", "lexicon", f"{lang}.json")
                              .read_text("utf-8"))
            spec = data.get("morphology")
            lex = _build(data["concepts"], spec)
            if spec:
                words = {k: [e for e in v if not e.startswith("re:")] for k, v in data["concepts"].items()}
                lex.loose = _build(words, spec, norm=lambda s: loose(fold(s)))
            _compiled[lang] = lex
        return _compiled[lang]


def matches(t: PreparedText, lang: str | None = None) -> list[Match]:
    """Every concept match on the detection form of `t` (word lookups plus the fallback regexes)."""
    lex = lexicon(lang or t.lang)
    if lex is None:
        return []
    form = t.form
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(form)]
    out = _morph_matches(t, lex, tokens) if lex.morph else _word_matches(form, lex, tokens)
    for concept, pattern in lex.regexes.items():
        for m in pattern.finditer(form):
            if m.end() > m.start():
                out.append(Match(concept, m.start(), m.end(), m.group()))
    return out


def _word_matches(form: str, lex: Compiled, tokens: list[tuple[str, int, int]]) -> list[Match]:
    out = []
    for i, (word, start, _) in enumerate(tokens):
        for k in range(2, len(word) + 1):
            for concept in lex.stems.get(word[:k], ()):
                out.append(Match(concept, start, tokens[i][2], word))
        key: tuple[str, ...] = ()
        for j in range(i, min(len(tokens), i + lex.longest)):
            if j > i and not _adjacent(form, tokens, j):
                break
            key = (*key, tokens[j][0])
            for concept in lex.phrases.get(key, ()):
                out.append(Match(concept, start, tokens[j][2], form[start : tokens[j][2]]))
    return out


def _adjacent(form: str, tokens: list[tuple[str, int, int]], j: int) -> bool:
    return form[tokens[j - 1][2] : tokens[j][1]].isspace()


def _from_latin(t: PreparedText, start: int) -> bool:
    """Whether form[start] was written in Latin script (Arabizi transliterated by `prepare`)."""
    origin = t.offsets[start]
    return origin < len(t.original) and t.original[origin].isascii()


def _morph_matches(t: PreparedText, lex: Compiled, tokens: list[tuple[str, int, int]]) -> list[Match]:
    """Whole-token matching with clitics (Arabic); Arabizi-derived tokens use the loose lexicon."""
    form = t.form
    out: list[Match] = []
    for i, (_, start, end) in enumerate(tokens):
        latin = _from_latin(t, start)
        use = lex.loose if latin and lex.loose else lex
        word = _key(tokens[i][0], latin)
        for concept in _token_concepts(word, use):
            out.append(Match(concept, start, end, form[start:end]))
        for j in range(i + 1, min(len(tokens), i + use.longest)):
            if not _adjacent(form, tokens, j):
                break
            middle = tuple(_key(w, latin) for w, _, _ in tokens[i + 1 : j])
            last = _key(tokens[j][0], latin)
            for concept in _phrase_concepts(word, middle, last, use):
                out.append(Match(concept, start, tokens[j][2], form[start : tokens[j][2]]))
    return out


def _key(word: str, latin: bool) -> str:
    return loose(word) if latin else word


def _token_concepts(word: str, lex: Compiled) -> tuple[str, ...]:
    """Concepts of one token: entry with proclitics/enclitics, verb with its prefixes, stems (cached)."""
    hit = lex.cache.get(word)
    if hit is None:
        if len(lex.cache) > 200_000:
            lex.cache.clear()
        hit = lex.cache[word] = _analyse(word, lex)
    return hit


def _analyse(word: str, lex: Compiled) -> tuple[str, ...]:
    morph = lex.morph
    assert morph is not None
    found: list[str] = []
    for pro in (p for p in morph.proclitics if word.startswith(p) and len(word) - len(p) >= 2):
        rest = word[len(pro) :]
        content_only = pro not in morph.conjunctions
        for core, enc in _strip_back(rest, morph.enclitics):
            hit = [c for c in _noun(lex, core, enc) if not (content_only and c in morph.function_concepts)]
            found.extend(hit)
            if hit and morph.enclitics[enc]:
                found.append(morph.enclitics[enc])
        found.extend(c for k in range(2, len(rest) + 1) for c in lex.stems.get(rest[:k], ()))
    found.extend(_verb_concepts(word, lex, morph))
    return tuple(dict.fromkeys(found))


def _noun(lex: Compiled, core: str, enc: str) -> list[str]:
    """Entries for `core`; before an enclitic a feminine ending is written ت (سيارتها: سياره + ها)."""
    hit = list(lex.phrases.get((core,), ()))
    if enc and core.endswith("ت"):
        hit.extend(lex.phrases.get((core[:-1] + "ه",), ()))
    return hit


def _verb_concepts(word: str, lex: Compiled, morph: Morph) -> list[str]:
    found: list[str] = []
    for a in _strip_front(word, morph.verb_proclitics):
        for fut in (p for p in morph.fut_prefixes if a.startswith(p)):
            for b in _strip_front(a[len(fut) :], morph.person_prefixes):
                for stem, enc in _strip_back(b, morph.enclitics):
                    for core in _strip_back_plain(stem, morph.verb_suffixes):
                        hit = lex.verbs.get(core, ())
                        if hit:
                            found.extend(hit)
                            found.extend(x for x in (morph.enclitics[enc], "fut" if fut else "") if x)
    return found


def _strip_front(word: str, affixes: tuple[str, ...]) -> list[str]:
    return [word[len(p) :] for p in affixes if word.startswith(p) and len(word) - len(p) >= 2]


def _strip_back(word: str, enclitics: dict[str, str]) -> list[tuple[str, str]]:
    return [(word[: len(word) - len(e)], e) for e in enclitics if word.endswith(e) and len(word) - len(e) >= 2]


def _strip_back_plain(word: str, suffixes: tuple[str, ...]) -> list[str]:
    return [word[: len(word) - len(s)] for s in suffixes if word.endswith(s) and len(word) - len(s) >= 2]


def _phrase_concepts(first: str, middle: tuple[str, ...], last: str, lex: Compiled) -> list[str]:
    """Multi-word entries: proclitics on the first word, enclitics on the last, the rest exact."""
    morph = lex.morph
    assert morph is not None
    found: list[str] = []
    for head in _strip_front(first, morph.proclitics) or [first]:
        for tail, enc in _strip_back(last, morph.enclitics) or [(last, "")]:
            hit = lex.phrases.get((head, *middle, tail), ())
            found.extend(hit)
            if hit and morph.enclitics.get(enc):
                found.append(morph.enclitics[enc])
    return list(dict.fromkeys(found))


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
