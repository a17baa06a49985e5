"""Find a known person in free text in the shapes people actually write them, and redact them.

Exact matching misses how names travel online: `Qwertyvane_Canaryson`, `QwertyvaneCanaryson99`, `qcanaryson`,
a plus-tagged address `qwertyvane+abuse@canary-mail.test`. So we compare *tokens* (runs of letters, digits
and `_ . + @ -`), folded to lower case without accents, against what we know of the person:
- the whole name with every separator removed (`qwertyvanecanaryson`), anywhere inside a token;
- each name part of 4+ letters anywhere inside a token; parts of 3 letters only as a whole word
  (a substring "ann" would blank out "annual");
- the e-mail's local part with any `+tag` removed, by the same length rule, and its domain;
- the phone number's last nine digits in any spacing.
A token that matches goes as a whole (a handle with the name inside identifies as much as the name);
a domain is replaced on its own so a third party's address at the same provider keeps its local part.
Name parts that are also ordinary words ("Rose", "Will") are removed from prose too: for text that leaves
the desk a missing word costs less than a leaked name.
Used for the reporter's words forwarded "anonymously" and for analyst text that reaches a customer or the
public (statements of reasons, DSA statements), with reporters and targeted people (victims) as identities.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

REDACTED = "[redacted]"
TOKEN = re.compile(r"\w(?:[\w.+@-]*\w)?")
WORD_PART_MIN = 3  # shorter parts ("Li", "Al") are too common to remove from prose at all
SUBSTRING_MIN = 4  # parts this long are matched inside handles as well
PHONE_DIGITS_MIN = 6


@dataclass(frozen=True)
class Identity:
    """What we know of one person; every field may be empty."""

    name: str = ""
    email: str = ""
    phone: str = ""
    aliases: tuple[str, ...] = ()


def fold(text: str) -> str:
    """Lower case without accents, so `Zoë` and `ZOE` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class _Terms:
    inside: frozenset[str]  # matched anywhere inside a folded, separator-free token
    words: frozenset[str]  # matched only as a whole folded token
    domains: frozenset[str]
    phones: tuple[str, ...]


def _terms(identities: Iterable[Identity]) -> _Terms:
    inside: set[str] = set()
    words: set[str] = set()
    domains: set[str] = set()
    phones: list[str] = []
    for person in identities:
        for name in (person.name, *person.aliases):
            parts = [fold(p) for p in re.split(r"[\W_]+", name or "") if p]
            joined = "".join(parts)
            if len(joined) >= SUBSTRING_MIN:
                inside.add(joined)
            inside.update(p for p in parts if len(p) >= SUBSTRING_MIN)
            words.update(p for p in parts if len(p) == WORD_PART_MIN)
        local, _, domain = fold(person.email or "").strip().partition("@")
        local = _compact(local.split("+")[0])
        if len(local) >= SUBSTRING_MIN:
            inside.add(local)
        elif len(local) == WORD_PART_MIN:
            words.add(local)
        if "." in domain:
            domains.add(domain)
        digits = re.sub(r"\D", "", person.phone or "")
        if len(digits) >= PHONE_DIGITS_MIN:
            phones.append(digits[-9:])
    return _Terms(frozenset(inside), frozenset(words), frozenset(domains), tuple(phones))


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def redact_identities(text: str, identities: Iterable[Identity], placeholder: str = REDACTED) -> str:
    """`text` with every trace of the given people replaced by `placeholder`."""
    terms = _terms(identities)
    result = text or ""
    for digits in terms.phones:
        loose = r"\D{0,3}".join(re.escape(d) for d in digits)
        result = re.sub(r"\+?[\d\s().-]*" + loose, placeholder, result)

    def token(match: re.Match[str]) -> str:
        folded = fold(match.group(0))
        if folded in terms.words or any(term in _compact(folded) for term in terms.inside):
            return placeholder
        return match.group(0)

    if terms.inside or terms.words:
        result = TOKEN.sub(token, result)
    for domain in sorted(terms.domains, key=len, reverse=True):
        result = re.sub(r"(?<![\w-])" + re.escape(domain) + r"(?![\w-])", placeholder, result, flags=re.IGNORECASE)
    # "[redacted] [redacted]" says no more than one, and shows how many names there were.
    run = re.escape(placeholder)
    return re.sub(run + r"(?:[ \t_-]*" + run + ")+", placeholder, result)

def case_identities(case: Any) -> list[Identity]:
    """The reporters of a case's reports and the people it targets (uses prefetched rows when there are any)."""
    people = [Identity(name=r.reporter.name or "", email=r.reporter.email or "", phone=r.reporter.phone or "")
              for r in case.reports.all()]
    for target in case.targets.all():
        try:
            aliases = tuple(str(a) for a in json.loads(target.aliases or "[]"))
        except ValueError:
            aliases = ()
        people.append(Identity(name=target.name or "", aliases=aliases))
    return people
