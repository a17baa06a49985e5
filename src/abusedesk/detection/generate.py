# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""The project's own generators of labelled training and evaluation text (en, es, ar).

No public data set has threats against a named person, doxxing posts or the hard negatives that matter
here (figurative violence, gaming, news, fiction, court orders, counter-speech quoting a threat, business
addresses, people sharing their own details), so the project writes them from templates in
data/generator/<lang>.json (own work).

Train and evaluation sets are DISJOINT by construction: every pool (templates, names, handles, streets,
cities, employers, schools, filler sentences, identity groups) is split by position, every third entry
going to evaluation only, so an evaluation text never reuses a template or a name seen in training.
Generation is deterministic: a `random.Random` seeded from (seed, lang, split).
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

LANGS = ("en", "es", "ar")
#: labels of each template family (functionality); families absent here are hard negatives (no label)
LABELS = {
    "threat_direct": ["threat"],
    "threat_conditional": ["threat"],
    "threat_veiled": ["threat"],
    "threat_incitement": ["threat"],
    "threat_deadline": ["threat"],
    "threat_group": ["threat", "hate"],
    "doxx": ["doxxing"],
    "doxx_threat": ["doxxing", "threat"],
    "doxx_context": ["doxxing"],
    "harass_insult": ["harassment"],
    "harass_pileon": ["harassment"],
    "hate": ["hate"],
}
#: hard-negative families and the kind of confusion each tests (reported as hn_type)
HARD_NEGATIVES = {
    "neg_business": "business_contact",
    "neg_own": "own_contact",
    "neg_figurative": "figurative_violence",
    "neg_gaming": "gaming",
    "neg_news": "news_report",
    "neg_fiction": "fiction",
    "neg_court": "court_order",
    "neg_counter_quote": "counter_speech__quotes_threat",
    "neg_identity_positive": "identity_positive",
    "neg_community": "community_call",
}
PII_SLOTS = {"address": "address", "phone": "phone", "email": "email", "id": "national_id",
             "coords": "coordinates", "plate": "licence_plate"}
SLOT = re.compile(r"\{(\w+)\}")


def load_pools(lang: str) -> dict:
    path = resources.files("abusedesk.detection").joinpath("data", "generator", f"{lang}.json")
    return json.loads(path.read_text("utf-8"))


def split_pool(items: list, split: str) -> list:
    """Every third item (index 2, 5, 8, ...) is evaluation-only; the rest is training-only."""
    keep = (lambda i: i % 3 == 2) if split == "eval" else (lambda i: i % 3 != 2)
    return [x for i, x in enumerate(items) if keep(i)]


@dataclass
class Sample:
    text: str
    lang: str
    labels: list[str]
    functionality: str
    spans: list[dict] = field(default_factory=list)
    hn_type: str | None = None
    template: int = 0

    def to_json(self, idx: str) -> dict:
        return {
            "id": idx, "text": self.text, "lang": self.lang, "labels": self.labels, "spans": self.spans,
            "hard_negative": self.hn_type is not None, "hn_type": self.hn_type,
            "meta": {"functionality": self.functionality, "template": self.template, "source": "abusedesk-generator"},
        }


