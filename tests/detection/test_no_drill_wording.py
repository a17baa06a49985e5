# ruff: noqa: RUF001 - Arabic letters are the subject matter here
"""Detector data never copies a drill's wording: drills check the pipeline, they are not training data.

Lexicon entries of three words or more must not appear in any drill text, and no contrast-set template or built-in
contract example may share a run of four words with one (shorter common collocations such as "someone should" are
ordinary vocabulary)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from abusedesk.detection.detectors import examples

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "abusedesk" / "detection" / "data"


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.findall(r"\w+", text.translate(str.maketrans({"ى": "ي", "ة": "ه"})))


def runs(text: str, n: int) -> set[str]:
    w = words(text)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in ([v] if k == "text" and isinstance(v, str) else _texts(v))]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


DRILLS = [t for f in sorted((ROOT / "scenarios").glob("*.json")) for t in _texts(json.loads(f.read_text("utf-8")))]
DRILL_TEXT = [" ".join(words(t)) for t in DRILLS]
DRILL_RUNS = set().union(*(runs(t, 4) for t in DRILLS))


def test_the_drills_have_posts_to_check_against() -> None:
    assert len(DRILLS) >= 15


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_lexicon_entries_do_not_copy_drill_phrases(lang: str) -> None:
    concepts = json.loads((DATA / "lexicon" / f"{lang}.json").read_text("utf-8"))["concepts"]
    copied = [(c, e) for c, entries in concepts.items() for e in entries if not e.startswith("re:")
              and len(words(e)) >= 3 and any(f" {' '.join(words(e))} " in f" {t} " for t in DRILL_TEXT)]
    assert copied == []


@pytest.mark.parametrize("lang", ["en", "es", "ar"])
def test_contrast_templates_share_no_four_word_run_with_a_drill(lang: str) -> None:
    pools = json.loads((DATA / "generator" / f"{lang}.json").read_text("utf-8"))
    templates = [re.sub(r"\{\w+\}", " | ", t) for ts in pools["templates"].values() for t in ts]
    shared = {t: sorted(runs(t, 4) & DRILL_RUNS) for t in templates if runs(t, 4) & DRILL_RUNS}
    assert shared == {}


def test_contract_examples_share_no_four_word_run_with_a_drill() -> None:
    texts = [e.text for name in ("THREAT", "DOXXING", "HARASSMENT", "HATE", "PII", "ENCODER")
             for e in getattr(examples, name)]
    assert [t for t in texts if runs(t, 4) & DRILL_RUNS] == []
