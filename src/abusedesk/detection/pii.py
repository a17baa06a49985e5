# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""Personal-data recognisers: addresses, phones, emails, national IDs, coordinates, licence plates.

Each recogniser returns `Span`s on the ORIGINAL text. Patterns that are ambiguous on their own (a 10-digit
number, a short plate) need a context word nearby (data/pii_context.json); check digits are verified with
python-stdnum where it has the scheme. Addresses are found as a street "head" (number + name + street type,
or street type + name + number) extended over the comma-separated components that follow (flat, floor,
district, postcode, city), which copes with US, UK, Irish, Spanish, Mexican and Arabic-script layouts
without a country-specific grammar each.
"""

from __future__ import annotations

import json
import re
import threading
from importlib import resources

from abusedesk.detection.prepare import fold
from abusedesk.sdk.detection import PreparedText, Span

#: Phone regions tried for each language (phonenumbers needs a region for numbers without +CC).
PHONE_REGIONS = {
    "en": ("US", "GB", "IE"),
    "es": ("ES", "MX", "US"),
    "ar": ("SA", "EG", "AE", "JO", "MA"),
}
DEFAULT_REGIONS = ("US", "GB")


def _data(name: str) -> dict:
    return json.loads(resources.files("abusedesk.detection").joinpath("data", name).read_text("utf-8"))


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_A = _data("address.json")
for _key in ("street_ar", "street_ar_weak", "component_ar", "cities_ar"):  # matched on the detection form
    _A[_key] = sorted({fold(w) for w in _A[_key]})
_CTX = _data("pii_context.json")
_CAP = r"[A-ZÀ-Ý][\w'’.-]*"
_CONNECT = r"(?:de|del|la|las|los|el|y|of|the|on|upon)"
_EN_HEAD = re.compile(
    rf"(?:(?i:flat|apt|apartment|unit)\s*\w{{1,4}},?\s+)?\b\d{{1,5}}[A-Za-z]?,?\s+"
    rf"(?:(?:{_CAP}|\d+(?i:st|nd|rd|th)|{_CONNECT})\s+){{0,3}}(?:{_CAP}\s+)"
    rf"(?i:{_alt(_A['street_suffix_en'])})\b\.?"
)
_ES_HEAD = re.compile(
    rf"\b(?i:{_alt(_A['street_prefix_es'])})\.?\s+(?:(?:{_CAP}|{_CONNECT}|\d+\s+de)\s+){{0,4}}?{_CAP}"
    rf"(?:,?\s*(?:(?i:n[º°o]\.?|num\.?|#)\s*)?\d{{1,5}}[A-Za-z]?\b)"
)
_AR_STOP = _alt(_A["component_ar"] + _A["street_ar"] + _A["street_ar_weak"] + ["في", "الي", "من", "و"])
_AR_WORD = rf"(?!(?:{_AR_STOP})\b)[^\s،,.;:!?؟\d]+"
_AR_NAME = rf"\.?\s+{_AR_WORD}(?:\s+{_AR_WORD}){{0,2}}"
_AR_HEAD = re.compile(rf"(?<!\w)(?:{_alt(_A['street_ar'])}){_AR_NAME}(?:\s+\d{{1,5}})?")
#: "طريق" (road, way) and the like: an address only with a number or a component after the name
_AR_WEAK_HEAD = re.compile(rf"(?<!\w)(?:{_alt(_A['street_ar_weak'])}){_AR_NAME}(?P<number>\s+\d{{1,5}}(?!\d))?")

_POSTCODE = (
    r"(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})"  # UK
    r"|(?:(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?[0-9AC-FHKNPRTV-Y]{4})"  # Irish Eircode
    r"|(?:(?:C\.?\s?P\.?|CP)?\s*\d{5}(?:-\d{4})?)"  # US ZIP, ES/MX código postal
    r"|(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?)"  # US state + ZIP
    r"|(?:(?i:co\.?|county)\s+[A-Z][a-z]+)"  # Irish county
)
_CITY = rf"{_CAP}(?:\s+(?:{_CONNECT}\s+)?{_CAP}){{0,2}}"
_COMPONENTS = [
    re.compile(rf"(?i:{_alt(_A['unit_en'] + _A['unit_es'])})\.?\s*[\w-]{{0,5}}[º°ª]?(?:\s*[A-Z](?!\w))?"),
    re.compile(r"\d{1,2}(?:\s?[º°ª]|[oa](?=[\sA-Z,]|$))\s?(?:[A-Za-z](?!\w))?"),  # 2º A (NFKC: "2o A")
    re.compile(rf"(?i:{_alt(_A['district_es'])})\.?\s+(?:{_CAP}|{_CONNECT}|\d+)(?:\s+(?:{_CAP}|{_CONNECT}|\d+)){{0,3}}"),
    re.compile(rf"(?:{_POSTCODE})\b"),
    re.compile(r"(?:(?i:n[º°o]\.?|num\.?|#)\s*)?\d{1,5}[A-Za-z]?\b"),
    re.compile(rf"(?<=\d\s){_CAP}(?:\s+{_CONNECT}\s+{_CAP})?"),  # "28004 Madrid"
    re.compile(rf"{_CITY}(?=(?:\s*,\s*{_CITY})?\s*(?:,\s*)?(?:{_POSTCODE})\b|\s*(?:[.;\n]|$))"),
]
_AR_COMPONENTS = [
    re.compile(rf"(?:{_alt(_A['component_ar'])})\s+(?:\d{{1,5}}|{_AR_WORD})(?:\s+(?:\d{{1,5}}|{_AR_WORD}))?"),
    re.compile(rf"(?:{_alt(_A['cities_ar'])})(?!\w)"),
    re.compile(r"رقم\s+\d{1,5}(?!\d)"),
    re.compile(r"\d{5}(?!\d)"),
]
_SEP = re.compile(r"\s*[,،]?\s*")

_EMAIL = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_COORD_DEC = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{3,8})\s*,\s*(-?\d{1,3}\.\d{3,8})(?![\d.])")
_COORD_DMS = re.compile(
    r"\d{1,2}\s?°\s?\d{1,2}\s?['′]\s?(?:\d{1,2}(?:\.\d+)?\s?[\"″])?\s?[NS],?\s*"
    r"\d{1,3}\s?°\s?\d{1,2}\s?['′]\s?(?:\d{1,2}(?:\.\d+)?\s?[\"″])?\s?[EWO]"
)
_PLATE_FREE = re.compile(
    r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b"  # UK
    r"|\b\d{4}\s?-?[BCDFGHJKLMNPRSTVWXYZ]{3}\b"  # Spain
    r"|\b\d{2,3}-(?:C|CE|CN|CW|D|DL|G|KE|KK|KY|L|LD|LH|LK|LM|LS|MH|MN|MO|OY|SO|RN|T|W|WH|WX|WW)-\d{1,6}\b"  # IE
)
_PLATE_CTX = re.compile(
    r"\b\d{2,3}-?[A-Z]{1,2}-?\d{1,6}\b"  # Ireland
    r"|\b[A-Z]{3}-?\d{2,4}-?[A-Z\d]{0,2}\b"  # Mexico, US
    r"|\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{2,4}[- ]?[A-Z0-9]{3,4}\b"  # US generic
    r"|\d{1,4}\s*(?:[\u0621-\u064A]\s*){1,3}(?!\w)|(?:[\u0621-\u064A]\s+){1,3}\d{1,4}\b"  # Arabic plates
)
_PLATE_WORDS = re.compile(rf"(?i:{_alt(_CTX['plate'])})")


def _merge(spans: list[Span]) -> list[Span]:
    """Drop spans contained in (or overlapping) a longer span; keep the longest."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(s.end <= o.start or s.start >= o.end for o in out):
            out.append(s)
    return sorted(out, key=lambda s: s.start)


