"""Which law-enforcement authority gets a referral: the routing table and the rule that reads it.

The rule (`route`):

1. Look at the parties' locations in this order: the **victim's**, then the **offence's**, then the
   **suspect's**; the first one that names a country decides. A location of country ``"EU"`` (a link to
   some Member State, which one unknown) is skipped while a later party names a real country.
2. The table is looked up by subdivision first, then country (``GB-NIR`` before ``GB``; ``ES-MD`` falls to
   ``ES``). An **EU Member State** entry is that state's national police / cybercrime unit, which receives the
   DSA Art. 18(1) notification (``dsa_article_18=True``). **Outside the EU** (the UK, including Northern
   Ireland, the US, Mexico, Jordan, Egypt, Saudi Arabia, the UAE, Canada) the entry is the national
   contact and ``dsa_article_18=False``: the referral is made under the provider's policy, not Art. 18.
3. Only ``"EU"`` locations (an EU link, no Member State): **Europol**, as Art. 18(2) allows when the Member
   State concerned cannot be identified with reasonable certainty; ``jurisdiction="EU"``.
4. No location at all: ``jurisdiction="unknown"``, **Europol with a manual-routing flag**, and
   ``dsa_article_18=True``. Art. 18(2) covers exactly this case (the Member State concerned cannot be
   identified), and a threat to life should not wait for a perfect route; the authority text tells the
   analyst to route by hand as well. A provider established in a Member State may prefer its own state's
   authority; that is an operator's choice of table, not of this rule.
5. A country with no entry: ``jurisdiction`` is its code, the authority says "manual routing needed".

Art. 18 also obliges notifying *every* Member State concerned, so when another party is in an EU Member
State (or has an EU link) that is not the chosen jurisdiction, `Route.also_notify` lists it
(victim in Belfast, suspect in Dublin → PSNI, and also IE).

The table (``data/jurisdictions.json``) is data, validated when loaded: every entry has ``name``,
``authority``, ``contact``, a boolean ``eu`` and a ``source`` (the authority's official website where its
reporting channel is described, or the publication naming it; URLs must be https); keys are ISO 3166-1
alpha-2 or ISO 3166-2 shapes; ``eu`` is true exactly for the 27 Member States, each present. Errors name the
entry. The shipped contacts are placeholders ("to be configured"): an operator supplies verified channels
with `load_table`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from abusedesk.referrals.location import Location

EU_MEMBER_STATES = frozenset(("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
                              "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"))
FALLBACKS = ("eu", "unknown", "unlisted")
_KEY = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?")
_FIELDS = {"name": str, "authority": str, "contact": str, "eu": bool}
_OPTIONAL = {"notes": str, "source": str}
PARTIES = ("victim", "offence", "suspect")


class TableError(ValueError):
    """The routing table is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class Authority:
    key: str
    name: str
    authority: str
    contact: str
    eu: bool
    notes: str = ""
    source: str = ""


@dataclass(frozen=True)
class Table:
    entries: Mapping[str, Authority]
    fallbacks: Mapping[str, Authority]


@dataclass(frozen=True)
class Route:
    jurisdiction: str  # a table key ("GB-NIR", "IE"), "EU", "unknown", or an unlisted code
    authority: str
    contact: str
    basis: str  # why this route, in one sentence; names codes and parties, never personal data
    dsa_article_18: bool
    also_notify: tuple[str, ...] = ()  # other EU jurisdictions concerned (Art. 18(1)), e.g. ("IE",) or ("EU",)


def route(victim: Location | None, offence: Location | None = None, suspect: Location | None = None, *,
          table: Table | None = None) -> Route:
    """The authority for a referral; see the module docstring for the rule."""
    table = table or default_table()
    parties = [(p, loc) for p, loc in zip(PARTIES, (victim, offence, suspect), strict=True) if loc is not None]
    concrete = [(p, loc) for p, loc in parties if loc.country != "EU"]
    if concrete:
        party, loc = concrete[0]
        entry, key = _lookup(table, loc)
        basis = _basis(party, loc, entry, key, listed=entry is not table.fallbacks["unlisted"])
        chosen = (party, loc)
    elif parties:
        party = parties[0][0]
        entry, key, chosen = table.fallbacks["eu"], "EU", parties[0]
        basis = (f"{party}'s location has an EU link but no identifiable Member State: DSA Art. 18(2) "
                 "fallback to Europol")
    else:
        entry, key, chosen = table.fallbacks["unknown"], "unknown", None
        basis = ("no location known for victim, offence or suspect: the Member State concerned cannot be "
                 "identified, DSA Art. 18(2) fallback to Europol; route by hand if possible")
    also = _also_notify(table, [pl for pl in parties if pl is not chosen], key)
    return Route(key, entry.authority, entry.contact, basis, entry.eu, also)


