# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""Personal-data recognisers: addresses, phones, emails, national IDs, coordinates, licence plates.

Each recogniser returns `Span`s on the ORIGINAL text. Patterns that are ambiguous on their own (a 10-digit
number, a short plate) need a context word nearby (data/pii_context.json); check digits are verified with
python-stdnum where it has the scheme. Addresses are found as a street "head" (number + name + street type,
or street type + name + number) extended over the comma-separated components that follow (flat, floor,
district, postcode, city), which copes with US, UK, Irish, Spanish, Latin-American (Colombian "Calle 72 #10-34",
Peruvian "Mz. B Lt. 12", Argentine CPA postcodes) and Arabic-script layouts without a country-specific grammar
each. An address that runs into a phone number or an ID is cut before it rather than dropped.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Callable
from importlib import resources
from typing import Any

from abusedesk.detection.prepare import fold
from abusedesk.sdk.detection import PreparedText, Span

#: Phone regions tried for each language (phonenumbers needs a region for numbers without +CC).
PHONE_REGIONS = {
    "en": ("US", "GB", "IE"),
    "es": ("ES", "MX", "US"),
    "ar": ("SA", "EG", "AE", "JO", "MA"),
}
DEFAULT_REGIONS = ("US", "GB")


def _data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("abusedesk.detection").joinpath("data", name).read_text("utf-8"))
    return data


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _spellings(words: list[str]) -> list[str]:
    """Each word as `plain` spells it (NFKC: "nº" is "no") with and without accents ("Jirón", "Jiron")."""
    out = set()
    for w in words:
        w = unicodedata.normalize("NFKC", w)
        out |= {w, "".join(c for c in unicodedata.normalize("NFD", w) if not unicodedata.combining(c))}
    return sorted(out)


def _capitalised(words: list[str]) -> list[str]:
    return [v for w in words for v in (w[:1].upper() + w[1:], w.upper())]


_A = _data("address.json")
for _key in ("street_ar", "street_ar_weak", "component_ar", "cities_ar"):  # matched on the detection form
    _A[_key] = sorted({fold(w) for w in _A[_key]})
for _key in ("street_prefix_es", "street_prefix_es_cap", "street_prefix_es_abbr", "unit_es", "unit_es_bare",
             "district_es"):  # matched on the plain form
    _A[_key] = _spellings(_A[_key])
