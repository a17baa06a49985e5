"""The generators: deterministic, and train/eval DISJOINT by template, name and place."""

from __future__ import annotations

import re

from abusedesk.detection.generate import LANGS, generate, load_pools, split_pool


def test_pools_are_split_disjointly():
    for lang in LANGS:
        pools = load_pools(lang)
        for key, items in [*pools["templates"].items(), *((k, v) for k, v in pools.items() if isinstance(v, list))]:
            if key == "pronoun":
                continue
            train, held = split_pool(items, "train"), split_pool(items, "eval")
            assert not set(map(str, train)) & set(map(str, held)), (lang, key)
            assert train and held, (lang, key)


def test_eval_texts_use_no_training_name():
    for lang in LANGS:
        train_names = split_pool(load_pools(lang)["names"], "train")
        for s in generate(lang, "eval", per_family=2):
            assert not any(re.search(rf"\b{re.escape(n)}\b", s.text) for n in train_names), s.text


def test_generation_is_deterministic():
    a = [s.to_json("x") for s in generate("es", "train", per_family=3)]
    b = [s.to_json("x") for s in generate("es", "train", per_family=3)]
    assert a == b


def test_gold_spans_index_the_text():
    for lang in LANGS:
        for s in generate(lang, "eval", per_family=3):
            for span in s.spans:
                assert s.text[span["start"] : span["end"]] == span["text"]
            assert 20 <= len(s.text.split()) <= 80 or not s.labels
