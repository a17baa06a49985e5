"""Training is deterministic: the same data gives the same model bytes (small sample, fast)."""

from __future__ import annotations

import hashlib

from abusedesk.detection.train import LABELS, fit_ngram, generated, merge, train_all


def test_fit_ngram_is_byte_for_byte_reproducible(tmp_path):
    corpus = merge(generated(4, langs=("en", "es")))
    a, th_a = fit_ngram(corpus)
    b, th_b = fit_ngram(corpus)
    a.save(tmp_path / "a.npz")
    b.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert th_a == th_b
    assert set(th_a["en"]) == set(LABELS)


def test_train_all_writes_models_and_thresholds(tmp_path):
    digests = [train_all(tmp_path / f"run{i}", tmp_path / "no-shared-data", per_family=3, encoder=False)
               for i in range(2)]
    assert digests[0] == digests[1]
    assert set(digests[0]) == {"ngram.npz", "thresholds.json"}
    data = (tmp_path / "run0" / "ngram.npz").read_bytes()
    assert hashlib.sha256(data).hexdigest() == digests[0]["ngram.npz"]
