"""Metrics for `abusedesk eval`: per language, per category, per functionality / hard-negative type.

Two input formats are accepted, line by line:
- the shared data format (text, lang, label in threat | hate_harassment | none, meta.functionality,
  hn_type): categories `threat` and `hate_harassment` (= our harassment OR hate). A shared `threat` row is
  also counted as hate_harassment, since the shared label keeps only the most specific class;
- the project's own format (text, lang, labels: [...], spans: [...]) from data/generator, which adds
  doxxing and personal-data spans (span precision/recall: same type and overlapping).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

OWN = ("threat", "doxxing", "harassment", "hate")
SHARED = ("threat", "hate_harassment")
PII_TYPES = ("address", "phone", "email", "national_id", "coordinates", "licence_plate")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, gold: bool, pred: bool) -> None:
        if gold and pred:
            self.tp += 1
        elif pred:
            self.fp += 1
        elif gold:
            self.fn += 1
        else:
            self.tn += 1

    def as_dict(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r else (0.0 if r is not None else None)
        fpr = self.fp / (self.fp + self.tn) if self.fp + self.tn else None
        return {"n": self.tp + self.fp + self.fn + self.tn, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": _r(p), "recall": _r(r), "f1": _r(f1), "fpr": _r(fpr)}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def gold_labels(row: dict) -> tuple[set[str], tuple[str, ...]]:
    """Gold categories of a row and which category set it is scored on."""
    if isinstance(row.get("labels"), list):
        return set(row["labels"]), OWN
    label = row.get("label", "none")
    gold = {"threat", "hate_harassment"} if label == "threat" else ({label} if label != "none" else set())
    return gold, SHARED


def predicted(labels: Iterable[str], scheme: tuple[str, ...]) -> set[str]:
    labels = set(labels)
    if scheme == SHARED:
        return {"threat"} & labels | ({"hate_harassment"} if labels & {"harassment", "hate"} else set())
    return labels


@dataclass
class Report:
    by_lang: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counts)))
    by_func: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counts)))
    by_hn: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counts)))
    spans: dict = field(default_factory=lambda: defaultdict(Counts))
    n: int = 0

    def add(self, row: dict, labels: list[str], spans: list[dict]) -> None:
        self.n += 1
        gold, scheme = gold_labels(row)
        pred = predicted(labels, scheme)
        lang = row.get("lang") or "und"
        func = (row.get("meta") or {}).get("functionality")
        hn = row.get("hn_type")
        for cat in scheme:
            self.by_lang[lang][cat].add(cat in gold, cat in pred)
            if func:
                self.by_func[f"{lang}:{func}"][cat].add(cat in gold, cat in pred)
            if hn:
                self.by_hn[f"{lang}:{hn}"][cat].add(cat in gold, cat in pred)
        if "spans" in row:
            self._spans(lang, row["spans"], spans)

    def _spans(self, lang: str, gold: list[dict], pred: list[dict]) -> None:
        gold = [g for g in gold if g["type"] in PII_TYPES]
        pred = [p for p in pred if p["type"] in PII_TYPES]
        c = self.spans[lang]
        for g in gold:
            c.add(True, any(_overlap(g, p) for p in pred))
        for p in pred:
            if not any(_overlap(g, p) for g in gold):
                c.fp += 1

    def as_dict(self) -> dict[str, Any]:
        def conv(d):
            return {k: {c: v.as_dict() for c, v in sorted(inner.items())} for k, inner in sorted(d.items())}

        return {"n": self.n, "per_language": conv(self.by_lang), "per_functionality": conv(self.by_func),
                "per_hn_type": conv(self.by_hn),
                "pii_spans": {k: v.as_dict() for k, v in sorted(self.spans.items())}}


def _overlap(g: dict, p: dict) -> bool:
    return g["type"] == p["type"] and p["start"] < g["end"] and g["start"] < p["end"]


def read_rows(lines: Iterable[str], max_per_group: int | None = None) -> Iterator[dict]:
    """Parse rows; with `max_per_group`, keep the first N of each (lang, label, functionality, hn_type)."""
    seen: dict[tuple, int] = defaultdict(int)
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        if max_per_group:
            key = (row.get("lang"), str(row.get("label", row.get("labels"))),
                   (row.get("meta") or {}).get("functionality"), row.get("hn_type"))
            seen[key] += 1
            if seen[key] > max_per_group:
                continue
        yield row


def evaluate(rows: Iterable[dict], *, batch: int = 256) -> Report:
    from abusedesk.detection.api import analyse_many

    report = Report()
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            _score(chunk, report, analyse_many)
            chunk = []
    if chunk:
        _score(chunk, report, analyse_many)
    return report


def _score(chunk: list[dict], report: Report, analyse_many) -> None:
    results = analyse_many([r["text"] for r in chunk], [r.get("lang") for r in chunk])
    for row, res in zip(chunk, results, strict=True):
        report.add(row, res.labels, [s.to_json() for s in res.spans])


def format_table(d: dict[str, Any]) -> str:
    """Plain-text tables: per language, per functionality / hard-negative type, PII spans."""
    lines = [f"rows: {d['n']}", "", "per language", _header()]
    lines += _rows(d["per_language"])
    for title, key in (("per functionality", "per_functionality"), ("per hard-negative type", "per_hn_type")):
        if d[key]:
            lines += ["", title, _header()]
            lines += _rows(d[key])
    if d["pii_spans"]:
        lines += ["", "personal-data spans (same type, overlapping)", _header()]
        lines += _rows({k: {"pii": v} for k, v in d["pii_spans"].items()})
    return "\n".join(lines)


def _header() -> str:
    return f"{'group':38} {'category':16} {'n':>6} {'prec':>6} {'rec':>6} {'f1':>6} {'fpr':>6}"


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _rows(table: dict) -> list[str]:
    out = []
    for group, cats in table.items():
        for cat, m in cats.items():
            out.append(f"{group[:38]:38} {cat:16} {m['n']:>6} {_fmt(m['precision']):>6} {_fmt(m['recall']):>6} "
                       f"{_fmt(m['f1']):>6} {_fmt(m['fpr']):>6}")
    return out