_CTX = _data("pii_context.json")
_CAP = r"[A-ZÀ-Ý][\w'’.-]*"
_CONNECT = r"(?:de|del|la|las|los|el|y|of|the|on|upon)"
_EN_HEAD = re.compile(
    rf"(?:(?i:flat|apt|apartment|unit)\s*\w{{1,4}},?\s+)?\b\d{{1,5}}[A-Za-z]?,?\s+"
    rf"(?:(?:{_CAP}|\d+(?i:st|nd|rd|th)|{_CONNECT})\s+){{0,3}}(?:{_CAP}\s+)"
    rf"(?i:{_alt(_A['street_suffix_en'])})\b\.?"
)
#: "nº 23", "n.º 23", "No. 23", "núm. 23", "número 23", "#45" (NFKC turns º into o)
_ES_MARK = r"(?i:n\.?[o°]\.?|n[úu]m(?:ero|\.)?|#)"
#: a number counting something is no house number: "Camino de Santiago 3 veces", "Carrera de Medicina 6 años"
_COUNTED = r"\s+(?!(?:pues|más|mas|tras|antes|después|despues|entonces|atrás|atras)(?!\w))[a-záéíóúñü]{2,}s(?!\w)"
_ES_NUMBER = (
    rf"(?:{_ES_MARK}\s*)?\d{{1,5}}[A-Za-z]?(?:\s?-\s?\d{{1,4}}[A-Za-z]?)?(?!\w)(?!{_COUNTED})"  # 23, 12B, #45-12
    r"|(?i:s/n|s\.\s?n\.|sin\s+n[úu]mero)"  # sin número
    r"|(?i:km\.?)\s*\d{1,4}(?:[.,]\d{1,3})?(?!\d)"  # Carretera ... km 4
    r"|(?i:mz|mza|manzana)\.?\s*[A-Z\d]{1,3}\s*,?\s*(?i:lt|lote)\.?\s*\d{1,3}(?!\w)"  # Peru: Mz. B Lt. 12
)
_ES_NAME = rf"(?:(?:{_CAP}|{_CONNECT}|\d+\s+de)\s+){{0,5}}?{_CAP}"
#: Colombian "Calle 72 # 10-34", "Cra. 7 Bis No. 45-12 Sur", La Plata "Calle 7 N° 1234": a numbered street
_ES_NUMBERED = (
    rf"\d{{1,3}}[A-Z]?(?:\s?(?i:bis))?(?:\s?[A-Z](?!\w))?(?:\s+(?i:sur|norte|este|oeste))?\s*{_ES_MARK}\s*"
    rf"\d{{1,5}}[A-Za-z]?(?:\s?-\s?\d{{1,4}}[A-Za-z]?)?(?!\w)(?:\s+(?i:sur|norte|este|oeste)\b)?"
)
_ES_BODY = (
    rf"(?:{_ES_NAME},?\s*(?:{_ES_NUMBER})"
    rf"|[A-Z]{{1,3}}-\d{{1,4}},?\s*(?:{_ES_NUMBER})"  # Ctra. N-340, km 12
    rf"|{_ES_NUMBERED})"
)
_ES_AFTER_TYPE = r"(?:(?<=/)\s*|\.\s*|\s+)"  # "C/Mayor", "Av.Corrientes", "Calle Mayor"
_ES_HEAD = re.compile(
    rf"(?<!\w)(?:(?i:{_alt(_A['street_prefix_es'])})|{_alt(_capitalised(_A['street_prefix_es_cap']))})"
    rf"{_ES_AFTER_TYPE}{_ES_BODY}"
)
#: short abbreviations ("Cra.", "Kr", "Jr.", "Dg") are also initials and English words: Spanish text only
_ES_ABBR_HEAD = re.compile(rf"(?<!\w)(?:{_alt(_capitalised(_A['street_prefix_es_abbr']))}){_ES_AFTER_TYPE}{_ES_BODY}")
_AR_STOP = _alt(_A["component_ar"] + _A["street_ar"] + _A["street_ar_weak"] + ["في", "الي", "من", "و"])
_AR_WORD = rf"(?!(?:{_AR_STOP})\b)[^\s،,.;:!?؟\d]+"
_AR_NAME = rf"\.?\s+{_AR_WORD}(?:\s+{_AR_WORD}){{0,2}}"
_AR_HEAD = re.compile(rf"(?<!\w)(?:{_alt(_A['street_ar'])}){_AR_NAME}(?:\s+\d{{1,5}})?")
#: "طريق" (road, way) and the like: an address only with a number or a component after the name
_AR_WEAK_HEAD = re.compile(rf"(?<!\w)(?:{_alt(_A['street_ar_weak'])}){_AR_NAME}(?P<number>\s+\d{{1,5}}(?!\d))?")

