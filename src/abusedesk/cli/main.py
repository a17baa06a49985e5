"""The `abusedesk` command.

Each module in abusedesk/cli/commands/ defines `register(subparsers)` and adds its sub-commands with
`parser.set_defaults(handler=..., django=True|False)`. Commands that need the database set `django=True`
and then stop with "no desk at DIR" when there is none, unless they also set `creates_desk=True`; the pure
ones (classify, eval, whois, evidence fetch) run without a database or server.
Handlers return the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from abusedesk import __version__
from abusedesk.cli import commands


class CliError(Exception):
    """A usage or input error: printed as `abusedesk: error: ...` with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="abusedesk", description="An abuse desk for infrastructure providers.")
    parser.add_argument("--version", action="version", version=f"abusedesk {__version__}")
    parser.add_argument("--data-dir", help="data directory for the embedded default (env ABUSEDESK_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abusedesk.settings")
    import django

    django.setup()


def _open_desk(*, creates: bool) -> None:
    """Set Django up on the desk the command names; only `migrate` (and `up`) may create one (cli/desk.py)."""
    from abusedesk.cli import desk

    if not creates:
        desk.check_before_setup()
    setup_django()
    if not creates:
        desk.check_after_setup()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    if args.data_dir:
        os.environ["ABUSEDESK_DATA_DIR"] = os.path.abspath(args.data_dir)
    try:
        if getattr(args, "django", False):
            _open_desk(creates=getattr(args, "creates_desk", False))
        return int(args.handler(args) or 0)
    except CliError as exc:
        print(f"abusedesk: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
