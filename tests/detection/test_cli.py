"""CLI contract: classify / eval / detection train, run through abusedesk.cli.main.main."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from abusedesk.cli.main import main

LINES = [
    {"id": "a",
     "text": "Emily Carter lives at 42 Maple Avenue, Springfield, IL 62704. I'm going to burn her house down "
             "with her inside."},
    {"id": 2, "text": "I'd kill for a coffee right now.", "lang": "en"},
    {"id": "c", "text": "سأقتلك يا سارة، أعرف أين تسكنين", "lang": None},
]


def run(capsys, argv, stdin: str | bytes | None = None, monkeypatch=None):
    if stdin is not None:
        raw = stdin if isinstance(stdin, bytes) else stdin.encode("utf-8")
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    code = main(argv)
    out = capsys.readouterr().out
    return code, [json.loads(x) for x in out.splitlines() if x.strip()] if argv[0] == "classify" else out


def test_classify_file_in_order_with_exact_fields(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n", encoding="utf-8")
    code, out = run(capsys, ["classify", str(path)])
    assert code == 0
    assert [o["id"] for o in out] == ["a", 2, "c"]
    for o, src in zip(out, LINES, strict=True):
        assert list(o) == ["id", "lang", "labels", "scores", "spans", "explanations"]
        assert set(o["scores"]) == {"threat", "doxxing", "harassment", "hate"}
        for s in o["spans"]:
            assert src["text"][s["start"] : s["end"]] == s["text"]
    assert {"doxxing", "threat"} <= set(out[0]["labels"])
    assert out[1]["labels"] == []
    assert out[2]["lang"] == "ar" and "threat" in out[2]["labels"]


def test_classify_stdin_bad_lines_give_error_lines_and_exit_1(capsys, monkeypatch):
    stdin = "\n".join([
        json.dumps(LINES[1]),
        "{not json",
        json.dumps({"id": 5}),
        json.dumps({"id": 6, "text": 42}),
        json.dumps({"text": "no id"}),
        json.dumps({"id": 8, "text": "hola", "lang": "spanish"}),
        json.dumps([1, 2]),
        "",
        json.dumps({"id": 9, "text": "ok again"}),
    ])
    code, out = run(capsys, ["classify", "-"], stdin, monkeypatch)
    assert code == 1
    assert out[0]["id"] == 2
    errors = {o["line"]: o["error"] for o in out if "error" in o}
    assert "invalid JSON" in errors[2]
    assert "'text'" in errors[3]
    assert "'text' must be a string" in errors[4]
    assert "'id'" in errors[5]
    assert "'lang'" in errors[6]
    assert "JSON object" in errors[7]
    assert "empty line" in errors[8]
    assert out[-1]["id"] == 9


def test_classify_answers_every_hostile_line_and_never_stops_the_batch(capsys, monkeypatch):
    lines = [
        json.dumps({"id": "empty", "text": ""}).encode(),
        json.dumps({"id": "blank", "text": "   \t  "}).encode(),
        json.dumps({"id": "huge", "text": "a" * 1_000_000}).encode(),
        b"\x00\x01\x02 binary \xff\xfe",
        b'{"id": "bad-utf8", "text": "caf\xe9"}',
        json.dumps({"id": "rlo", "text": "I will \u202ekill\u202c you"}).encode(),
        json.dumps({"id": "zw", "text": "k\u200bi\u200bl\u200bl y\u200bo\u200bu"}).encode(),
        json.dumps({"id": "emoji", "text": "😂😂😂🔥🔥"}, ensure_ascii=False).encode(),
        json.dumps({"id": "mixed", "text": "I know where you live. Te vamos a matar. سنجدك"},
                   ensure_ascii=False).encode(),
        json.dumps({"id": "surrogate", "text": "\ud800"}).encode(),
        json.dumps({"id": "last", "text": "have a nice day"}).encode(),
    ]
    code, out = run(capsys, ["classify", "-"], b"\n".join(lines), monkeypatch)
    assert code == 1
    assert len(out) == len(lines)
    by_id = {o.get("id"): o for o in out}
    for ok in ("empty", "blank", "rlo", "zw", "emoji", "mixed", "last"):
        assert "labels" in by_id[ok], by_id[ok]
    by_line = {o["line"]: o["error"] for o in out if "line" in o}
    assert "too long" in by_line[3]
    assert "surrogate" in by_line[10]
    errors = [o["error"] for o in out if "line" in o and "id" not in o]
    assert any("not valid UTF-8" in e for e in errors)


def test_classify_as_module_subprocess(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(LINES[1]) + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "abusedesk.cli", "classify", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["id"] == 2


SHARED = [
    {"text": "I want to kill all women.", "lang": "en", "label": "threat",
     "meta": {"functionality": "threat_dir_h"}, "hn_type": None},
    {"text": "Saying 'I want to kill all women' is disgusting and should be banned.", "lang": "en", "label": "none",
     "meta": {"functionality": "counter_quote_nh"}, "hn_type": "counter_quote_nh__quotes_threat"},
    {"text": "Women are vermin.", "lang": "en", "label": "hate_harassment",
     "meta": {"functionality": "derog_dehum_h"}, "hn_type": None},
]
OWN = [
    {"id": "d1", "text": "Found her: 14 Larch Grove, Leeds LS6 3BX, phone 07912 345678.", "lang": "en",
     "labels": ["doxxing"], "spans": [{"start": 11, "end": 37, "type": "address"},
                                       {"start": 45, "end": 57, "type": "phone"}],
     "meta": {"functionality": "doxx"}},
]


def test_eval_shared_and_own_formats(tmp_path, capsys):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in SHARED + OWN) + "\n", encoding="utf-8")
    assert main(["eval", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 4
    groups = report["per_source"]
    assert sum(g["threat|model"]["n"] for g in groups.values() if "threat|model" in g) == 4
    assert all(f"{cat}|keywords" in g for g in groups.values() for cat in ("threat", "abuse"))
    assert any(k.endswith(":threat_dir_h") for k in report["per_functionality"])
    assert report["pii_spans"]["en"]["recall"] == 1.0
    assert main(["eval", str(path)]) == 0
    table = capsys.readouterr().out
    assert "keyword baseline" in table and "per functionality" in table and "personal-data spans" in table


def test_detection_generate_and_help(capsys):
    assert main(["detection", "generate", "--lang", "en", "--per-family", "1"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rows and all(r["lang"] == "en" and "labels" in r for r in rows)
    with pytest.raises(SystemExit):
        main(["detection", "train", "--help"])
    assert "--data" in capsys.readouterr().out


def test_detection_train_small(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    code = main(["detection", "train", "--out", str(tmp_path / "out"), "--data", str(data), "--no-encoder",
                 "--per-family", "3"])
    assert code == 0
    assert (tmp_path / "out" / "ngram-en.npz").exists() and (tmp_path / "out" / "thresholds.json").exists()
    assert main(["detection", "train", "--data", str(tmp_path / "missing")]) == 2
    assert "--data" in capsys.readouterr().err
