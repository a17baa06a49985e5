"""Training is deterministic and reads the public data format (small samples, fast)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from abusedesk.detection.corpus import LABELS, U, build, map_real, read_generated, read_real
from abusedesk.detection.train import best_threshold, fit_linear, train_all

FILES = ("ngram-ar.npz", "ngram-en.npz", "ngram-es.npz", "thresholds.json")


def test_linear_model_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    corpus = build(read_generated("train", per_family=3, langs=("en",)))
    a, oof_a = fit_linear(corpus, "en")
    b, oof_b = fit_linear(corpus, "en")
    a.save(tmp_path / "a.npz")
    b.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert np.array_equal(oof_a, oof_b)


def test_train_all_writes_every_language_and_the_same_bytes_twice(tmp_path: Path) -> None:
    digests = [train_all(tmp_path / f"run{i}", tmp_path / "no-data", per_family=3, encoder=False) for i in range(2)]
    assert digests[0] == digests[1]
    assert set(digests[0]) == set(FILES)
    table = json.loads((tmp_path / "run0" / "thresholds.json").read_text())["languages"]
    assert set(table) == {"en", "es", "ar"} and set(table["es"]["threshold"]) == set(LABELS)
    assert hashlib.sha256((tmp_path / "run0" / "ngram-es.npz").read_bytes()).hexdigest() == digests[0]["ngram-es.npz"]


def test_sources_label_only_the_heads_they_know() -> None:
    tg = map_real({"source": "threatgram101", "label": "none"})
    assert tg == (0, U, U, U)
    mpold = map_real({"source": "mpold", "label": "hate_harassment",
                      "orig_label": {"Vulgar:V/HateSpeech:HS/None:-": "HS"}})
    assert mpold == (U, U, 1, 1)
    davidson = map_real({"source": "davidson", "label": "hate_harassment", "orig_label": {"class": 1}})
    assert davidson == (U, U, 1, U)
    assert map_real({"source": "edos", "label": "threat"}) == (1, U, U, 1)


def test_held_out_hatecheck_languages_are_dev(tmp_path: Path) -> None:
    folder = tmp_path / "mhc-dev"
    folder.mkdir()
    rows = [{"text": f"t{lang}", "lang": lang, "label": "none", "source": "mhc", "split": "test"}
            for lang in ("de", "nl")]
    (folder / "mhc-dev-languages.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    splits = {r.lang: r.split for r in read_real(tmp_path, ["mhc"])}
    assert splits == {"de": "train", "nl": "dev"}


def test_threshold_respects_the_false_positive_cap() -> None:
    y = np.array([1] * 50 + [0] * 950)
    p = np.concatenate([np.linspace(0.6, 1.0, 50), np.linspace(0.0, 0.7, 950)])
    t = best_threshold(y, p, cap=0.02)
    assert ((p >= t) & (y == 0)).sum() / 950 <= 0.02
