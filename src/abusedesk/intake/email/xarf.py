"""X-ARF: an abuse report as a YAML (v0.2) or JSON (v4) document in one part of a message.

- v0.2 (header `X-ARF: yes`): a human-readable part, then the report (`report.txt`, YAML: Reported-From, Category,
  Report-Type, Source-Type, Source, ...), then the evidence (logs, or the offending message).
- v4 (`xarf_version: 4.x.y`): a JSON document with `category`/`type` (or `content_type` = "category-type"),
  `source_identifier`, `url`, `reporter`, and `evidence` items (base64 payloads with their type).

YAML is read with PyYAML's safe loader, aliases refused (a few bytes of anchors cannot expand into millions of
nodes); JSON with the standard library; either at most `MAX_REPORT_BYTES`. The report's type decides our category
(`TYPE_CATEGORIES`), else its category (`CLASS_CATEGORIES`), else "other". URLs come from the report's own fields
(Source, url, source_identifier, ...); only when those name none are the evidence's text and attached message read
for URLs. Evidence is listed (type, size, SHA-256); binary evidence is never interpreted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

import yaml

from abusedesk.intake.email import freetext
from abusedesk.intake.email.found import FieldValue, Found, flat
from abusedesk.intake.email.parse import Leaf, Parsed, text_of
from abusedesk.intake.email.parse import read as read_message

MAX_REPORT_BYTES = 256 * 1024
MAX_EVIDENCE_BYTES = 2 * 1024 * 1024
REPORT_TYPES = frozenset({"text/plain", "application/json", "text/json", "application/yaml", "application/x-yaml",
                          "text/yaml", "text/x-yaml"})
TYPE_CATEGORIES = {
    "phishing": "scam", "fraud": "scam", "fake-shop": "scam", "scam": "scam", "identity-theft": "scam",
    "impersonation": "scam", "suspicious_registration": "scam",
    "malware": "malware", "ransomware": "malware", "cryptojacking": "malware", "remote_compromise": "malware",
    "botnet": "malware", "c2": "malware", "compromised-server": "malware", "mining": "malware",
    "spam": "spam", "bulk-messaging": "spam", "sms-spam": "spam", "whatsapp-spam": "spam", "social-spam": "spam",
    "voip-spam": "spam", "csam": "csam", "csem": "csam", "ncii": "ncii",
    "brand_infringement": "intellectual_property", "counterfeit": "intellectual_property",
}
CLASS_CATEGORIES = {"messaging": "spam", "copyright": "intellectual_property", "infrastructure": "malware",
                    "fraud": "scam"}
_HOST = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
V4_URL_FIELDS = ("url", "infringing_url", "c2_server", "source_identifier")


class _NoAliases(yaml.SafeLoader):
    """PyYAML's safe loader that refuses aliases (no "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases are not accepted", None)
        return super().compose_node(parent, index)


def read(parsed: Parsed) -> Found | None:
    """The X-ARF report in `parsed`, or None when no part holds one."""
    flagged = parsed.header("X-ARF").strip().lower() in {"yes", "true", "1"}
    for leaf in parsed.leaves:
        if leaf.inner or not _candidate(leaf):
            continue
        document = _load(leaf, yaml_allowed=flagged or leaf.filename.lower().endswith((".yaml", ".yml", ".txt")))
        if document is None:
            continue
        keys = {str(k).lower(): v for k, v in document.items()}
        if str(keys.get("xarf_version", "")).startswith("4"):
            return _v4(parsed, keys)
        if flagged and ("report-type" in keys or {"category", "source"} <= keys.keys()):
            return _v02(parsed, leaf, keys)
    return None


def _candidate(leaf: Leaf) -> bool:
    name = leaf.filename.lower()
    return leaf.content_type in REPORT_TYPES or name.endswith((".json", ".yaml", ".yml"))