def _extend(text: str, end: int, components: list[re.Pattern[str]]) -> int:
    """Extend an address head over following comma-separated components; return the new end."""
    while True:
        sep = _SEP.match(text, end)
        pos = sep.end() if sep else end
        best = max((m.end() for c in components if (m := c.match(text, pos)) and m.end() > pos), default=0)
        if not best:
            return _rstrip(text, end)
        end = best


def _rstrip(text: str, end: int) -> int:
    """Drop trailing punctuation swallowed by abbreviation-friendly word patterns ("Ciudad de México.")."""
    while end > 0 and text[end - 1] in ".,;:،":
        end -= 1
    return end


def find_addresses(t: PreparedText) -> list[Span]:
    spans = []
    for head in (_EN_HEAD, _ES_HEAD):
        for m in head.finditer(t.plain):
            end = _extend(t.plain, m.end(), _COMPONENTS)
            spans.append(t.span(m.start(), end, "address", plain=True))
    for m in _AR_HEAD.finditer(t.form):
        end = _extend(t.form, m.end(), _AR_COMPONENTS)
        spans.append(t.span(m.start(), end, "address"))
    for m in _AR_WEAK_HEAD.finditer(t.form):
        end = _extend(t.form, m.end(), _AR_COMPONENTS)
        if m.group("number") or end > m.end():
            spans.append(t.span(m.start(), end, "address"))
    for m in _AR_COMPONENTS[0].finditer(t.form):  # "عمارة 12، الطابق 3، حي النزهة" without a street
        end = _extend(t.form, m.end(), _AR_COMPONENTS)
        if end > m.end():
            spans.append(t.span(m.start(), end, "address"))
    for m in re.finditer(rf"\b(?:{_POSTCODE.split('|(?:(?:C')[0]})\b", t.plain):  # UK/IE postcode alone
        if not m.group().isdigit():
            spans.append(t.span(m.start(), m.end(), "address", plain=True))
    return _merge(spans)


