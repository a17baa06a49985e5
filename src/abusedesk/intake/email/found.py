"""What a format reader (arf.py, xarf.py, or free text) found in a message, before it becomes a ReportDraft."""

from __future__ import annotations

from dataclasses import dataclass, field

FieldValue = str | list[str]


@dataclass
class Found:
    format: str  # "arf", "xarf-0.2", "xarf-4" or "text"
    category: str  # a Category value; "" when the text's words must decide (classify.py)
    urls: list[str]
    explanation: str
    fields: dict[str, FieldValue] = field(default_factory=dict)  # the format's machine fields, for the console
    automated: bool = False  # machine-made (ARF, X-ARF): the reporter's claimed kind is "automated"
    ignore: str = ""  # a reason this is no report at all (e.g. ARF "not-spam" feedback)
    evidence: list[dict[str, object]] = field(default_factory=list)  # X-ARF v4 evidence items, listed

    @property
    def structured(self) -> bool:
        return self.format != "text"


def flat(value: object, limit: int = 2000) -> FieldValue:
    """A machine field's value as a string or a list of strings (nested objects as their repr, cut short)."""
    if isinstance(value, list):
        return [str(item)[:limit] for item in value[:50]]
    return str(value)[:limit] if value is not None else ""
