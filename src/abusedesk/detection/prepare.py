# ruff: noqa: RUF001 - lookalike and non-ASCII characters are the subject matter here
"""Text preparation: derive the detection form of a text while keeping a map back to the original.

Evasion (homoglyphs, zero-width characters, fullwidth letters, leetspeak, Arabic diacritics and tatweel) is
undone so that word lists and models see one spelling. Every character of a derived form remembers the
index of the original character it came from, so a span found on the form maps back to the ORIGINAL text,
which is what an analyst and the evidence hashes refer to.

Two forms are derived:
- ``plain``: NFKC, controls removed, Arabic-Indic digits to ASCII, mixed-script homoglyphs folded; case and
  accents kept. Personal-data recognisers (phones, postcodes, IDs, names) run on it: leetspeak folding
  would break "SW1A 1AA".
- ``form``: ``plain`` casefolded, Latin accents stripped, Arabic letters unified, leetspeak undone. Word
  lists and the n-gram models run on it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from abusedesk.sdk.detection import PreparedText

#: Zero-width and bidirectional control characters used to split words invisibly (Unicode TR9, TR36).
CONTROL_CHARS = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f"  # zero-width and soft hyphen
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi marks/embeddings
)
BIDI_CHARS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: Cross-script lookalikes folded to Latin when they appear in a word that also has Latin letters
#: (Unicode confusables.txt, own selection). Whole Cyrillic or Greek words are left alone.
HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ɡ": "g", "ı": "i",
}
#: Leetspeak digits/symbols inside words that also contain letters.
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "8": "b"}
#: Arabic orthographic variants unified (alef forms, alef maqsura, ta marbuta) as in common Arabic NLP
#: normalisation (e.g. Darwish & Magdy 2014).
ARABIC_LETTERS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"}
ARABIC_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}
TATWEEL = "\u0640"

_LATIN = re.compile(r"[a-z]")
_WORDISH = re.compile(r"[^\s.,;:?!¿¡()\[\]{}\"'«»،؛؟/\\|<>]+")
_LEET_WORD = re.compile(r"[a-z@$0-9!]+")
#: a number with a short unit or suffix ("7pm", "10km", "3rd") is not leetspeak
_QUANTITY = re.compile(r"\d+(?:[a-z]{1,3})?$")


def _is_arabic_mark(ch: str) -> bool:
    """Arabic harakat, tanwin, shadda, sukun, superscript alef and Quranic marks: not letters."""
    o = ord(ch)
    return 0x064B <= o <= 0x065F or o == 0x0670 or 0x06D6 <= o <= 0x06ED


@dataclass
class _Builder:
    chars: list[str]
    offs: list[int]

    def add(self, text: str, origin: int) -> None:
        for c in text:
            self.chars.append(c)
            self.offs.append(origin)


_ASCII_RUN = re.compile(r"[\x00-\x7f]+")


def _plain(text: str, counts: Counter[str]) -> tuple[str, list[int]]:
    """NFKC per character, controls dropped (and counted), Arabic-Indic digits to ASCII.

    ASCII runs are copied in bulk (NFKC leaves them unchanged); only other characters go one by one.
    """
    b = _Builder([], [])
    pos = 0
    for run in _ASCII_RUN.finditer(text):
        _plain_chars(text, pos, run.start(), b, counts)
        b.chars.append(run.group())
        b.offs.extend(range(run.start(), run.end()))
        pos = run.end()
    _plain_chars(text, pos, len(text), b, counts)
    plain = "".join(b.chars)
    return _fold_homoglyphs(plain, counts), b.offs


def _plain_chars(text: str, start: int, end: int, b: _Builder, counts: Counter[str]) -> None:
    for i in range(start, end):
        ch = text[i]
        if ch in CONTROL_CHARS:
            counts["bidi" if ch in BIDI_CHARS else "zero_width"] += 1
            continue
        if ch == TATWEEL:
            counts["tatweel"] += 1
            continue
        n = unicodedata.normalize("NFKC", ch)
        if n != ch and ord(ch) >= 0xFF00:
            counts["fullwidth"] += 1
        b.add("".join(ARABIC_DIGITS.get(c, c) for c in n), i)


def _fold_homoglyphs(plain: str, counts: Counter[str]) -> str:
    """Replace lookalike letters in mixed-script words (same length, so offsets are unchanged)."""
    out = list(plain)
    for m in _WORDISH.finditer(plain):
        word = m.group()
        if not any(c in HOMOGLYPHS for c in word.lower()) or not _LATIN.search(word.lower()):
            continue
        for j, c in enumerate(word):
            low = c.lower()
            if low in HOMOGLYPHS:
                rep = HOMOGLYPHS[low]
                out[m.start() + j] = rep.upper() if c != low else rep
                counts["homoglyph"] += 1
    return "".join(out)


def _detection_form(plain: str, offs: list[int], counts: Counter[str]) -> tuple[str, list[int]]:
    """Casefold, strip Latin accents and Arabic marks, unify Arabic letters, then undo leetspeak."""
    b = _Builder([], [])
    pos = 0
    for run in _ASCII_RUN.finditer(plain):
        _form_chars(plain, offs, pos, run.start(), b, counts)
        b.chars.append(run.group().lower())
        b.offs.extend(offs[run.start() : run.end()])
        pos = run.end()
    _form_chars(plain, offs, pos, len(plain), b, counts)
    return "".join(b.chars), b.offs


def _form_chars(plain: str, offs: list[int], start: int, end: int, b: _Builder, counts: Counter[str]) -> None:
    for i in range(start, end):
        ch, origin = plain[i], offs[i]
        if _is_arabic_mark(ch):
            counts["arabic_marks"] += 1
            continue
        low = ch.casefold()
        if low.isascii():
            b.add(low, origin)
            continue
        decomposed = unicodedata.normalize("NFD", low)
        if decomposed[0].isascii():  # Latin letter with accents: keep the base letter
            low = "".join(c for c in decomposed if not unicodedata.combining(c))
        b.add("".join(ARABIC_LETTERS.get(c, c) for c in low), origin)


def _undo_leet(form: str, counts: Counter[str]) -> str:
    """Map digits/symbols to letters only inside words that already have at least two letters."""
    out = list(form)
    for m in _LEET_WORD.finditer(form):
        word = m.group()
        letters = sum(c.isalpha() for c in word)
        leet = [j for j, c in enumerate(word) if c in LEET]
        if not leet or letters < 2 or len(leet) > letters or word.startswith(("@", "$")) or _QUANTITY.match(word):
            continue
        if word[-1] in "!" and word.count("!") == 1 and word[-1] == word[leet[-1]]:
            leet = leet[:-1]  # a trailing '!' is punctuation
        for j in leet:
            out[m.start() + j] = LEET[word[j]]
            counts["leet"] += 1
    return "".join(out)


#: Arabizi words whose spelling rules would get wrong (function words, pronouns), in Arabic script
ARABIZI_WORDS = {
    "ana": "انا", "enta": "انت", "inta": "انت", "enti": "انتي", "inti": "انتي", "ento": "انتو", "into": "انتو",
    "entu": "انتو", "ya": "يا", "wallah": "والله", "wallahi": "والله", "walla": "والله", "yalla": "يلا",
    "yallah": "يلا", "ra7": "رح", "mesh": "مش", "msh": "مش", "mish": "مش", "ma3": "مع", "3ala": "علي",
    "3la": "علي", "bas": "بس", "la": "لا", "ma": "ما", "fi": "في", "men": "من", "min": "من", "3an": "عن",
    "ibn": "ابن", "bint": "بنت", "keda": "كده", "kda": "كده", "leh": "ليه", "ezay": "ازاي", "shu": "شو",
    "sho": "شو", "ya3ni": "يعني", "khalas": "خلاص", "ghadi": "غادي", "bade": "بدي", "badi": "بدي", "bidi": "بدي",
    "3ayz": "عايز", "3awz": "عاوز", "hya": "هي", "heya": "هي", "hiya": "هي", "howa": "هو", "huwa": "هو",
    "hwa": "هو", "hom": "هم", "homma": "هما", "w": "و", "wa": "و",
}
#: words joined to the next one as Arabic writes them ("el kalb" -> الكلب)
ARABIZI_PREFIXES = {"el": "ال", "il": "ال", "al": "ال", "w": "و", "wa": "و"}
#: Latin letters and Arabizi digits to Arabic letters, longest first (2 is ق as in Egyptian and Levantine
#: usage, "ha2tlak"; vowels are handled in `_arabizi_word`)
ARABIZI_LETTERS = {
    "sh": "ش", "ch": "ش", "kh": "خ", "gh": "غ", "th": "ث", "dh": "ذ", "3'": "غ", "7'": "خ", "aa": "ا", "ee": "ي",
    "ii": "ي", "ei": "ي", "ai": "ي", "oo": "و", "ou": "و", "uu": "و",
    "2": "ق", "3": "ع", "5": "خ", "6": "ط", "7": "ح", "8": "غ", "9": "ص", "b": "ب", "p": "ب", "t": "ت", "j": "ج",
    "g": "ج", "d": "د", "r": "ر", "z": "ز", "s": "س", "c": "ك", "k": "ك", "q": "ق", "f": "ف", "v": "ف", "l": "ل",
    "m": "م", "n": "ن", "h": "ه", "w": "و", "y": "ي", "x": "كس",
}
_VOWELS = "aeiou"
_ARABIZI_TOKEN = re.compile(r"[a-z0-9']*[a-z][a-z0-9']*")
_FORM_SENTENCE = re.compile(r"[^.!?؟\n]+[.!?؟\n]*")


def _arabizi(form: str, offs: list[int], counts: Counter[str]) -> tuple[str, list[int]]:
    """Transliterate the Arabizi sentences of an Arabic text to Arabic script, keeping the offset map."""
    from abusedesk.detection.langid import looks_arabizi

    b = _Builder([], [])
    pos = 0
    for sent in _FORM_SENTENCE.finditer(form):
        if not looks_arabizi(sent.group()):
            continue
        b.chars.append(form[pos : sent.start()])
        b.offs.extend(offs[pos : sent.start()])
        pos = _arabizi_sentence(form, offs, sent.start(), sent.end(), b)
        counts["arabizi"] += 1
    b.chars.append(form[pos:])
    b.offs.extend(offs[pos:])
    return "".join(b.chars), b.offs


def _arabizi_sentence(form: str, offs: list[int], start: int, end: int, b: _Builder) -> int:
    pos = start
    for m in _ARABIZI_TOKEN.finditer(form, start, end):
        if m.start() < pos:  # the space after a joined prefix was skipped
            continue
        b.chars.append(form[pos : m.start()])
        b.offs.extend(offs[pos : m.start()])
        word = m.group()
        prefix = ARABIZI_PREFIXES.get(word, "")
        joined = bool(prefix and re.match(r"[ -](?=[a-z0-9])", form[m.end() : end]))
        for ch, j in _arabizi_word(word) if not joined else zip(prefix, (0, len(word) - 1), strict=False):
            b.add(ch, offs[m.start() + j])
        pos = m.end() + 1 if joined else m.end()
    b.chars.append(form[pos:end])
    b.offs.extend(offs[pos:end])
    return end


def _arabizi_word(word: str) -> list[tuple[str, int]]:
    """(Arabic letter, index in `word` it comes from) for one Arabizi word."""
    word_ = word.replace("'", "") if not any(x in word for x in ("3'", "7'")) else word
    if word_ in ARABIZI_WORDS:
        spelled = ARABIZI_WORDS[word_]
        return [(c, min(i, len(word) - 1)) for i, c in enumerate(spelled)]
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(word):
        if word[i] in _VOWELS and not word.startswith(tuple(k for k in ARABIZI_LETTERS if len(k) == 2), i):
            letter = _vowel(word, i, out)
            i += 1
        else:
            key = next((k for k in (word[i : i + 2], word[i]) if k in ARABIZI_LETTERS), "")
            letter = ARABIZI_LETTERS.get(key, "")
            i += max(len(key), 1)
        if letter and not (out and out[-1][0] == letter and letter not in "اوي"):  # doubled consonants
            out.extend((c, i - 1) for c in letter)
    return out


def _vowel(word: str, i: int, out: list[tuple[str, int]]) -> str:
    """A single short vowel: alef at the start of a word, a final vowel as Arabic writes it, else nothing."""
    if i == 0:
        return "ا"
    if i < len(word) - 1:
        return ""
    if word[i] == "a":
        return "ا" if (out and out[-1][0] == "ه") or len(word) <= 2 else "ه"
    return {"e": "ه", "i": "ي", "o": "و", "u": "و"}[word[i]]


def fold(text: str) -> str:
    """The detection form of a word or phrase (used to load word lists in the same spelling)."""
    return prepare(text).form


def prepare(text: str, lang: str | None = None) -> PreparedText:
    """Derive `PreparedText` for `text`; `lang` is stored as given (language id happens elsewhere).

    For Arabic (`lang` "ar"), sentences written in Arabizi are transliterated to Arabic script in `form`.
    """
    counts: Counter[str] = Counter()
    plain, plain_offs = _plain(text, counts)
    form, form_offs = _detection_form(plain, plain_offs, counts)
    if lang == "ar":
        form, form_offs = _arabizi(form, form_offs, counts)
    form = _undo_leet(form, counts)
    return PreparedText(
        original=text,
        form=form,
        offsets=(*form_offs, len(text)),
        lang=lang or "und",
        controls=dict(counts),
        plain=plain,
        plain_offsets=(*plain_offs, len(text)),
    )