def _lookup(table: Table, loc: Location) -> tuple[Authority, str]:
    for key in (loc.subdivision, loc.country):
        if key and key in table.entries:
            return table.entries[key], key
    return table.fallbacks["unlisted"], loc.subdivision or loc.country


def _basis(party: str, loc: Location, entry: Authority, key: str, *, listed: bool) -> str:
    where = loc.subdivision or loc.country
    if not listed:
        return f"{party}'s location {where}: no entry in the jurisdiction table, manual routing needed"
    if entry.eu:
        return f"{party}'s location {where} is in EU Member State {key}: DSA Art. 18(1) notification to its authority"
    return f"{party}'s location {where} is outside the EU: national contact for {key} from the jurisdiction table"


def _also_notify(table: Table, others: list[tuple[str, Location]], chosen: str) -> tuple[str, ...]:
    out: list[str] = []
    for _, loc in others:
        key = "EU" if loc.country == "EU" else loc.country if loc.country in EU_MEMBER_STATES else None
        if key and key != chosen and key not in out and not (key == "EU" and chosen in EU_MEMBER_STATES):
            out.append(key)
    return tuple(out)


# --- the table ------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def default_table() -> Table:
    text = resources.files("abusedesk.referrals").joinpath("data", "jurisdictions.json").read_text("utf-8")
    return load_table(json.loads(text))


def load_table(data: Any, *, source: str = "jurisdictions.json") -> Table:
    """Validate a routing table (the JSON shape of data/jurisdictions.json) and return it."""
    if not isinstance(data, Mapping):
        raise TableError(f"{source}: expected an object with 'entries' and 'fallbacks'")
    entries_raw, fallbacks_raw = data.get("entries"), data.get("fallbacks")
    if not isinstance(entries_raw, Mapping) or not isinstance(fallbacks_raw, Mapping):
        raise TableError(f"{source}: expected objects 'entries' and 'fallbacks'")
    entries = {key: _authority(source, "entries", key, raw) for key, raw in entries_raw.items()}
    for key, a in entries.items():
        _check_key(source, key, a)
        _check_source(f"{source}: entries['{key}']", a.source, required=True)
    missing = sorted(EU_MEMBER_STATES - entries.keys())
    if missing:
        raise TableError(f"{source}: entries: missing EU Member States {', '.join(missing)}")
    fallbacks = {}
    for name in FALLBACKS:
        if name not in fallbacks_raw:
            raise TableError(f"{source}: fallbacks['{name}']: missing")
        fallbacks[name] = _authority(source, "fallbacks", name, fallbacks_raw[name])
        _check_source(f"{source}: fallbacks['{name}']", fallbacks[name].source, required=False)
    return Table(entries, fallbacks)


def _authority(source: str, section: str, key: Any, raw: Any) -> Authority:
    where = f"{source}: {section}['{key}']"
    if not isinstance(raw, Mapping):
        raise TableError(f"{where}: expected an object")
    for field, kind in _FIELDS.items():
        value = raw.get(field)
        if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
            expected = "true or false" if kind is bool else "a non-empty string"
            raise TableError(f"{where}.{field}: expected {expected}, got {value!r}")
    unknown = sorted(set(raw) - _FIELDS.keys() - _OPTIONAL.keys())
    if unknown:
        raise TableError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for field in _OPTIONAL:
        if field in raw and not isinstance(raw[field], str):
            raise TableError(f"{where}.{field}: expected a string, got {raw[field]!r}")
    return Authority(str(key), raw["name"], raw["authority"], raw["contact"], raw["eu"], str(raw.get("notes", "")),
                     str(raw.get("source", "")))


def _check_source(where: str, value: str, *, required: bool) -> None:
    """Where the authority's reporting channel is described: https URLs or a publication, "; "-separated."""
    if not value.strip():
        if required:
            raise TableError(f"{where}.source: expected the authority's website or a publication naming it")
        return
    for part in value.split("; "):
        if "://" in part and not re.fullmatch(r"https://[^\s/]+\.[^\s]+", part.strip()):
            raise TableError(f"{where}.source: {part.strip()!r} is not an https URL")


def _check_key(source: str, key: str, a: Authority) -> None:
    where = f"{source}: entries['{key}']"
    if not _KEY.fullmatch(key):
        raise TableError(f"{where}: key must be an ISO 3166-1 alpha-2 or ISO 3166-2 code like 'IE' or 'GB-NIR'")
    if a.eu and key not in EU_MEMBER_STATES:
        raise TableError(f"{where}.eu: only the 27 EU Member States (country codes) may be marked eu=true")
    if not a.eu and key in EU_MEMBER_STATES:
        raise TableError(f"{where}.eu: {key} is an EU Member State, expected eu=true")
