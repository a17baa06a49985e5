"""ARF, the Abuse Reporting Format (RFC 5965): `multipart/report; report-type=feedback-report`.

Its three parts: a human-readable text, the machine-readable `message/feedback-report` (fields such as
Feedback-Type, User-Agent, Source-IP, Reported-Domain, Reported-URI) and the original message (`message/rfc822`)
or its headers (`text/rfc822-headers`). The category comes from Feedback-Type (abuse is spam, fraud a scam, virus
malware; `not-spam` is no report); the URLs from Source-IP (the sending host, first), Reported-URI, then the URLs
in the original message's text.
"""

from __future__ import annotations

from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from abusedesk.intake.email import freetext
from abusedesk.intake.email.found import FieldValue, Found
from abusedesk.intake.email.parse import Leaf, Parsed, clean, header, one_line

FEEDBACK_CATEGORIES = {"abuse": "spam", "fraud": "scam", "virus": "malware", "other": "other",
                       "auth-failure": "other", "opt-out": "spam"}
ORIGINAL_HEADERS = ("From", "To", "Subject", "Date", "Message-ID")


def is_arf(parsed: Parsed) -> bool:
    message = parsed.message
    try:
        report_type = str(message.get_param("report-type", "", header="content-type") or "")
    except Exception:  # an unreadable Content-Type: not ARF
        return False
    return message.get_content_type() == "multipart/report" and report_type.lower() == "feedback-report"


def read(parsed: Parsed) -> Found | None:
    """The ARF report in `parsed`, or None when it has no feedback-report part (then it is read as free text)."""
    machine = next((leaf for leaf in parsed.leaves if leaf.content_type == "message/feedback-report"), None)
    if machine is None:
        return None
    fields = _machine_fields(machine)
    fields.update(_original_fields(parsed.leaves))
    feedback = str(fields.get("Feedback-Type", "")).strip().lower()
    found = Found(format="arf", category=FEEDBACK_CATEGORIES.get(feedback, "other"), urls=_urls(parsed, fields),
                  explanation=_explanation(feedback, parsed.text), fields=fields, automated=True)
    if feedback == "not-spam":
        found.ignore = "arf_not_spam"
    return found


def _machine_fields(leaf: Leaf) -> dict[str, FieldValue]:
    payload = leaf.part.get_payload()
    holder = payload[0] if isinstance(payload, list) and payload else None
    fields: dict[str, FieldValue] = {}
    if not isinstance(holder, Message):
        return fields
    for name, value in list(holder.items())[:100]:
        key, text = one_line(name, 80), one_line(clean(value), 2000)
        if key.lower() in ("reported-uri", "original-rcpt-to", "reported-domain"):
            existing = fields.get(key, [])
            fields[key] = [*(existing if isinstance(existing, list) else [existing]), text][:50]
        else:
            fields.setdefault(key, text)
    return fields


def _original_fields(leaves: list[Leaf]) -> dict[str, FieldValue]:
    """A few headers of the original message, shown to analysts (never its body)."""
    original = next((leaf for leaf in leaves if leaf.content_type in ("message/rfc822", "text/rfc822-headers")
                     and leaf.depth == 1), None)
    if original is None:
        return {}
    part = original.part
    if original.content_type == "message/rfc822":
        payload = part.get_payload()
        head = payload[0] if isinstance(payload, list) and payload else None
    else:
        raw = part.get_payload(decode=True)
        head = BytesHeaderParser(policy=default_policy).parsebytes(raw if isinstance(raw, bytes) else b"")
    if not isinstance(head, Message):
        return {}
    out: dict[str, FieldValue] = {}
    for name in ORIGINAL_HEADERS:
        value = header(head, name)  # "" when absent or unreadable
        if value:
            out[f"Original {name}"] = one_line(value, 500)
    return out


def _urls(parsed: Parsed, fields: dict[str, FieldValue]) -> list[str]:
    urls = [u for u in freetext.urls_in(str(fields.get("Source-IP", ""))) if u]
    reported = fields.get("Reported-URI", [])
    for uri in reported if isinstance(reported, list) else [reported]:
        urls += freetext.urls_in(uri)
    domains = fields.get("Reported-Domain", [])
    if not urls:
        urls += [f"http://{d.strip().strip('.')}/" for d in (domains if isinstance(domains, list) else [domains])
                 if d.strip()]
    urls += freetext.urls_in(parsed.inner_text())
    return list(dict.fromkeys(urls))


def _explanation(feedback: str, human: str) -> str:
    words = freetext.own_words(human) if human.strip() else ""
    head = f"ARF feedback report (Feedback-Type: {feedback or 'missing'})."
    return f"{head}\n\n{words}".strip()