class Filler:
    """Draws slot values for one language and split; PII values are valid (check digits, real formats)."""

    def __init__(self, lang: str, pools: dict, rng: random.Random, split: str) -> None:
        self.lang, self.rng = lang, rng
        self.p = {k: split_pool(v, split) if k != "pronoun" else v for k, v in pools.items() if isinstance(v, list)}
        self.pronoun: list[str] = []

    def pick(self, key: str) -> str:
        return self.rng.choice(self.p[key])

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def letters(self, n: int, alphabet: str = "BCDFGHJKLMNPRSTVWXYZ") -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def value(self, slot: str, name: str) -> str:
        method = getattr(self, f"v_{slot}", None)
        if method:
            return method(name)
        if slot in ("subj", "obj", "poss"):
            return self.pronoun[("subj", "obj", "poss").index(slot)]
        if slot in ("subj_c", "poss_c"):
            return self.value(slot[:-2], name).capitalize()
        key = {"employer": "employers", "school": "schools", "time": "times", "day": "days",
               "street": "streets", "group": "groups", "handle": "handles"}.get(slot, slot)
        return self.pick(key)

    def v_city(self, _: str) -> str:
        if self.lang == "ar":
            return self.pick("cities")
        return {"en": "Belfast", "es": "Madrid"}[self.lang]

    def v_email(self, name: str) -> str:
        base = re.sub(r"[^a-z]", "", name.split()[0].lower()) or "user"
        domain = self.rng.choice(["gmail.com", "outlook.com", "yahoo.es", "hotmail.com", "proton.me"])
        return f"{base}.{self.letters(3, 'abcdefghij').lower()}{self.digits(2)}@{domain}"

    def v_coords(self, _: str) -> str:
        lat = self.rng.uniform(-40, 60)
        lon = self.rng.uniform(-100, 60)
        return f"{lat:.5f}, {lon:.5f}"

    def v_phone(self, _: str) -> str:
        import phonenumbers

        formats = {
            "en": [("US", "({a}) {b}-{c}", (3, 3, 4)), ("GB", "028 90{a} {b}", (2, 4)),
                   ("IE", "087 {a} {b}", (3, 4)), ("US", "+1 {a} {b} {c}", (3, 3, 4))],
            "es": [("ES", "6{a} {b} {c}", (2, 3, 3)), ("ES", "+34 6{a} {b} {c} {d}", (2, 2, 2, 2)),
                   ("MX", "55 {a} {b}", (4, 4)), ("MX", "+52 55 {a} {b}", (4, 4))],
            "ar": [("SA", "05{a}{b}", (4, 4)), ("SA", "+966 5{a} {b} {c}", (1, 3, 4)),
                   ("EG", "010{a}{b}", (4, 4)), ("AE", "050 {a} {b}", (3, 4))],
        }[self.lang]
        for _ in range(50):
            region, fmt, parts = self.rng.choice(formats)
            number = fmt.format(**{k: self.digits(n) for k, n in zip("abcd", parts, strict=False)})
            if phonenumbers.is_valid_number(phonenumbers.parse(number, region)):
                return number
        raise RuntimeError("no valid phone number generated")

    def v_id(self, _: str) -> str:
        from stdnum.es import dni, nie
        from stdnum.ie import pps
        from stdnum.mx import curp

        choice = self.rng.randrange(3)
        if self.lang == "es":
            if choice == 0:
                body = self.digits(8)
                return body + dni.calc_check_digit(body)
            if choice == 1:
                body = self.rng.choice("XYZ") + self.digits(7)
                return body + nie.calc_check_digit(body)
            return self._curp(curp)
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

    def _curp(self, curp) -> str:
        while True:
            body = (self.letters(4, "ABCDEGHJLMNOPRSTV") + f"{self.rng.randint(60, 99)}"
                    f"{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}" + self.rng.choice("HM")
                    + self.rng.choice(["DF", "JC", "NL", "PL"]) + self.letters(3) + "0")
            cand = body + curp.calc_check_digit(body)
            if curp.is_valid(cand):
                return cand

    def _sa_id(self) -> str:
        from abusedesk.detection.pii import _luhn_ok

        while True:
            cand = self.rng.choice("12") + self.digits(9)
            if _luhn_ok(cand):
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

    def v_address(self, _: str) -> str:
        r, num = self.rng, self.rng.randint(1, 240)
        street = self.pick("streets")
        if self.lang == "en":
            kind = r.randrange(3)
            if kind == 0:
                suffix = r.choice(["Street", "Avenue", "Drive", "Lane"])
                apt = r.choice(["", f", Apt {r.randint(1, 30)}{r.choice('ABC')}"])
                return f"{num} {street} {suffix}{apt}, {self.pick('cities_us')}"
            if kind == 1:
                flat = r.choice(["", f"Flat {r.randint(1, 9)}, "])
                road = r.choice(["Road", "Close", "Gardens", "Terrace"])
                return f"{flat}{num} {street} {road}, {self.pick('cities_uk')}"
            return f"{num} {street} {r.choice(['Park', 'Court', 'Grove'])}, {self.pick('cities_ie')}"
        if self.lang == "es":
            if r.random() < 0.5:
                prefix = r.choice(["Calle", "C/", "Avenida", "Paseo"])
                return f"{prefix} {street} {num}, {r.randint(1, 9)}º {r.choice('ABCD')}, {self.pick('cities_es')}"
            prefix = r.choice(["Av.", "Calle", "Calzada"])
            return f"{prefix} {street} {num}, Int. {r.randint(1, 20)}, {self.pick('cities_mx')}"
        parts = [f"شارع {street}", f"عمارة {r.randint(1, 90)}", f"الطابق {r.randint(1, 12)}",
                 f"شقة {r.randint(1, 40)}", self.pick("districts"), self.pick("cities")]
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
    mode = rng.randrange(3)
    if mode == 0:
        new = word[:2] + ZW + word[2:]
    else:
        new = "".join(OBFUSCATE.get(c, c) if rng.random() < 0.5 else c for c in word)
    return template[: m.start()] + new + template[m.end():]


def fill(template: str, filler: Filler) -> tuple[str, list[dict]]:
    """Fill `{slot}`s left to right, recording the spans of personal-data slots."""
    name = filler.pick("names")
    female = filler.p["names"].index(name) < len(filler.p["names"]) * 2 // 3
    filler.pronoun = filler.p["pronoun"][0 if female else -1]
    out, spans, pos = [], [], 0
    for m in SLOT.finditer(template):
        out.append(template[pos:m.start()])
        slot = m.group(1)
        value = name if slot == "name" else filler.value(slot, name)
        start = sum(len(x) for x in out)
        if slot in PII_SLOTS:
            spans.append({"start": start, "end": start + len(value), "type": PII_SLOTS[slot], "text": value})
        out.append(value)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), spans


def compose(core: str, spans: list[dict], filler: Filler, *, min_words: int, max_words: int) -> tuple[str, list[dict]]:
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
    shifted = [{**s, "start": s["start"] + len(prefix), "end": s["end"] + len(prefix)} for s in spans]
    return text, shifted


def generate(lang: str, split: str, *, per_family: int, seed: int = 13) -> Iterator[Sample]:
    """Yield `per_family` samples of every template family for `lang` and `split` ("train" or "eval")."""
    pools = load_pools(lang)
    rng = random.Random(f"{seed}:{lang}:{split}")
    filler = Filler(lang, pools, rng, split)
    for family, templates in pools["templates"].items():
        chosen = split_pool(templates, split)
        for _ in range(per_family):
            index = rng.randrange(len(chosen))
            template = chosen[index]
            if family in LABELS and rng.random() < 0.15:
                template = obfuscate(template, rng)
            core, spans = fill(template, filler)
            lo = 20 if split == "eval" or rng.random() < 0.5 else 0
            text, spans = compose(core, spans, filler, min_words=lo, max_words=80)
            yield Sample(text, lang, list(LABELS.get(family, [])), family, spans, HARD_NEGATIVES.get(family), index)


def write_jsonl(path, samples: Iterator[Sample], prefix: str) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for n, s in enumerate(samples, 1):
            fh.write(json.dumps(s.to_json(f"{prefix}-{n}"), ensure_ascii=False) + "\n")
    return n