def _load(leaf: Leaf, *, yaml_allowed: bool) -> dict[Any, Any] | None:
    payload = leaf.part.get_payload(decode=True)
    if not isinstance(payload, bytes) or len(payload) > MAX_REPORT_BYTES:
        return None
    text = payload.decode("utf-8", "replace").lstrip("\ufeff").strip()
    try:
        if text.startswith("{"):
            document = json.loads(text)
        elif yaml_allowed:
            document = yaml.load(text, Loader=_NoAliases)  # noqa: S506 - a SafeLoader subclass (no aliases)
        else:
            return None
    except (ValueError, yaml.YAMLError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def category_for(report_type: str, report_class: str) -> str:
    kind = report_type.strip().lower().replace(" ", "-")
    return TYPE_CATEGORIES.get(kind) or CLASS_CATEGORIES.get(report_class.strip().lower(), "other")


def _v02(parsed: Parsed, report: Leaf, keys: dict[str, Any]) -> Found:
    fields: dict[str, FieldValue] = {k.title(): flat(v) for k, v in list(keys.items())[:60]}
    source, source_type = str(keys.get("source", "")), str(keys.get("source-type", "")).lower()
    urls = _as_urls(source) if source_type not in {"uri", "url"} else freetext.urls_in(source) or _as_urls(source)
    if not urls:
        urls = _evidence_urls(parsed, exclude=report)
    category = category_for(str(keys.get("report-type", "")), str(keys.get("category", "")))
    return Found(format="xarf-0.2", category=category, urls=urls, fields=fields, automated=True,
                 explanation=_explanation("0.2", str(keys.get("category", "")), str(keys.get("report-type", "")),
                                          parsed.text))


def _v4(parsed: Parsed, keys: dict[str, Any]) -> Found:
    report_class, report_type = str(keys.get("category", "")), str(keys.get("type", ""))
    if not report_class and "-" in str(keys.get("content_type", "")):
        report_class, _, report_type = str(keys["content_type"]).partition("-")
    evidence, evidence_text = _v4_evidence(keys.get("evidence"))
    fields: dict[str, FieldValue] = {k: flat(v) for k, v in list(keys.items())[:60] if k != "evidence"}
    urls = [u for name in V4_URL_FIELDS for u in _as_urls(str(keys.get(name) or ""))]
    if not urls:
        urls = freetext.urls_in(evidence_text) or _evidence_urls(parsed, exclude=None)
    return Found(format="xarf-4", category=category_for(report_type, report_class), urls=list(dict.fromkeys(urls)),
                 fields=fields, automated=True, evidence=evidence,
                 explanation=_explanation(str(keys.get("xarf_version", "4")), report_class, report_type, parsed.text))


def _as_urls(value: str) -> list[str]:
    value = value.strip()
    if not value:
        return []
    found = freetext.urls_in(value)
    if found:
        return found
    host = freetext.refang(value).replace(freetext.MARK, ".").strip().strip(".")
    return [f"http://{host}/"] if _HOST.match(host) else []


def _v4_evidence(items: object) -> tuple[list[dict[str, object]], str]:
    """Each evidence item listed (type, size, SHA-256); text and message evidence decoded for URLs."""
    listed: list[dict[str, object]] = []
    texts: list[str] = []
    for item in items[:50] if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        kind = str(item.get("content_type", ""))[:100]
        try:
            body = base64.b64decode(str(item.get("payload", ""))[: MAX_EVIDENCE_BYTES * 4 // 3 + 4])
        except (binascii.Error, ValueError):
            body = b""
        listed.append({"type": kind, "description": str(item.get("description", ""))[:300], "size": len(body),
                       "sha256": hashlib.sha256(body).hexdigest()})
        if kind == "message/rfc822":
            inner = read_message(body)
            texts += [inner.text, inner.inner_text()]
        elif kind.startswith("text/"):
            texts.append(body.decode("utf-8", "replace"))
    return listed, "\n".join(texts)


def _evidence_urls(parsed: Parsed, *, exclude: Leaf | None) -> list[str]:
    texts = [text_of(leaf.part) for leaf in parsed.leaves
             if leaf is not exclude and not leaf.inner and leaf.attachment and leaf.content_type.startswith("text/")]
    return freetext.urls_in("\n".join([*texts, parsed.inner_text()]))


def _explanation(version: str, report_class: str, report_type: str, human: str) -> str:
    words = freetext.own_words(human) if human.strip() else ""
    head = f"X-ARF {version} report: {report_class or 'no category'} / {report_type or 'no type'}."
    return f"{head}\n\n{words}".strip()
