"""CLI for the detection stage: `classify`, `eval` and `detection train` (no server, no database).

Heavy imports (numpy, scikit-learn, lingua, the models) happen inside the handlers, so `abusedesk --help`
stays fast and a broken optional dependency cannot break other commands.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from abusedesk.detection.api import AnalysisResult

BATCH = 256
_LANG = re.compile(r"^[a-z]{2,3}$")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("classify", help="score JSON Lines texts for threat, doxxing, harassment and hate")
    p.add_argument("file", nargs="?", default="-", help="JSON Lines input ({id, text, lang?}); '-' for stdin")
    p.add_argument("-o", "--output", default="-", help="output file (default stdout)")
    p.set_defaults(handler=classify_command, django=False)

    p = sub.add_parser("eval", help="precision/recall/F1 of the detectors beside the keyword baseline")
    p.add_argument("file", nargs="?", default=None,
                   help="labelled JSON Lines (public format with label, or own format with labels and spans)")
    p.add_argument("--data", default=None,
                   help="instead of FILE: every dev split of the training-data folder plus the contrast sets' "
                        "evaluation split (default $ABUSEDESK_TRAINING_DATA)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--max-per-group", type=int, default=None,
                   help="evaluate at most N rows per (lang, label, functionality, hn_type) group")
    p.set_defaults(handler=eval_command, django=False)

    p = sub.add_parser("detection", help="detection stage maintenance")
    dsub = p.add_subparsers(dest="detection_command", metavar="SUBCOMMAND")
    t = dsub.add_parser("train", help="reproduce the shipped detection models")
    t.add_argument("--out", default=None, help="output folder (default: the package's detection/models)")
    t.add_argument("--data", default=None,
                   help="folder of the public training sets in JSON Lines (docs/detection.md, 'Training data'); "
                        "default $ABUSEDESK_TRAINING_DATA")
    t.add_argument("--no-encoder", action="store_true", help="skip the sentence-encoder head")
    t.add_argument("--per-family", type=int, default=120, help="contrast-set training texts per template family")
    t.set_defaults(handler=train_command, django=False)
    g = dsub.add_parser("generate", help="write the generated evaluation (or training) set as JSON Lines")
    g.add_argument("--split", choices=("eval", "train"), default="eval")
    g.add_argument("--per-family", type=int, default=60)
    g.add_argument("--lang", action="append", choices=("en", "es", "ar"))
    g.add_argument("-o", "--output", default="-")
    g.set_defaults(handler=generate_command, django=False)
    p.set_defaults(handler=lambda args: _usage(p), django=False)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


MAX_TEXT = 100_000


def parse_line(line: str) -> tuple[dict[str, Any] | None, str | None]:
    """Validate one input line; the error names the field and the problem."""
    if not line.strip():
        return None, "empty line: expected a JSON object with fields id, text and optional lang"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(row, dict):
        return None, "expected a JSON object with fields id, text and optional lang"
    if "id" not in row:
        return None, "missing field 'id'"
    if not isinstance(row["id"], str | int) or isinstance(row["id"], bool):
        return None, "field 'id' must be a string or an integer"
    if "text" not in row:
        return None, "missing field 'text'"
    if not isinstance(row["text"], str):
        return None, f"field 'text' must be a string, got {type(row['text']).__name__}"
    if len(row["text"]) > MAX_TEXT:
        return None, f"field 'text' is too long: {len(row['text'])} characters, at most {MAX_TEXT}"
    if any(0xD800 <= ord(c) <= 0xDFFF for c in row["text"]):
        return None, "field 'text' contains a lone surrogate (not valid Unicode text)"
    lang = row.get("lang")
    if lang is not None and (not isinstance(lang, str) or not _LANG.match(lang)):
        return None, "field 'lang' must be an ISO 639-1 code such as 'en' (or null)"
    return row, None


def decode_line(raw: bytes) -> tuple[str | None, str | None]:
    """A line of the input as text, or the reason it is not UTF-8."""
    try:
        return raw.decode("utf-8").rstrip("\r\n"), None
    except UnicodeDecodeError as exc:
        return None, f"line is not valid UTF-8 (byte {exc.start + 1})"


def _open_in(path: str) -> IO[bytes]:
    return sys.stdin.buffer if path == "-" else open(path, "rb")


def _open_out(path: str) -> IO[str]:
    return sys.stdout if path == "-" else open(path, "w", encoding="utf-8")


def _analyse(valid: list[dict[str, Any]]) -> list[AnalysisResult | Exception]:
    """Results for a batch; if the batch fails, each text alone, so one bad text cannot stop the others."""
    from abusedesk.detection.api import analyse_many

    try:
        return list(analyse_many([r["text"] for r in valid], [r.get("lang") for r in valid]))
    except Exception:  # isolate the failing line below, then report it on that line
        out: list[AnalysisResult | Exception] = []
        for r in valid:
            try:
                out.append(analyse_many([r["text"]], [r.get("lang")])[0])
            except Exception as exc:  # reported on its line; the batch goes on
                out.append(exc)
        return out


def classify_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[dict[str, Any], bool]]:
    """Yield (output object, ok) for every input line, in order, batching the valid ones."""
    pending: list[tuple[int, dict[str, Any] | None, str | None]] = []

    def flush() -> Iterator[tuple[dict[str, Any], bool]]:
        valid = [row for _, row, _ in pending if row is not None]
        results = iter(_analyse(valid) if valid else [])
        for n, row, err in pending:
            if row is None:
                yield {"line": n, "error": err}, False
                continue
            result = next(results)
            if isinstance(result, Exception):
                yield {"line": n, "id": row["id"], "error": f"analysis failed: {type(result).__name__}"}, False
            else:
                yield {"id": row["id"], **result.to_json()}, True
        pending.clear()

    for n, raw in enumerate(lines, 1):
        line, err = decode_line(raw) if isinstance(raw, bytes) else (raw.rstrip("\r\n"), None)
        row, err = parse_line(line) if line is not None else (None, err)
        pending.append((n, row, err))
        if len(pending) >= BATCH:
            yield from flush()
    yield from flush()


def classify_command(args: argparse.Namespace) -> int:
    ok_all = True
    src = _open_in(args.file)
    out = _open_out(args.output)
    try:
        for obj, ok in classify_lines(src):
            ok_all &= ok
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
            out.flush() if out is sys.stdout else None
    finally:
        if src is not sys.stdin.buffer:
            src.close()
        if out is not sys.stdout:
            out.close()
    return 0 if ok_all else 1


def eval_command(args: argparse.Namespace) -> int:
    import os

    from abusedesk.detection.evaluate import dev_rows, evaluate, format_table, read_rows

    data = args.data or (None if args.file else os.environ.get("ABUSEDESK_TRAINING_DATA"))
    if args.file:
        with open(args.file, encoding="utf-8") as fh:
            report = evaluate(read_rows(fh, args.max_per_group)).as_dict()
    elif data and Path(data).is_dir():
        report = evaluate(dev_rows(Path(data))).as_dict()
    else:
        print("abusedesk: eval: name a labelled FILE or --data FOLDER (docs/detection.md, 'Training data')",
              file=sys.stderr)
        return 2
    print(json.dumps(report, indent=1) if args.json else format_table(report))
    return 0


def train_command(args: argparse.Namespace) -> int:
    import logging
    import os

    from abusedesk.detection.modelio import models_dir
    from abusedesk.detection.train import train_all

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    out = Path(args.out) if args.out else models_dir()
    data = args.data or os.environ.get("ABUSEDESK_TRAINING_DATA")
    if not data or not Path(data).is_dir():
        print(f"abusedesk: --data: {'no folder given' if not data else f'{data} is not a folder'}; name the folder "
              "of the training sets (docs/detection.md, 'Training data')", file=sys.stderr)
        return 2
    digests = train_all(out, Path(data), per_family=args.per_family, encoder=not args.no_encoder)
    for name, digest in digests.items():
        print(f"{digest}  {out / name}")
    return 0


def generate_command(args: argparse.Namespace) -> int:
    from abusedesk.detection.generate import LANGS, generate

    out = _open_out(args.output)
    n = 0
    for lang in args.lang or LANGS:
        for s in generate(lang, args.split, per_family=args.per_family):
            n += 1
            out.write(json.dumps(s.to_json(f"{args.split}-{lang}-{n}"), ensure_ascii=False) + "\n")
    if out is not sys.stdout:
        out.close()
    return 0
