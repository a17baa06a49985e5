# ruff: noqa: RUF001, RUF002 - quotation marks and Arabic are the subject matter here
"""Whose words are these? Quoted and reported speech inside a post.

A post that quotes a threat in order to condemn it ("he wrote «I'll find you» — this is disgusting, report him"),
or reports one ("she was threatened with…", "amenazó con…", "هدده بالقتل"), is not a threat by its poster. The
models are trained on whole posts, so they see the violent words either way; this module finds the stretches that
are someone else's words, and the scoring stage judges the post on what is left (`mask`), with the masked stretches
kept as `quoted` / `reported` spans in the explanation.

What counts as someone else's words:
- text between paired quotation marks (" ", “ ”, « », „ “, ‘ ’, 「 」) of at least `MIN_QUOTE` letters;
- the rest of a sentence after a reporting verb in the past or passive ("threatened to", "said that", "wrote",
  "amenazó con", "dijo que", "escribió", "قال", "كتب", "هدد") — in the present or future ("I'm telling you:") they
  are the poster's own.
Masking keeps every character position (masked characters become spaces), so spans found on the masked text still
index the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_QUOTE = 8
#: any opening mark with any closing mark: people mix them ("„te voy a matar"", "«…"")
_OPEN, _CLOSE = '"“„«‘‹「', '"”“»’›」'
_QUOTES = [re.compile(f"[{re.escape(_OPEN)}]([^{re.escape(_OPEN + _CLOSE)}\n]{{1,600}})[{re.escape(_CLOSE)}]")]
#: reporting frames (past tense or passive): the rest of the sentence is someone else's words
_REPORT = {
    "en": r"(?:threatened(?:\s+(?:to|with|that))?|was\s+threatened|were\s+threatened|(?:he|she|they|someone|somebody|"
          r"a\s+user|the\s+user|this\s+guy|people|users)\s+(?:said|wrote|posted|commented|tweeted|messaged|replied|"
          r"told\s+(?:her|him|me|them|us))(?:\s+that)?|(?:message|comment|post|dm|text|note|email)\s+(?:saying|that\s+said|"
          r"which\s+said|that\s+read|reading)|quote\s*:|quoting\s*:|screenshot\s*:)",
    "es": r"(?:amenaz[oó](?:\s+(?:con|de))?|amenazaron(?:\s+con)?|fue\s+amenazad[oa]|(?:dijo|escribi[oó]|public[oó]|"
          r"coment[oó]|puso|tuite[oó]|dec[ií]a|pon[ií]a)(?:\s+que)?|le\s+escribieron(?:\s+que)?|"
          r"(?:mensaje|comentario|tuit|correo|nota)\s+(?:que\s+dice|diciendo)|cita\s*:)",
    "ar": r"(?:(?<!\w)(?:و|ف)?(?:هدد|هددها|هدده|هددهم|هددوا|هددوها|تهدد|قال|قالت|قالوا|كتب|كتبت|كتبوا|نشر|نشرت|"
          r"علق|علقت)(?!\w))",
}
_REPORT_RE = re.compile("|".join(f"(?:{p})" for p in _REPORT.values()), re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?؟\n]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Masked:
    text: str  # same length as the original; other people's words replaced by spaces
    spans: tuple[tuple[int, int, str], ...]  # (start, end, "quoted" | "reported") on the original


def mask(text: str) -> Masked | None:
    """The post with quoted and reported speech blanked out, or None when there is none."""
    spans: list[tuple[int, int, str]] = []
    for pattern in _QUOTES:
        for m in pattern.finditer(text):
            if len(_LETTER.findall(m.group(1))) >= MIN_QUOTE:
                spans.append((m.start(), m.end(), "quoted"))
    for m in _REPORT_RE.finditer(text):
        end = _SENTENCE_END.search(text, m.end())
        stop = end.start() if end else len(text)
        if len(_LETTER.findall(text[m.end():stop])) >= 3:
            spans.append((m.start(), stop, "reported"))
    if not spans:
        return None
    chars = list(text)
    for a, b, _ in spans:
        for i in range(a, b):
            if not chars[i].isspace():
                chars[i] = " "
    return Masked("".join(chars), tuple(sorted(set(spans))))