def find_emails(t: PreparedText) -> list[Span]:
    return [t.span(m.start(), m.end(), "email", plain=True) for m in _EMAIL.finditer(t.plain)]


def find_phones(t: PreparedText) -> list[Span]:
    if sum(c.isdigit() for c in t.plain) < 7:
        return []
    import phonenumbers

    spans = []
    for region in phone_regions(t):
        for m in phonenumbers.PhoneNumberMatcher(t.plain, region, leniency=phonenumbers.Leniency.VALID):
            spans.append(t.span(m.start, m.end, "phone", plain=True))
    return _merge(spans)


def text_langs(t: PreparedText) -> list[str]:
    """The text's language and every language it has a share in (a mixed en/es post is both)."""
    return list(dict.fromkeys([t.lang, *t.langs]))


def phone_regions(t: PreparedText) -> tuple[str, ...]:
    """Phone regions of every language of the text, or the default regions when none is known."""
    regions = [r for lang in text_langs(t) for r in PHONE_REGIONS.get(lang, ())]
    return tuple(dict.fromkeys(regions)) or DEFAULT_REGIONS


def find_coordinates(t: PreparedText) -> list[Span]:
    spans = [t.span(m.start(), m.end(), "coordinates", plain=True) for m in _COORD_DMS.finditer(t.plain)]
    for m in _COORD_DEC.finditer(t.plain):
        lat, lon = float(m.group(1)), float(m.group(2))
        if abs(lat) <= 90 and abs(lon) <= 180:
            spans.append(t.span(m.start(), m.end(), "coordinates", plain=True))
    return _merge(spans)


