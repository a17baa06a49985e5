"""Metrics for `abusedesk eval`: per source and language, the detectors beside the keyword baseline.

Rows come in two formats, line by line:
- the public data format (text, lang, source, label in threat | hate_harassment | none, meta.functionality,
  hn_type): scored on `threat`, `hate_harassment` (our harassment OR hate) and `abuse` (any of them; a `threat`
  row is abuse too, since the label keeps only the most specific class);
- the project's own format (text, lang, labels: [...], spans: [...]) from the contrast sets, which adds `doxxing`
  and personal-data spans (span precision/recall: same type and overlapping).

Every group reports precision, recall, F1 and the false-positive rate, and for `abuse` the macro-F1 over abuse and
none (the figure the issue tracker and the model card quote), for the detectors and for the keyword baseline
(detection/baseline.py) run on the same rows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

OWN = ("threat", "doxxing", "hate_harassment", "abuse")
SHARED = ("threat", "hate_harassment", "abuse")
PII_TYPES = ("address", "phone", "email", "national_id", "coordinates", "licence_plate")
SYSTEMS = ("model", "keywords")
#: one parsed JSON Lines row in either format above (which fields it has depends on its source)
Row = dict[str, Any]


class Metrics(TypedDict):
    """One group's counts and rates; a rate is None when its denominator is 0."""

    n: int
    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    fpr: float | None
    macro_f1: float | None


#: group -> "<category>|<system>" -> metrics
MetricsTable = dict[str, dict[str, Metrics]]


