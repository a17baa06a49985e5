"""Remove personal data from free text before it is published.

The DSA Transparency Database is public and forbids personal data (Art. 24(5)). Analysts write reasoning
for people, not for the database, so it may quote an address, a phone number or a name. We replace:
e-mail addresses, URLs, IP addresses, phone-like digit runs, every *known* identifying string of the case
(customer name and ids, hostnames) matched exactly, and the case's reporters and targeted people in every
shape common/redaction.py finds them (name joins, handles, e-mail local parts and domains).
Unknown names in prose cannot be found reliably; the docs tell analysts to keep them out of reasoning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from abusedesk.common.redaction import Identity, redact_identities

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A URL ends before trailing punctuation, so "see www.example.test." keeps its full stop.
URL = re.compile(r"\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Three or more colons: "10:00:00" is a time, not an address.
IPV6 = re.compile(r"\b(?:[0-9a-f]{0,4}:){3,7}[0-9a-f]{0,4}\b", re.IGNORECASE)
# Seven or more digits, possibly separated by spaces, dots, dashes or brackets: phone numbers, ids.
PHONE = re.compile(r"(?<!\w)\+?\(?\d(?:[\s().-]{0,2}\d){6,}(?!\w)")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
MIN_TERM = 3  # shorter "names" would blank out ordinary words


def scrub(text: str, known: Iterable[str] = (), people: Iterable[Identity] = ()) -> str:
    """`text` with personal data replaced by bracketed placeholders."""
    result = text or ""
    # Patterns first, so that a URL or e-mail containing a known hostname goes as a whole.
    for pattern, placeholder in ((EMAIL, "[e-mail]"), (URL, "[url]"), (IPV6, "[address]"), (IPV4, "[address]")):
        result = pattern.sub(placeholder, result)
    result = PHONE.sub(_number, result)
    result = redact_identities(result, people)
    for term in sorted({t.strip() for t in known if t and len(t.strip()) >= MIN_TERM}, key=len, reverse=True):
        result = re.sub(re.escape(term), "[redacted]", result, flags=re.IGNORECASE)
    return result


def _number(match: re.Match[str]) -> str:
    """Dates are facts an explanation needs ("posted on 2026-08-03"); other long digit runs go."""
    return match.group(0) if ISO_DATE.search(match.group(0)) else "[number]"


def clip(text: str, limit: int) -> str:
    """Cut to `limit` characters, marking the cut (scrub first: a cut could split an address)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