def find_plates(t: PreparedText) -> list[Span]:
    spans = [t.span(m.start(), m.end(), "licence_plate", plain=True) for m in _PLATE_FREE.finditer(t.plain)]
    for ctx in _PLATE_WORDS.finditer(t.form):
        window_end = min(len(t.form), ctx.end() + 30)
        m = _PLATE_CTX.search(t.form[:window_end].upper(), ctx.end())
        if m:
            spans.append(t.span(m.start(), m.end(), "licence_plate"))
    return _merge(spans)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _sa_id(number: str) -> bool:
    """Saudi national/iqama ID: 10 digits, first 1 (citizen) or 2 (resident), Luhn check (not in stdnum)."""
    return len(number) == 10 and number[0] in "12" and _luhn_ok(number)


def _eg_id(number: str) -> bool:
    """Egyptian national ID: century digit 2/3, YYMMDD birth date, governorate code (not in stdnum)."""
    if len(number) != 14 or number[0] not in "23":
        return False
    month, day, gov = int(number[3:5]), int(number[5:7]), int(number[7:9])
    return 1 <= month <= 12 and 1 <= day <= 31 and (1 <= gov <= 35 or gov == 88)


def _gb_nino(number: str) -> bool:
    """UK National Insurance number (HMRC NIM39110 prefix rules; python-stdnum has no NINO module)."""
    if not re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", number):
        return False
    a, b = number[0], number[1]
    bad_pair = number[:2] in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    return a not in "DFIQUV" and b not in "DFIOQUV" and not bad_pair


def _validators():
    from stdnum.es import dni, nie
    from stdnum.ie import pps
    from stdnum.mx import curp
    from stdnum.us import ssn

    return [
        ("es.dni", re.compile(r"\b\d{8}-?[A-Z]\b"), dni.is_valid),
        ("es.nie", re.compile(r"\b[XYZ]-?\d{7}-?[A-Z]\b"), nie.is_valid),
        ("us.ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), ssn.is_valid),
        ("mx.curp", re.compile(r"\b[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z\d]\d\b"), curp.is_valid),
        ("gb.nino", re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b"), _gb_nino),
        ("ie.pps", re.compile(r"\b\d{7}[A-W][A-IW]?\b"), pps.is_valid),
        ("sa.id", re.compile(r"(?<!\d)[12]\d{9}(?!\d)"), _sa_id),
        ("eg.id", re.compile(r"(?<!\d)[23]\d{13}(?!\d)"), _eg_id),
    ]


_VALIDATORS: list = []


def find_national_ids(t: PreparedText) -> list[Span]:
    if not _VALIDATORS:
        _VALIDATORS.extend(_validators())
    spans = []
    upper = t.plain.upper()
    for _, pattern, valid in _VALIDATORS:
        for m in pattern.finditer(upper):
            if valid(m.group().replace(" ", "")):
                spans.append(t.span(m.start(), m.end(), "national_id", plain=True))
    return _merge(spans)


RECOGNISERS = {
    "address": find_addresses,
    "phone": find_phones,
    "email": find_emails,
    "national_id": find_national_ids,
    "coordinates": find_coordinates,
    "licence_plate": find_plates,
}
#: When spans of two types overlap, the earlier type in this order wins (an ID is not a phone number).
PRIORITY = ("email", "national_id", "coordinates", "phone", "licence_plate", "address")


def find_pii(t: PreparedText) -> list[Span]:
    """All personal-data spans of `t`, overlaps resolved by `PRIORITY` (cached: several detectors ask)."""
    key = (t.original, tuple(text_langs(t)))
    hit = _CACHE.get(key)
    if hit is None:
        hit = _find(t)
        with _CACHE_LOCK:
            if len(_CACHE) >= 4096:
                _CACHE.clear()
            _CACHE[key] = hit
    return list(hit)


_CACHE: dict[tuple[str, tuple[str, ...]], tuple[Span, ...]] = {}
_CACHE_LOCK = threading.Lock()


def _find(t: PreparedText) -> tuple[Span, ...]:
    out: list[Span] = []
    for kind in PRIORITY:
        for s in RECOGNISERS[kind](t):
            if all(s.end <= o.start or s.start >= o.end for o in out):
                out.append(s)
    return tuple(sorted(out, key=lambda s: s.start))