class ReportDict(TypedDict):
    n: int
    per_source: MetricsTable
    per_functionality: MetricsTable
    pii_spans: dict[str, Metrics]  # by language


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

    def as_dict(self) -> Metrics:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else None
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r else (0.0 if r is not None else None)
        fpr = self.fp / (self.fp + self.tn) if self.fp + self.tn else None
        neg_f1 = 2 * self.tn / (2 * self.tn + self.fp + self.fn) if self.tn + self.fp + self.fn else None
        macro = (f1 + neg_f1) / 2 if f1 is not None and neg_f1 is not None else None
        return {"n": self.tp + self.fp + self.fn + self.tn, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": _r(p), "recall": _r(r), "f1": _r(f1), "fpr": _r(fpr), "macro_f1": _r(macro)}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def gold_labels(row: Row) -> tuple[set[str], tuple[str, ...]]:
    """Gold categories of a row and which category set it is scored on."""
    if isinstance(row.get("labels"), list):
        labels = set(row["labels"])
        gold = {x for x in labels if x in ("threat", "doxxing")}
        if labels & {"harassment", "hate", "threat"}:
            gold |= {"hate_harassment"} if labels & {"harassment", "hate"} else set()
            gold.add("abuse")
        return gold, OWN
    label = row.get("label", "none")
    gold = {"threat", "hate_harassment"} if label == "threat" else ({label} if label != "none" else set())
    return gold | ({"abuse"} if gold else set()), SHARED


def predicted(labels: Iterable[str]) -> set[str]:
    labels = set(labels)
    out = labels & {"threat", "doxxing"}
    if labels & {"harassment", "hate"}:
        out.add("hate_harassment")
    if labels & {"harassment", "hate", "threat"}:
        out.add("abuse")
    return out


def _group(row: Row) -> str:
    source = row.get("source") or ("contrast" if isinstance(row.get("labels"), list) else "file")
    return f"{source}:{row.get('lang') or 'und'}"


#: group -> "<category>|<system>" -> counts
_Counted = defaultdict[str, defaultdict[str, Counts]]


def _counted() -> _Counted:
    return defaultdict(lambda: defaultdict(Counts))


@dataclass
class Report:
    groups: _Counted = field(default_factory=_counted)
    by_func: _Counted = field(default_factory=_counted)
    spans: defaultdict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    n: int = 0

    def add(self, row: Row, labels: list[str], spans: list[dict[str, Any]], baseline: list[str]) -> None:
        self.n += 1
        gold, scheme = gold_labels(row)
        group = _group(row)
        func = (row.get("meta") or {}).get("functionality") or row.get("functionality") or row.get("hn_type")
        for system, pred in (("model", predicted(labels)), ("keywords", predicted(baseline))):
            for cat in scheme:
                self.groups[group][f"{cat}|{system}"].add(cat in gold, cat in pred)
                if func:
                    self.by_func[f"{group}:{func}"][f"{cat}|{system}"].add(cat in gold, cat in pred)
        if "spans" in row:
            self._spans(row.get("lang") or "und", row["spans"], spans)

    def _spans(self, lang: str, gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> None:
        gold = [g for g in gold if g["type"] in PII_TYPES]
        pred = [p for p in pred if p["type"] in PII_TYPES]
        c = self.spans[lang]
        for g in gold:
            c.add(True, any(_overlap(g, p) for p in pred))
        for p in pred:
            if not any(_overlap(g, p) for g in gold):
                c.fp += 1

    def as_dict(self) -> ReportDict:
        def conv(d: _Counted) -> MetricsTable:
            return {k: {c: v.as_dict() for c, v in sorted(inner.items())} for k, inner in sorted(d.items())}

        return {"n": self.n, "per_source": conv(self.groups), "per_functionality": conv(self.by_func),
                "pii_spans": {k: v.as_dict() for k, v in sorted(self.spans.items())}}


def _overlap(g: dict[str, Any], p: dict[str, Any]) -> bool:
    return bool(g["type"] == p["type"] and p["start"] < g["end"] and g["start"] < p["end"])


def read_rows(lines: Iterable[str], max_per_group: int | None = None) -> Iterator[Row]:
    """Parse rows; with `max_per_group`, keep the first N of each (source, lang, label, functionality, hn_type)."""
    seen: defaultdict[tuple[object, ...], int] = defaultdict(int)
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        if max_per_group:
            key = (row.get("source"), row.get("lang"), str(row.get("label", row.get("labels"))),
                   (row.get("meta") or {}).get("functionality"), row.get("hn_type"))
            seen[key] += 1
            if seen[key] > max_per_group:
                continue
        yield row


def dev_rows(data: Path, *, per_family: int = 40) -> Iterator[Row]:
    """Every row the models were NOT trained on: each source's dev split, the held-out HateCheck languages and
    the contrast sets' evaluation split."""
    from abusedesk.detection.corpus import FILES, MHC_TRAIN_LANGS
    from abusedesk.detection.generate import LANGS, generate

    for source, name in FILES.items():
        path = data / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                held = row["lang"] not in MHC_TRAIN_LANGS if source == "mhc" else row["split"] == "dev"
                if held:
                    yield row
    for lang in LANGS:
        for i, s in enumerate(generate(lang, "eval", per_family=per_family)):
            yield {**s.to_json(f"contrast-{lang}-{i}"), "source": "contrast"}


def evaluate(rows: Iterable[Row], *, batch: int = 256) -> Report:
    report = Report()
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            _score(chunk, report)
            chunk = []
    if chunk:
        _score(chunk, report)
    return report


def _score(chunk: list[Row], report: Report) -> None:
    from abusedesk.detection import baseline
    from abusedesk.detection.api import analyse_many

    results = analyse_many([r["text"] for r in chunk], [r.get("lang") for r in chunk])
    for row, res in zip(chunk, results, strict=True):
        report.add(row, res.labels, [s.to_json() for s in res.spans], baseline.classify(row["text"], row.get("lang")))


def format_table(d: ReportDict) -> str:
    """Plain-text tables: per source and language, per functionality, personal-data spans."""
    lines = [f"rows: {d['n']}", "", "per source and language (model | keyword baseline)", _header()]
    lines += _rows(d["per_source"])
    if d["per_functionality"]:
        lines += ["", "per functionality / hard-negative type", _header()]
        lines += _rows(d["per_functionality"])
    if d["pii_spans"]:
        lines += ["", "personal-data spans (same type, overlapping)",
                  f"{'lang':26} {'n':>6} {'prec':>6} {'rec':>6} {'f1':>6}"]
        for lang, m in d["pii_spans"].items():
            lines.append(f"{lang:26} {m['n']:>6} {_fmt(m['precision']):>6} {_fmt(m['recall']):>6} {_fmt(m['f1']):>6}")
    return "\n".join(lines)


def _header() -> str:
    return (f"{'group':26} {'category':16} {'n':>6} {'prec':>6} {'rec':>6} {'f1':>6} {'fpr':>6} {'macro':>6}"
            f"  | {'prec':>6} {'rec':>6} {'f1':>6} {'fpr':>6} {'macro':>6}")


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _metrics(m: Metrics) -> str:
    return " ".join(f"{_fmt(x):>6}" for x in (m["precision"], m["recall"], m["f1"], m["fpr"], m["macro_f1"]))


def _rows(table: MetricsTable) -> list[str]:
    out = []
    for group, cats in table.items():
        for cat in sorted({k.split("|")[0] for k in cats}):
            model, kw = cats.get(f"{cat}|model"), cats.get(f"{cat}|keywords")
            if model is None or kw is None:
                continue
            out.append(f"{group[:26]:26} {cat:16} {model['n']:>6} {_metrics(model)}  | {_metrics(kw)}")
    return out
