"""A free-text report's language and category.

Language: the project's language identification (abusedesk.detection.langid), on the reporter's own words; "" when
it finds none of the configured languages. Category, from two sources:
- the detectors (abusedesk.detection.api.analyse: threat, doxxing, harassment, hate), their labels at the decision
  threshold. This loads the models: it runs in the job that reads the message, in a worker, where they are warm;
- words that name a category (data/category_words.json, per language: CSAM, intimate images, terrorist content,
  malware, scams and phishing, intellectual property, spam), matched at the start of a word, accents ignored.
When both point somewhere, the most severe category wins (`ORDER`: a threat outranks a phishing page, which
outranks spam); when neither does, the category is "other" and an analyst sets it.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from functools import cache
from pathlib import Path

logger = logging.getLogger("abusedesk.intake.email")

ORDER = ("csam", "terrorism", "ncii", "threat", "doxxing", "harassment", "hate", "malware", "scam",
         "intellectual_property", "spam")
WORDS = Path(__file__).resolve().parent / "data" / "category_words.json"
MAX_CHARS = 5000  # the detectors and language identification read the start of a long text


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    data = json.loads(WORDS.read_text(encoding="utf-8"))
    patterns = {}
    for category, by_language in data.items():
        if category.startswith("_"):
            continue
        words = sorted({fold(w) for words in by_language.values() for w in words}, key=len, reverse=True)
        patterns[category] = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")")
    return patterns


def language_of(text: str) -> str:
    from abusedesk.detection.langid import dominant, identify_many

    try:
        code = dominant(identify_many([text[:MAX_CHARS]])[0], "")
    except Exception:  # language identification failing must not stop intake
        logger.warning("language identification failed on an e-mail report", exc_info=True)
        return ""
    return code if re.fullmatch(r"[a-z]{2}", code) else ""


def named_categories(text: str) -> dict[str, int]:
    folded = fold(text)
    counts = {category: len(pattern.findall(folded)) for category, pattern in _patterns().items()}
    return {category: n for category, n in counts.items() if n}


def detected_categories(text: str, lang: str) -> list[str]:
    from abusedesk.detection.api import analyse

    try:
        return list(analyse(text[:MAX_CHARS], lang or None).labels)
    except Exception:  # a detector failing leaves the words to decide
        logger.warning("detectors failed on an e-mail report", exc_info=True)
        return []


def guess_category(text: str, lang: str) -> tuple[str, str]:
    """(category, why) for a free-text report."""
    named = named_categories(text)
    detected = detected_categories(text, lang)
    candidates = set(named) | set(detected)
    if not candidates:
        return "other", "no detector label and no word naming a category: other"
    best = min(candidates, key=lambda c: ORDER.index(c) if c in ORDER else len(ORDER))
    source = "detectors" if best in detected else f"{named[best]} word(s) naming it"
    return best, f"{best} from the {source}" + (f" (also: {', '.join(sorted(candidates - {best}))})"
                                                if len(candidates) > 1 else "")
