"""The generators: deterministic, train/eval DISJOINT by template, name and place, every family well stocked."""

from __future__ import annotations

import builtins
import re

import pytest

from abusedesk.detection import generate as gen
from abusedesk.detection.generate import HARD_NEGATIVES, LABELS, LANGS, generate, load_pools, split_pool

MIN_TEMPLATES = 30
REQUIRED = {
    "threat_direct", "threat_veiled", "threat_conditional", "threat_deadline", "threat_located", "threat_incitement",
    "threat_group", "doxx", "doxx_context", "doxx_threat", "harass_insult", "harass_pileon", "hate",
    "neg_figurative", "neg_fiction", "neg_gaming", "neg_news", "neg_counter_quote", "neg_negation",
    "neg_nonviolent_punishment", "neg_benign_visit", "neg_business", "neg_own", "neg_short",
    "neg_identity_positive", "neg_community", "neutral",
}


@pytest.mark.parametrize("lang", LANGS)
def test_every_family_is_present_with_enough_distinct_templates(lang):
    templates = load_pools(lang)["templates"]
    assert set(templates) == REQUIRED
    for family, items in templates.items():
        assert len(set(items)) == len(items) >= MIN_TEMPLATES, (lang, family, len(items))


def test_label_table_covers_every_family_exactly_once():
    assert not set(LABELS) & set(HARD_NEGATIVES)
    assert set(LABELS) | set(HARD_NEGATIVES) == REQUIRED
    assert LABELS["threat_group"] == ["threat", "hate"]
    assert LABELS["doxx_threat"] == ["doxxing", "threat"]
    assert LABELS["threat_located"] == ["threat"]
    assert {lab for labs in LABELS.values() for lab in labs} == {"threat", "doxxing", "harassment", "hate"}


@pytest.mark.parametrize("lang", LANGS)
def test_templates_use_only_known_slots(lang):
    pools = load_pools(lang)
    known = {"name", "handle", "address", "phone", "email", "id", "coords", "plate", "city", "street", "employer",
             "school", "time", "day", "group"} | set(pools["pronouns"]["female"])
    known |= {f"{k}_c" for k in pools["pronouns"]["female"]}
    for family, items in pools["templates"].items():
        for t in items:
            assert set(re.findall(r"\{(\w+)\}", t)) <= known, (lang, family, t)


@pytest.mark.parametrize("lang", LANGS)
def test_pools_and_templates_are_split_disjointly(lang):
    pools = load_pools(lang)
    for key, items in [*pools["templates"].items(), *((k, v) for k, v in pools.items() if isinstance(v, list))]:
        if key == "street_types":
            continue
        train, held = split_pool(items, "train"), split_pool(items, "eval")
        assert not set(train) & set(held), (lang, key)
        assert train and held, (lang, key)


@pytest.mark.parametrize("lang", LANGS)
def test_no_hard_coded_places_or_names_in_the_json(lang):
    pools = load_pools(lang)
    assert not {"names", "handles", "streets", "cities", "districts"} & set(pools)
    assert not any(k.startswith("cities_") for k in pools)


@pytest.mark.parametrize("lang", LANGS)
def test_eval_texts_never_reuse_a_training_name_or_city(lang):
    drawn: dict[str, dict[str, set[str]]] = {"train": {}, "eval": {}}
    for split in drawn:
        for s in generate(lang, split, per_family=6):
            for kind, values in s.drawn.items():
                drawn[split].setdefault(kind, set()).update(values)
    for kind in ("names", "cities"):
        assert drawn["train"][kind] and drawn["eval"][kind], kind
        tokens = {split: {t for v in drawn[split][kind] for t in gen.name_tokens(v)} for split in drawn}
        if kind == "cities":
            tokens = {split: set(drawn[split][kind]) for split in drawn}
        assert not tokens["train"] & tokens["eval"], (lang, kind, tokens["train"] & tokens["eval"])
    assert all(gen.in_split(n, "eval") for n in drawn["eval"]["names"])


def test_gazetteer_cities_come_from_the_languages_countries():
    assert "Madrid" in gen.cities("es", "train") + gen.cities("es", "eval")
    assert "Buenos Aires" in gen.cities("es", "train") + gen.cities("es", "eval")
    every_ar = gen.cities("ar", "train") + gen.cities("ar", "eval")
    assert "الرياض" in every_ar or "الدار البيضاء" in every_ar
    assert all(gen.ARABIC_NAME.match(c) for c in every_ar)
    assert len(gen.cities("en", "eval")) > 500


def test_generation_is_deterministic():
    a = [s.to_json("x") for s in generate("es", "train", per_family=3)]
    b = [s.to_json("x") for s in generate("es", "train", per_family=3)]
    assert a == b
    c = [s.to_json("x") for s in generate("es", "train", per_family=3, seed=14)]
    assert a != c


@pytest.mark.parametrize("lang", LANGS)
def test_gold_spans_index_the_text(lang):
    n_spans = 0
    for s in generate(lang, "eval", per_family=4):
        for span in s.spans:
            assert s.text[span["start"] : span["end"]] == span["text"]
            n_spans += 1
        assert "{" not in s.text or "}" not in s.text, s.text
        if s.functionality == "neg_short":
            assert len(s.text.split()) <= 6, s.text
        else:
            assert 20 <= len(s.text.split()) <= 80 or not s.labels
    assert n_spans > 15


def test_samples_carry_labels_and_hard_negative_types():
    for s in generate("ar", "train", per_family=1):
        assert s.labels == LABELS.get(s.functionality, [])
        assert s.hn_type == HARD_NEGATIVES.get(s.functionality)
        assert bool(s.labels) != bool(s.hn_type)


def test_missing_train_extra_names_it(monkeypatch):
    real_import = builtins.__import__

    def no_faker(name, *args, **kwargs):
        if name == "faker":
            raise ImportError("No module named 'faker'", name="faker")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_faker)
    with pytest.raises(ImportError, match=r"pip install abusedesk\[train\]"):
        next(generate("en", "train", per_family=1))
