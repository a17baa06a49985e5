"""Free text: the reporter's own words, the URLs and IP addresses in a text, and what the reporter says about sharing
their identity.

- Own words: quoted replies and signatures are stripped by `mail-parser-reply`; a small rule of our own then drops
  what it leaves in some languages (lines quoted with `>`, the "On ... wrote:" line above them, and everything from a
  "-----Original Message-----" or "Forwarded message" separator on). URLs are still taken from the whole text: a
  forwarded phishing mail is the evidence.
- URLs: http(s) URLs, written plainly or defanged (`hxxp://`, `h**ps://`, `example[.]com`, `example(.)com`,
  `example[dot]com`, `[:]//`); a bare domain only when it was defanged or starts with `www.` (a defanged name is
  someone pointing at an indicator; a plain word with a dot often is not). IP addresses become `http://IP/`;
  private, loopback, link-local and multicast ones are left out. URLs to this desk itself (a quoted receipt's
  status link) are left out.
- Sharing: a line `Share my identity: send|anonymous|none` (all recipients) or `Share identity with host|site
  owner|law enforcement: ...`, or in Spanish `Compartir mi identidad (con el proveedor|propietario del sitio|las
  autoridades): sí|anónimo|no`. Unsaid, an e-mail reporter shares nothing.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

MARK = "\u2024"  # stands for a dot that was defanged, until the indicator around it is found
_DEFANGED_DOT = re.compile(r"\s?[\[({]\s*(?:\.|dot|punto|point)\s*[\])}]\s?", re.IGNORECASE)
_DEFANGED_SCHEME = re.compile(r"\bh(?:xx|\*\*|XX|xX|Xx|tt)p(s?)(?:\[:\]|:)(?:\[/\]|/)(?:\[/\]|/)", re.IGNORECASE)
_BRACKETED_COLON = re.compile(r"(?<=https)\[:\]|(?<=http)\[:\]|\[://\]", re.IGNORECASE)
_URL = re.compile(r"\bhttps?://(?:\[[0-9A-Fa-f:.]+\]|[^\s<>\"'`{}|\\^\[\]/?#]+)[^\s<>\"'`{}|\\^]*", re.IGNORECASE)
_BARE = re.compile(rf"(?<![\w@{MARK}.-])(?:www\.|[\w-]+{MARK})[\w{MARK}.-]*[\w](?::\d{{1,5}})?(?:/[^\s<>\"'`]*)?")
_HOSTLIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)+(?::\d{1,5})?(?:/.*)?$")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_TRAILING = ".,;:!?'\"\u00bb\u203a>*"
_QUOTE_INTRO = re.compile(r":\s*$")
_SEPARATOR = re.compile(r"^\s*(?:-{2,}\s*(?:original message|mensaje original|message d'origine|forwarded message|"
                        r"mensaje reenviado|message transféré|weitergeleitete nachricht)\s*-{2,}|-{5,}\s*$|_{10,}\s*$)",
                        re.IGNORECASE)
REPLY_LANGUAGES = sorted(MAIL_LANGUAGES)


def refang(text: str) -> str:
    """Defanged indicators written plainly again; a defanged dot is left as MARK for `urls_in` to see."""
    text = _DEFANGED_SCHEME.sub(lambda m: f"http{m.group(1).lower()}://", text)
    text = _BRACKETED_COLON.sub(lambda m: "://" if m.group(0) == "[://]" else ":", text)
    return _DEFANGED_DOT.sub(MARK, text)


def urls_in(text: str, *, limit: int = 200) -> list[str]:
    """The URLs and IP addresses of `text` (plain or defanged) as URL strings, in order, without repeats."""
    text = refang(text)
    found: list[str] = []
    for match in _URL.finditer(text):
        found.append(_trim(match.group(0)).replace(MARK, "."))
    rest = _URL.sub(" ", text)
    for match in _BARE.finditer(rest):
        token = _trim(match.group(0)).replace(MARK, ".")
        if _HOSTLIKE.match(token) and re.search(r"\.[^\W\d_]{2,}(?::\d+)?(?:/|$)", token):
            found.append(f"http://{token}")
    rest = _BARE.sub(" ", rest).replace(MARK, ".")
    found += [_ip_url(m.group(0)) for m in (*_IPV4.finditer(rest), *_IPV6.finditer(rest))]
    own = urlsplit(settings.PUBLIC_URL).hostname or ""
    kept = [u for u in found if u and not (own and (urlsplit(u).hostname or "") == own.lower())]
    return list(dict.fromkeys(kept))[:limit]


def _trim(token: str) -> str:
    while token and token[-1] in _TRAILING:
        token = token[:-1]
    for opening, closing in ("()", "[]"):
        while token.endswith(closing) and token.count(closing) > token.count(opening):
            token = token[:-1]
    return token.rstrip(_TRAILING)


def _ip_url(candidate: str) -> str:
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return ""
    if (address.is_private and not _documentation(address)) or address.is_loopback or address.is_link_local \
            or address.is_multicast or address.is_unspecified:
        return ""
    return f"http://[{address}]/" if address.version == 6 else f"http://{address}/"


_DOCUMENTATION = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                                    "2001:db8::/32")]


def _documentation(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Documentation ranges (RFC 5737, RFC 3849) count as public: examples and tests use them."""
    return any(address in net for net in _DOCUMENTATION if net.version == address.version)