_POSTCODE_ALONE = (
    r"(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})"  # UK
    r"|(?:(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?[0-9AC-FHKNPRTV-Y]{4})"  # Irish Eircode
)
_POSTCODE = (
    rf"{_POSTCODE_ALONE}"
    r"|(?:(?:C\.?\s?P\.?|CP)?\s*\d{5}(?:-\d{4})?)"  # US ZIP, ES/MX código postal
    r"|(?:(?i:c\.?\s?p\.?|c[óo]d(?:igo|\.)?\s+postal)\s*\d{4,7})"  # marked: AR 4, CO 6, CL 7 digits
    r"|(?:[A-HJ-NP-Z]\d{4}(?:[A-Z]{3})?)"  # Argentine CPA: C1425, C1425ABC
    r"|(?:[A-Z]{2}\s+\d{5}(?:-\d{4})?)"  # US state + ZIP
    r"|(?:(?i:co\.?|county)\s+[A-Z][a-z]+)"  # Irish county
)
_CITY = rf"{_CAP}(?:\s+(?:{_CONNECT}\s+)?{_CAP}){{0,2}}"
#: capitalised words that start a clause after a comma rather than name a place
_NOT_PLACE = (
    r"(?:I|I'm|I've|I'll|I'd|But|And|So|If|Then|When|This|That|He|She|We|They|You|It|Pero|Y|Que|Si|Yo|Tú|Él"
    r"|Ella|Eso|Esto|Ya|No|Sí|Cuando|Porque|Ahí|Allí|Aquí)(?!\w)"
)
#: a locality after a comma: "…, San Carlos de Bariloche", "…, L'Hospitalet de Llobregat", "…, el Prat"
#: no digits ("Belfast BT12 5JN" is a place and a postcode); a full stop ends it ("…, Orihuela. Reservas al …")
_PLACE_WORD = r"[A-ZÀ-Ý](?:[^\W\d_]|['’-]|\.(?!\s))*(?!\w)"
_PLACE = (
    rf"(?:(?<=,)|(?<=,\s))(?!{_NOT_PLACE})(?:(?:el|la|los|las)\s+)?"
    rf"{_PLACE_WORD}(?:\s+(?:{_CONNECT}\s+){{0,2}}{_PLACE_WORD}){{0,2}}"
)
_UNIT_VALUE = r"(?:[A-Z]?\d{1,4}[A-Za-z]?(?:-\d{1,4})?|[A-Z](?!\w)|[IVX]{1,4}(?!\w))"
_COMPONENTS = [
    re.compile(rf"(?:(?i:{_alt(_A['unit_en'][:-1] + _A['unit_es'])})(?!\w)|#)\.?\s*{_UNIT_VALUE}"
               r"(?:\s?[º°ª]|\.?[oa](?!\w))?(?:\s*[A-Z](?!\w))?"),  # Apt 4B, piso 4, depto. 5, Torre B, #12
    re.compile(rf"(?i:{_alt(_A['unit_es_bare'])})(?!\w)\.?(?:\s?[A-Z\d](?!\w))?"),  # bajo A, ático, izq.
    re.compile(r"\d{1,2}\.?(?:\s?[º°ª]|[oa](?=[\s\d,A-Za-z]|$))\s?"  # 2º A, 3ºB, 3.º 2ª, 2º izq. (NFKC: "2o A")
               rf"(?:\d{{1,2}}\s?[º°ªoa](?!\w)|(?i:{_alt(_A['unit_es_bare'])})(?!\w)\.?|[A-Za-z](?!\w))?"),
    re.compile(rf"(?i:{_alt(_A['district_es'])})\.?\s+(?:{_CAP}|{_CONNECT}|\d+)(?:\s+(?:{_CAP}|{_CONNECT}|\d+)){{0,3}}"),
    re.compile(rf"(?:{_POSTCODE})\b"),
    re.compile(rf"{_ES_NUMBER}"),
    re.compile(rf"(?<=\d\s){_CAP}(?:\s+{_CONNECT}\s+{_CAP})?"),  # "28004 Madrid"
    re.compile(rf"{_CITY}(?=(?:\s*,\s*{_CITY})?\s*(?:,\s*)?(?:{_POSTCODE})\b|\s*(?:[.;\n]|$))"),
    re.compile(_PLACE),
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
#: Latin context words are whole words ("car" is not in "career", "reg" not in "impregnate"); Arabic ones
#: may carry a prefix (و, ب, ال)
_PLATE_WORDS = re.compile(
    rf"(?i:(?<![^\W\d_])(?:{_alt([w for w in _CTX['plate'] if w.isascii()])})s?(?![^\W\d_])"
    rf"|{_alt([w for w in _CTX['plate'] if not w.isascii()])})"
)


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
        if text[end - 1] == "." and "," not in text[end:pos]:  # "…, Orihuela. Reservas al 11 …": a full stop
            return _rstrip(text, end)
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
    heads = [_EN_HEAD, _ES_HEAD, *([_ES_ABBR_HEAD] if "es" in text_langs(t) else [])]
    for head in heads:
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
    for m in re.finditer(rf"\b(?:{_POSTCODE_ALONE})\b", t.plain):  # UK/IE postcode alone
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


def _sa_id(number: str) -> bool:
    """Saudi national/iqama ID: 10 digits, first 1 (citizen) or 2 (resident), Luhn check (stdnum has the Luhn
    algorithm but no Saudi ID module)."""
    from stdnum import luhn

    return len(number) == 10 and number[0] in "12" and luhn.is_valid(number)


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


_Validator = tuple[str, re.Pattern[str], Callable[[str], bool]]


def _validators() -> list[_Validator]:
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


_VALIDATORS: list[_Validator] = []


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


def _cut_before(t: PreparedText, s: Span, found: list[Span]) -> Span | None:
    """An address that ran on into a phone number or an ID ("…, Madrid, 655 12 34 56") ends before it."""
    end = min([o.start for o in found if s.start < o.start < s.end], default=s.end)
    end = _rstrip(t.original, len(t.original[:end].rstrip()))
    if end == s.end:
        return s
    return Span(s.start, end, s.type, t.original[s.start : end]) if end > s.start else None


def _find(t: PreparedText) -> tuple[Span, ...]:
    out: list[Span] = []
    for kind in PRIORITY:
        for found in RECOGNISERS[kind](t):
            s = _cut_before(t, found, out) if kind == "address" else found
            if s and all(s.end <= o.start or s.start >= o.end for o in out):
                out.append(s)
    return tuple(sorted(out, key=lambda s: s.start))