def own_words(text: str) -> str:
    """The newest part of a message: quoted replies, reply headers and signatures removed."""
    try:
        newest = EmailReplyParser(languages=REPLY_LANGUAGES).parse_reply(text) or text
    except Exception:  # the library's regular expressions on hostile text: keep the whole text
        newest = text
    return _strip_quoted(newest).strip() or text.strip()


def _strip_quoted(text: str) -> str:
    lines = text.splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _SEPARATOR.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        following = next((n for n in lines[index + 1:] if n.strip()), "")
        if _QUOTE_INTRO.search(line) and following.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


_SHARE_EN = re.compile(r"^\s*share(?:\s+my)?\s+identity(?:\s+with\s+(?:the\s+)?(host|site[ _]owner|law[ _]enforcement|"
                       r"police))?\s*[:=]\s*(send|yes|anonymous|anonymously|none|no)\b", re.IGNORECASE | re.MULTILINE)
_SHARE_ES = re.compile(r"^\s*compartir(?:\s+mi)?\s+identidad(?:\s+con\s+(?:el\s+|la\s+|las\s+)?(proveedor|"
                       r"propietario del sitio|autoridades|polic[ií]a))?\s*[:=]\s*(s[ií]|enviar|an[oó]nim[oa]|no)\b",
                       re.IGNORECASE | re.MULTILINE)
_WHO = {"host": "host", "site owner": "site_owner", "site_owner": "site_owner", "law enforcement": "law_enforcement",
        "law_enforcement": "law_enforcement", "police": "law_enforcement", "proveedor": "host",
        "propietario del sitio": "site_owner", "autoridades": "law_enforcement", "policia": "law_enforcement",
        "policía": "law_enforcement"}
_CHOICE = {"send": "send", "yes": "send", "si": "send", "sí": "send", "enviar": "send", "anonymous": "anonymous",
           "anonymously": "anonymous", "anonimo": "anonymous", "anónimo": "anonymous", "anonima": "anonymous",
           "anónima": "anonymous", "none": "none", "no": "none"}
RECIPIENTS = ("host", "site_owner", "law_enforcement")


def sharing(text: str) -> dict[str, str]:
    """What the text says about sharing the reporter's identity, per recipient ({} when it says nothing)."""
    choices: dict[str, str] = {}
    for pattern in (_SHARE_EN, _SHARE_ES):
        for match in pattern.finditer(text):
            who, choice = (match.group(1) or "").lower(), _CHOICE[match.group(2).lower()]
            for recipient in ([_WHO[who]] if who else RECIPIENTS):
                choices[recipient] = choice
    return choices
